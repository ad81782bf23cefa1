// runs.test.mjs - experiments → runs → run → compare: the run table (columns, filter, sort,
// paging by the server), the run page (params, metric history chart, tags, inputs, artifact
// download) and the compare page (differing params highlighted, histories overlaid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, open, shot, seedRuns, mlflow, call, BASE } from './lib.mjs';

let browser, seeded;
before(async () => {
  seeded = await seedRuns('webui-runs');
  const [r0] = seeded.runs;
  await mlflow('/runs/log-inputs', {
    run_id: r0,
    datasets: [{ dataset: { name: 'qa-set', digest: 'd1g3st', source_type: 'local', source: 'qa.jsonl' }, tags: [{ key: 'mlflow.data.context', value: 'train' }] }],
  });
  const put = await fetch(`${BASE}/api/2.0/mlflow-artifacts/artifacts/${seeded.experiment_id}/${r0}/artifacts/eval/report.txt`, { method: 'PUT', body: 'all good' });
  assert.equal(put.status, 200);
  browser = await launch();
});
after(() => browser && browser.close());

test('run list → run → compare', async () => {
  const page = await newPage(browser);
  await open(page, '#/experiments');
  await page.getByRole('link', { name: 'webui-runs' }).click();
  await page.waitForFunction((id) => location.hash === `#/experiments/${id}/runs`, seeded.experiment_id);
  const table = page.getByRole('table', { name: 'runs' });
  await table.getByRole('link', { name: 'trial-2' }).waitFor();
  // Newest first by default; the param and metric columns are there with their values.
  const names = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.deepEqual(names, ['trial-2', 'trial-1', 'trial-0']);
  const header = await table.locator('thead').textContent();
  assert.match(header, /metrics\.acc/);
  assert.match(header, /params\.lr/);
  assert.match(await table.locator('tbody tr').first().textContent(), /0\.9/);
  await shot(page, 'runs');

  // Open one run.
  await table.getByRole('link', { name: 'trial-0' }).click();
  await page.getByRole('heading', { name: 'trial-0' }).waitFor();
  const params = await page.getByRole('heading', { name: 'Params' }).locator('xpath=following-sibling::table[1]').textContent();
  assert.match(params, /lr0\.1/);
  assert.match(await page.getByRole('table', { name: 'metrics' }).textContent(), /loss/);
  await page.locator('.chart .u-over').first().waitFor(); // uPlot drew the loss history
  assert.match(await page.getByRole('table', { name: 'dataset inputs' }).textContent(), /qa-set.*d1g3st/);
  await page.getByRole('button', { name: /eval\// }).click();
  const file = page.getByRole('link', { name: 'report.txt' });
  await file.waitFor();
  const res = await fetch(new URL(await file.getAttribute('href'), BASE));
  assert.equal(await res.text(), 'all good');
  await shot(page, 'run');

  // Back to the list, tick two runs and compare them.
  await page.goBack();
  await table.getByRole('link', { name: 'trial-0' }).waitFor();
  await page.getByRole('checkbox', { name: 'select trial-0' }).check();
  await page.getByRole('checkbox', { name: 'select trial-1' }).check();
  await page.getByRole('button', { name: 'Compare selected (2)' }).click();
  await page.getByRole('heading', { name: 'Compare 2 runs' }).waitFor();
  assert.ok(decodeURIComponent(page.url()).includes(`runs=${seeded.runs[0]},${seeded.runs[1]}`));
  await page.getByRole('table', { name: 'params' }).waitFor();
  const rows = page.getByRole('table', { name: 'params' }).locator('tbody tr');
  assert.equal(await rows.count(), 2);
  assert.equal(await page.locator('tr.differs').count(), 1);
  assert.match(await page.locator('tr.differs').textContent(), /lr0\.10\.01/);
  await page.locator('.chart .u-over').first().waitFor();
  const legend = await page.locator('.card', { hasText: 'loss' }).locator('.u-legend').textContent();
  assert.match(legend, /trial-0/);
  assert.match(legend, /trial-1/);
  await page.getByRole('checkbox', { name: 'only params that differ' }).check();
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="params"] tbody tr').length === 1);
  await shot(page, 'compare');
  assert.deepEqual(page.errors, []);
});

test('the run filter and sort are done by the server and kept in the URL', async () => {
  const page = await newPage(browser);
  await open(page, `#/experiments/${seeded.experiment_id}/runs`);
  await page.getByRole('searchbox').fill("params.lr = '0.01'");
  await page.keyboard.press('Enter');
  const table = page.getByRole('table', { name: 'runs' });
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="runs"] tbody tr').length === 2);
  await page.getByRole('button', { name: 'sort by metrics.acc' }).click();
  await page.waitForFunction(() => location.hash.includes('order_by=metrics.acc'));
  await page.waitForFunction(() => document.querySelector('table[aria-label="runs"] tbody tr td:nth-child(2)').textContent === 'trial-2');
  assert.deepEqual(await table.locator('tbody tr td:nth-child(2)').allTextContents(), ['trial-2', 'trial-1']);
  // A bad filter shows the server's message.
  await page.getByRole('searchbox').fill('metrics.acc >');
  await page.keyboard.press('Enter');
  assert.match(await page.getByRole('alert').textContent(), /INVALID_PARAMETER_VALUE/);
});

test('paging follows the server page tokens', async () => {
  const { experiment_id } = await mlflow('/experiments/create', { name: 'webui-many-runs' });
  for (let i = 0; i < 55; i++) await mlflow('/runs/create', { experiment_id, run_name: `bulk-${i}`, start_time: 1700000000000 + i });
  const page = await newPage(browser);
  await open(page, `#/experiments/${experiment_id}/runs`);
  await page.getByRole('link', { name: 'bulk-54' }).waitFor();
  assert.equal(await page.locator('table[aria-label="runs"] tbody tr').count(), 50);
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.getByRole('link', { name: 'bulk-4', exact: true }).waitFor();
  assert.equal(await page.locator('table[aria-label="runs"] tbody tr').count(), 5);
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.getByRole('link', { name: 'bulk-54' }).waitFor();
});

test('an experiment without runs says what to do', async () => {
  const { experiment_id } = await call('POST', '/api/2.0/mlflow/experiments/create', { name: 'webui-empty' });
  const page = await newPage(browser);
  await open(page, `#/experiments/${experiment_id}/runs`);
  await page.getByText('No runs in this experiment yet').waitFor();
  assert.match(await page.locator('.empty').textContent(), /runs\/create/);
});
