// obs_seed.mjs - seeds the server the Traces / Monitoring / Gateway / Datasets pages are tested
// against: the fake LLM provider as upstream (build/fake_provider), prices, two gateway
// endpoints (one always failing; names start with obs- so other tests' data never collides),
// an API key, gateway calls with users and a session, an OTLP trace with a nested span tree, an
// alert rule that fires on the failing endpoint, a dataset version with a split, and two
// evaluations to compare. Returns what the tests look for.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BASE, call } from './lib.mjs';

// The fake provider test_web_ui.c started (FAKE_PROVIDER_URL, its OpenAI base URL), else one
// started here on a free port (running this file by hand); resolves to {url, stop}.
export function startFake() {
  if (process.env.FAKE_PROVIDER_URL)
    return Promise.resolve({ url: process.env.FAKE_PROVIDER_URL.replace(/\/v1$/, ''), stop: () => {} });
  const bin = process.env.FAKE_PROVIDER_BIN || join(process.env.BUILD || 'build', 'fake_provider');
  const child = spawn(bin, ['--port', '0', '--threads', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the fake provider did not start in 10 s')), 10000);
    child.on('error', reject);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill('SIGTERM') });
      }
    });
  });
}

async function chat(model, content, { key, user, session } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (session) headers['X-Llmops-Session-Id'] = session;
  const res = await fetch(BASE + '/v1/chat/completions', {
    method: 'POST', headers, body: JSON.stringify({ model, user, messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.status;
}

// Poll until `ok(value)` holds for what `get()` returns (the trace writer is asynchronous).
export async function until(get, ok, what) {
  for (let i = 0; i < 100; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for ' + what);
}

const hex = (n, seed) => Array.from({ length: n }, (_, i) => ((seed * 7 + i * 13) % 16).toString(16)).join('');

// An OTLP/JSON trace: agent -> (retrieve, llm call -> tool), version and user on the root.
export function otlpTrace(traceId, startMs) {
  const ns = (ms) => String(BigInt(Math.round(ms)) * 1000000n);
  const attr = (key, v) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });
  const span = (id, parent, name, from, to, attributes, status) => ({
    traceId, spanId: id, ...(parent ? { parentSpanId: parent } : {}), name, kind: 1,
    startTimeUnixNano: ns(startMs + from), endTimeUnixNano: ns(startMs + to), attributes,
    ...(status ? { status } : {}),
  });
  const root = hex(16, 1), ret = hex(16, 2), llm = hex(16, 3), tool = hex(16, 4);
  return {
    resourceSpans: [{
      resource: { attributes: [attr('service.name', 'planner'), attr('service.version', 'v7')] },
      scopeSpans: [{ scope: { name: 'e2e' }, spans: [
        span(root, null, 'plan trip', 0, 400, [attr('openinference.span.kind', 'AGENT'), attr('input.value', 'plan a trip to Oslo'),
          attr('output.value', 'booked the Oslo trip'), attr('user.id', 'dora'), attr('session.id', 'trip-1')]),
        span(ret, root, 'retrieve hotels', 20, 120, [attr('openinference.span.kind', 'RETRIEVER'), attr('retrieval.query', 'hotels in Oslo')]),
        span(llm, root, 'chat gpt-4o', 130, 380, [attr('gen_ai.operation.name', 'chat'), attr('gen_ai.provider.name', 'openai'),
          attr('gen_ai.request.model', 'gpt-4o'), attr('gen_ai.usage.input_tokens', 42), attr('gen_ai.usage.output_tokens', 17)]),
        span(tool, llm, 'book hotel', 200, 300, [attr('openinference.span.kind', 'TOOL'), attr('tool.name', 'book_hotel')]),
      ] }],
    }],
    ids: { root, ret, llm, tool },
  };
}

export async function seedObservability() {
  const fake = await startFake();
  const base = fake.url + '/v1';
  await call('PUT', '/api/v1/prices', { provider: 'fake', model: 'fake-a', input_per_mtok: 100, output_per_mtok: 200 });
  await call('PUT', '/api/v1/prices', { provider: 'fake', model: 'fake-b', input_per_mtok: 50, output_per_mtok: 50 });
  await call('POST', '/api/v1/endpoints', {
    name: 'obs-support', description: 'support chat',
    targets: [
      { name: 'main', provider: 'fake', model: 'fake-a', base_url: base, weight: 80 },
      { name: 'canary', provider: 'fake', model: 'fake-b', base_url: base, weight: 20 },
    ],
  });
  await call('POST', '/api/v1/endpoints', {
    name: 'obs-flaky', targets: [{ provider: 'fake', model: 'fake?status=500', base_url: base, max_retries: 0 }],
  });
  const { key, secret } = await call('POST', '/api/v1/keys', { name: 'obs-team-a', budget_usd: 10, rpm: 600 });
  const asked = ['how do refunds work', 'where is my invoice', 'reset my password', 'cancel my order'];
  for (let i = 0; i < asked.length; i++)
    await chat('obs-support', asked[i], { key: secret, user: i % 2 ? 'bob' : 'alice', session: i < 2 ? 'obs-chat-1' : undefined });
  for (let i = 0; i < 2; i++) await chat('obs-flaky', 'this one fails ' + i, { user: 'carol' });
  const now = Date.now();
  const traceId = hex(32, 9);
  const otlp = otlpTrace(traceId, now - 60000);
  const ids = otlp.ids;
  delete otlp.ids;
  await call('POST', '/v1/traces', otlp);
  await until(() => call('GET', '/api/v1/traces?limit=1000&since=' + (now - 3600e3)), (r) => r.traces.filter((t) => t.endpoint?.startsWith('obs-') || t.trace_id === traceId).length >= 7, 'the seeded traces');
  const rule = await call('POST', '/api/v1/alerts/rules', {
    name: 'obs-flaky-errors', metric: 'error_rate', group: 'endpoint', window_s: 3600, comparison: '>', threshold: 0.5, min_requests: 1,
  });
  await call('POST', '/api/v1/alerts/evaluate', {});
  const rows = Array.from({ length: 45 }, (_, i) => JSON.stringify({ question: `question ${i}`, answer: `answer ${i}`, n: i })).join('\n');
  const imp = await fetch(BASE + '/api/v1/datasets/obs-support-qa/versions?split=train=0.8,test=0.2&seed=7&description=first', {
    method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: rows,
  });
  if (imp.status !== 201) throw new Error('dataset import: ' + imp.status + ' ' + (await imp.text()));
  const evals = await seedEvaluations(base);
  return { fake, key, otlpTraceId: traceId, spanIds: ids, rule: rule.rule, evals };
}

// Two finished evaluations of one dataset version with exact_match: a baseline through an
// endpoint that echoes (right on the 8 rows whose expected answer is the echo, wrong on 4) and a
// candidate through one that always answers "nope" (so the 8 become regressions).
async function seedEvaluations(base) {
  await call('POST', '/api/v1/endpoints', { name: 'obs-eval-echo', targets: [{ provider: 'fake', model: 'fake', base_url: base }] });
  await call('POST', '/api/v1/endpoints', { name: 'obs-eval-nope', targets: [{ provider: 'fake', model: 'fake?answer=nope', base_url: base }] });
  const rows = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({ input: `capital ${i}`, expected: i < 8 ? `echo: capital ${i}` : `city ${i}` })).join('\n');
  const imp = await fetch(BASE + '/api/v1/datasets/obs-eval-qa/versions', {
    method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: rows,
  });
  if (imp.status !== 201) throw new Error('dataset import: ' + imp.status + ' ' + (await imp.text()));
  const run = async (name, endpoint) => (await call('POST', '/api/v1/evaluations', {
    name, dataset: 'obs-eval-qa/1', target: { endpoint }, scorers: [{ type: 'exact_match' }], wait: true,
  })).evaluation;
  const baseline = await run('obs-echo', 'obs-eval-echo');
  const candidate = await run('obs-nope', 'obs-eval-nope');
  return { baseline, candidate };
}
