// registry.test.mjs - the Models pages: the model list with alias badges, a model's versions
// with source run and serving spec, and a version's page with its lineage (dataset → run →
// version), every object reachable by link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, open, shot, seedRuns, mlflow, call } from './lib.mjs';

let browser, run;
before(async () => {
  const seeded = await seedRuns('webui-registry');
  run = seeded.runs[0];
  await mlflow('/runs/log-inputs', {
    run_id: run,
    datasets: [{ dataset: { name: 'tickets', digest: 'abc123', source_type: 'local', source: 't.jsonl' } }],
  });
  await call('POST', '/api/v1/models', { name: 'web-bot', description: 'support assistant' });
  await call('POST', '/api/v1/models/web-bot/versions', { source: `runs:/${run}/model`, run_id: run, serving: { provider: 'openai', model: 'gpt-4o-mini' } });
  await call('POST', '/api/v1/models/web-bot/versions', { source: 's3://bucket/model-v2' });
  await call('PUT', '/api/v1/models/web-bot/aliases/production', { version: 1 });
  await call('PUT', '/api/v1/models/web-bot/aliases/candidate', { version: 2 });
  await call('POST', '/api/v1/endpoints', { name: 'web-bot-canary', targets: [{ model_ref: 'web-bot@production', weight: 90 }, { model_ref: 'web-bot@candidate', weight: 10 }] });
  browser = await launch();
});
after(() => browser && browser.close());

test('models → model → version with source run, serving spec and lineage', async () => {
  const page = await newPage(browser);
  await open(page, '#/models');
  const list = page.getByRole('table', { name: 'models' });
  await list.getByRole('link', { name: 'web-bot' }).waitFor();
  const row = await list.locator('tr', { hasText: 'web-bot' }).textContent();
  assert.match(row, /@production → v1/);
  assert.match(row, /@candidate → v2/);
  assert.match(row, /support assistant/);
  await shot(page, 'models');

  await list.getByRole('link', { name: 'web-bot' }).click();
  const versions = page.getByRole('table', { name: 'versions' });
  await versions.getByRole('link', { name: 'v1' }).waitFor();
  assert.deepEqual(await versions.locator('tbody tr td:first-child').allTextContents(), ['v2', 'v1']);
  assert.match(await versions.locator('tr', { hasText: 'v1' }).textContent(), /openai\/gpt-4o-mini/);
  assert.match(await versions.locator('tr', { hasText: 'v2' }).textContent(), /none/);
  await shot(page, 'model');

  await versions.getByRole('link', { name: 'v1' }).click();
  await page.getByRole('heading', { name: 'web-bot v1' }).waitFor();
  assert.match(await page.getByLabel('serving spec').textContent(), /"model": "gpt-4o-mini"/);
  const upstream = page.locator('.card', { hasText: 'Comes from (upstream)' });
  await upstream.getByRole('link', { name: run }).waitFor();
  assert.match(await upstream.textContent(), /dataset.*tickets@abc123.*input/);
  const endpoints = page.getByRole('table', { name: 'endpoints' });
  assert.match(await endpoints.textContent(), /web-bot-canary.*web-bot@production.*90/);
  assert.doesNotMatch(await endpoints.textContent(), /candidate/);
  await shot(page, 'model-version');
  // The source run link leads to the run page.
  await page.locator('dd').getByRole('link', { name: run }).click();
  await page.getByRole('heading', { name: 'trial-0' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('an unknown model version shows the API error', async () => {
  const page = await newPage(browser);
  await open(page, '#/models/web-bot/versions/99');
  assert.match(await page.getByRole('alert').textContent(), /404 not_found/);
});

test('no models matching a filter says so', async () => {
  const page = await newPage(browser);
  await open(page, '#/models?filter=' + encodeURIComponent("name = 'no-such-model'"));
  await page.getByText('No model matches this filter').waitFor();
});
