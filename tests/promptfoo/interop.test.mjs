// interop.test.mjs - the same dataset and prompt evaluated by llmops (`llmops eval run`) and by
// promptfoo, both calling the llmops gateway in front of the fake provider, must give the same
// pass/fail for every row and every assertion both tools support.
//
// Run by tests/integration/test_promptfoo_interop.c with BASE_URL (the llmops server), FAKE_URL
// (the fake provider) and LLMOPS_BIN set. The fake answers "echo: <the user message>", so each
// row's answer is known and the rows below are written to pass some checks and fail others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const base = process.env.BASE_URL;
const fake = process.env.FAKE_URL;
const llmops = process.env.LLMOPS_BIN || 'build/llmops';
const promptfoo = path.resolve('tests/promptfoo/node_modules/.bin/promptfoo');

// input: the user message; expected / sub / isub: the per-row values of equals, contains and
// icontains.
const rows = [
  { input: 'what is 2+2?', expected: 'echo: what is 2+2?', sub: '2+2', isub: 'WHAT' },
  { input: 'what is the capital of france?', expected: 'echo: Paris', sub: 'capital', isub: 'FRANCE' },
  { input: 'Hello there', expected: 'echo: hello there', sub: 'hello', isub: 'HELLO' },
  { input: 'is this json?', expected: 'echo: is this json?', sub: 'JSON', isub: 'xml' },
  { input: 'say {"a": 1}', expected: 'echo: say {"a": 1}', sub: '"a"', isub: '"A"' },
  { input: 'count 1 2 3', expected: 'echo: count 1 2 3 ', sub: '1 2 3', isub: 'COUNT' },
  { input: 'ünïcode café?', expected: 'echo: ünïcode café?', sub: 'café', isub: 'CAFÉ' },
];

// Each pair: the promptfoo assertion for a row, and the llmops scorer spec. The llmops names
// follow the order of the promptfoo assertions.
const pattern = '^echo: [a-z0-9 +]+\\?$';
const pairs = [
  { name: 'eq', pf: (r) => ({ type: 'equals', value: r.expected }),
    llmops: { type: 'exact_match', name: 'eq', trim: false } },
  { name: 'sub', pf: (r) => ({ type: 'contains', value: r.sub }),
    llmops: { type: 'contains', name: 'sub', field: 'sub' } },
  { name: 'isub', pf: (r) => ({ type: 'icontains', value: r.isub }),
    llmops: { type: 'icontains', name: 'isub', field: 'isub' } },
  { name: 're', pf: () => ({ type: 'regex', value: pattern }),
    llmops: { type: 'regex', name: 're', pattern } },
  { name: 'any', pf: () => ({ type: 'contains-any', value: ['2+2', 'capital', 'count'] }),
    llmops: { type: 'contains', name: 'any', values: ['2+2', 'capital', 'count'], mode: 'any' } },
  { name: 'all', pf: () => ({ type: 'contains-all', value: ['echo', 'is'] }),
    llmops: { type: 'contains', name: 'all', values: ['echo', 'is'], mode: 'all' } },
];

async function api(method, p, body, type = 'application/json') {
  const res = await fetch(base + p, {
    method, headers: { 'Content-Type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test('llmops and promptfoo agree row by row', async () => {
  await api('POST', '/api/v1/endpoints', {
    name: 'interop',
    targets: [{ provider: 'openai', base_url: `${fake}/v1`, model: 'fake' }],
  });
  await api('POST', '/api/v1/datasets', { name: 'interop' });
  await api('POST', '/api/v1/datasets/interop/versions',
    rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'application/x-ndjson');

  // promptfoo: one test per row, the prompt is the row's input as the user message.
  const dir = mkdtempSync(path.join(tmpdir(), 'llmops-promptfoo-'));
  const config = {
    description: 'llmops interop',
    prompts: ['{{input}}'],
    providers: [{ id: 'openai:chat:interop', config: { apiBaseUrl: `${base}/v1`, apiKey: 'unused' } }],
    tests: rows.map((r) => ({ vars: { input: r.input }, assert: pairs.map((p) => p.pf(r)) })),
  };
  writeFileSync(path.join(dir, 'promptfooconfig.json'), JSON.stringify(config, null, 2));
  const env = {
    ...process.env, PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CONFIG_DIR: path.join(dir, 'home'), PROMPTFOO_DISABLE_SHARING: '1',
  };
  const pf = spawnSync(promptfoo, ['eval', '-c', path.join(dir, 'promptfooconfig.json'),
    '--no-cache', '--no-progress-bar', '--no-table', '-o', path.join(dir, 'out.json')],
    { env, encoding: 'utf8', timeout: 120000 });
  // promptfoo exits 100 when some assertion failed, which is expected here.
  assert.ok(pf.status === 0 || pf.status === 100, `promptfoo: ${pf.status} ${pf.stderr}`);
  const pfResults = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8')).results.results;
  assert.equal(pfResults.length, rows.length);

  // llmops: the same rows through `llmops eval run` against the same server.
  const args = ['eval', 'run', '--dataset', 'interop@latest', '--endpoint', 'interop',
    '--output', 'json', '--quiet', '--no-cache'];
  for (const p of pairs) args.push('--scorer', JSON.stringify(p.llmops));
  const run = spawnSync(llmops, args, { env: { ...process.env, LLMOPS_SERVER: base }, encoding: 'utf8' });
  assert.equal(run.status, 0, `llmops eval run: ${run.stderr}`);
  const report = JSON.parse(run.stdout);
  const id = (report.evaluation || report).id;
  const llmopsRows = (await api('GET', `/api/v1/evaluations/${id}/rows?limit=100`)).rows;
  assert.equal(llmopsRows.length, rows.length);

  const seen = {};
  for (const r of pfResults) {
    const i = rows.findIndex((row) => row.input === r.vars.input);
    assert.ok(i >= 0, `promptfoo row for an unknown input ${r.vars.input}`);
    const mine = llmopsRows.find((row) => row.index === i);
    assert.equal(mine.output, r.response.output, `row ${i}: the two tools saw different answers`);
    r.gradingResult.componentResults.forEach((c, k) => {
      const name = pairs[k].name;
      const score = mine.scores[name];
      assert.ok(score, `row ${i}: llmops has no ${name} score`);
      assert.equal(score.pass, c.pass, `row ${i} ${name}: llmops ${score.pass}, promptfoo ${c.pass}`);
      (seen[name] ||= new Set()).add(c.pass);
    });
  }
  // The rows are chosen so every compared check passes on some rows and fails on others.
  for (const p of pairs) assert.equal(seen[p.name].size, 2, `${p.name} should both pass and fail`);
});
