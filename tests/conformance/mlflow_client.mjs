// mlflow_client.mjs - conformance test: drives a running llmops server through the `mlflow`
// npm package (v2.0.7, "MLflow api client for Node.js"), a real MLflow REST client, and checks
// what comes back. Prints TAP ("ok N - ..." / "not ok N - ...") and exits 1 on any failure.
//
//   LLMOPS_URL=http://127.0.0.1:5050 node tests/conformance/mlflow_client.mjs
//
// The client's own gaps (see docs/tracking.md): its Experiments.setExperimentTag builds a
// broken URL (no '/' before "set-experiment-tag"), Runs.create cannot pass run_name, and it
// has no log-inputs or artifact upload; the C integration tests cover those endpoints.
import MLflow from 'mlflow';

const endpoint = process.env.LLMOPS_URL;
if (!endpoint) {
  process.stderr.write('LLMOPS_URL must name the llmops server\n');
  process.exit(2);
}
// The client prints every request body with console.log; keep stdout for TAP.
console.log = () => {};
const client = new MLflow({ endpoint });
const { Experiments, Runs, Metrics, Artifacts } = client;

let n = 0;
let failed = 0;
const tap = (line) => process.stdout.write(line + '\n');
const assert = (cond, what) => {
  if (!cond) throw new Error(`assertion failed: ${what}`);
};
async function test(name, fn) {
  n += 1;
  try {
    await fn();
    tap(`ok ${n} - ${name}`);
  } catch (e) {
    failed += 1;
    tap(`not ok ${n} - ${name}`);
    tap(`# ${String(e && e.message ? e.message : e).split('\n').join('\n# ')}`);
  }
}
// The client throws Error(JSON.stringify({status, statusText, data})), wrapped once more.
async function expectError(promise, status, code) {
  try {
    await promise;
  } catch (e) {
    const text = String(e.message).replace(/^Error: /, '');
    const info = JSON.parse(text);
    assert(info.status === status, `status ${info.status} != ${status}`);
    assert(info.data && info.data.error_code === code, `error_code ${JSON.stringify(info.data)}`);
    return info.data;
  }
  throw new Error(`expected ${status} ${code}, but the call succeeded`);
}

const name = `conformance-${process.pid}-${Date.now()}`;
let experimentId;
let runId;
const now = Date.now();

await test('experiments create / get', async () => {
  const created = await Experiments.create({ name });
  experimentId = created.experiment_id;
  assert(typeof experimentId === 'string' && /^[0-9]+$/.test(experimentId), 'experiment_id');
  const { experiment } = await Experiments.get({ experiment_id: experimentId });
  assert(experiment.name === name, 'name');
  assert(experiment.lifecycle_stage === 'active', 'lifecycle_stage');
  assert(experiment.artifact_location === `mlflow-artifacts:/${experimentId}`, 'location');
});

await test('experiments create with a taken name is RESOURCE_ALREADY_EXISTS', async () => {
  await expectError(Experiments.create({ name }), 400, 'RESOURCE_ALREADY_EXISTS');
});

await test('experiments list (MLflow 1.x endpoint) and update', async () => {
  await Experiments.update({ experiment_id: experimentId, new_name: `${name}-renamed` });
  const { experiments } = await Experiments.list();
  const mine = experiments.find((e) => e.experiment_id === experimentId);
  assert(mine && mine.name === `${name}-renamed`, 'renamed experiment listed');
});

await test('runs create', async () => {
  const { run } = await Runs.create({
    experiment_id: experimentId,
    start_time: now,
    tags: [{ key: 'mlflow.user', value: 'conformance' }],
  });
  runId = run.info.run_id;
  assert(/^[0-9a-f]{32}$/.test(runId), 'run id is 32 hex');
  assert(run.info.status === 'RUNNING', 'status');
  assert(run.info.start_time === now, 'start_time as a number');
  assert(run.info.artifact_uri === `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, 'uri');
  const runName = run.data.tags.find((t) => t.key === 'mlflow.runName');
  assert(runName && runName.value === run.info.run_name, 'run name mirrored to a tag');
});

await test('log parameter, metric, tag', async () => {
  await Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' });
  await Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' });
  for (let step = 0; step < 3; step += 1) {
    await Runs.logMetric({ run_id: runId, key: 'acc', value: 0.5 + step / 10, timestamp: now + step, step });
  }
  await Runs.setTag({ run_id: runId, key: 'stage', value: 'dev' });
});

await test('changing a param is INVALID_PARAMETER_VALUE naming the values', async () => {
  const data = await expectError(
    Runs.logParameter({ run_id: runId, key: 'lr', value: '0.02' }),
    400,
    'INVALID_PARAMETER_VALUE',
  );
  assert(data.message.includes('lr') && data.message.includes('0.01') && data.message.includes('0.02'), data.message);
});

await test('log batch', async () => {
  const metrics = [];
  for (let i = 0; i < 100; i += 1) metrics.push({ key: 'loss', value: 1 / (i + 1), timestamp: now + i, step: i });
  await Runs.logBatch({
    run_id: runId,
    metrics,
    params: [{ key: 'model', value: 'tiny' }],
    tags: [{ key: 'stage', value: 'test' }],
  });
});

await test('runs get shows latest metrics, params, tags', async () => {
  const { run } = await Runs.get({ run_id: runId });
  const metric = (k) => run.data.metrics.find((m) => m.key === k);
  assert(Math.abs(metric('acc').value - 0.7) < 1e-12 && metric('acc').step === 2, 'latest acc');
  assert(metric('loss').step === 99, 'latest loss');
  const param = (k) => run.data.params.find((p) => p.key === k).value;
  assert(param('lr') === '0.01' && param('model') === 'tiny', 'params');
  assert(run.data.tags.find((t) => t.key === 'stage').value === 'test', 'tag overwritten');
});

await test('metrics get-history', async () => {
  const { metrics } = await Metrics.getHistory({ run_id: runId, metric_key: 'loss' });
  assert(metrics.length === 100, `100 points, got ${metrics.length}`);
  assert(metrics.every((m) => typeof m.timestamp === 'number' && typeof m.step === 'number'), 'int64 numbers');
});

await test('runs search with filter and order_by', async () => {
  const other = (await Runs.create({ experiment_id: experimentId, start_time: now + 1 })).run.info.run_id;
  await Runs.logMetric({ run_id: other, key: 'acc', value: 0.9, timestamp: now, step: 0 });
  const { runs } = await Runs.search({
    experiment_ids: [experimentId],
    filter: "metrics.acc > 0.6 and params.lr = '0.01'",
    order_by: ['metrics.acc DESC'],
    max_results: 10,
  });
  assert(runs.length === 1 && runs[0].info.run_id === runId, 'only the matching run');
  const all = await Runs.search({ experiment_ids: [experimentId], order_by: ['metrics.acc DESC'], max_results: 1 });
  assert(all.runs.length === 1 && all.runs[0].info.run_id === other, 'ordered by acc');
  assert(typeof all.next_page_token === 'string', 'next_page_token');
  const next = await Runs.search({ experiment_ids: [experimentId], order_by: ['metrics.acc DESC'], max_results: 1, page_token: all.next_page_token });
  assert(next.runs[0].info.run_id === runId, 'second page');
  await expectError(Runs.search({ experiment_ids: [experimentId], filter: 'metrics.acc >> 1' }), 400, 'INVALID_PARAMETER_VALUE');
});

await test('runs update', async () => {
  const { run_info: info } = await Runs.update({ run_id: runId, status: 'FINISHED', end_time: now + 1000 });
  assert(info.status === 'FINISHED' && info.end_time === now + 1000, 'updated');
});

await test('delete tag, delete and restore a run', async () => {
  await Runs.deleteTag({ run_id: runId, key: 'stage' });
  await expectError(Runs.deleteTag({ run_id: runId, key: 'stage' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await Runs.delete({ run_id: runId });
  await expectError(Runs.logMetric({ run_id: runId, key: 'x', value: 1, timestamp: now }), 400, 'INVALID_PARAMETER_VALUE');
  const { run } = await Runs.get({ run_id: runId });
  assert(run.info.lifecycle_stage === 'deleted', 'deleted');
  await Runs.restore({ run_id: runId });
});

await test('artifacts list', async () => {
  const res = await Artifacts.list({ run_id: runId });
  assert(res.root_uri === `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, 'root_uri');
});

await test('unknown ids are RESOURCE_DOES_NOT_EXIST', async () => {
  await expectError(Experiments.get({ experiment_id: '987654321' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await expectError(Runs.get({ run_id: '0123456789abcdef0123456789abcdef' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

await test('experiments delete and restore', async () => {
  await Experiments.delete({ experiment_id: experimentId });
  const { experiment } = await Experiments.get({ experiment_id: experimentId });
  assert(experiment.lifecycle_stage === 'deleted', 'deleted');
  await Experiments.restore({ experiment_id: experimentId });
});

tap(`1..${n}`);
process.exit(failed ? 1 : 0);
