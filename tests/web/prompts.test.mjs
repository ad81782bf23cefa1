// prompts.test.mjs - the Prompts pages and the playground: list with alias badges, version
// history, a side-by-side diff, and a version rendered with variables and sent through the
// gateway (to the fake provider) showing answer, tokens, latency and cost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, open, shot, call } from './lib.mjs';

let browser, secret;
before(async () => {
  await call('POST', '/api/v1/prompts', { name: 'web-support', template: 'Answer as {{ company }}: {{ question }}', commit_message: 'first' });
  await call('POST', '/api/v1/prompts/web-support/versions', {
    messages: [{ role: 'system', content: 'You are {{ company }} support.' }, { role: 'user', content: '{{ question }}' }],
    model_config: { temperature: 0 },
    commit_message: 'chat version',
  });
  await call('PUT', '/api/v1/prompts/web-support/aliases/production', { version: 1 });
  await call('POST', '/api/v1/endpoints', { name: 'web-chat', targets: [{ provider: 'openai', base_url: process.env.FAKE_PROVIDER_URL, model: 'fake' }] });
  await call('PUT', '/api/v1/prices', { provider: 'openai', model: 'fake', input_per_mtok: 1000, output_per_mtok: 2000 });
  secret = (await call('POST', '/api/v1/keys', { name: 'webui' })).secret;
  browser = await launch();
});
after(() => browser && browser.close());

test('prompts → prompt → history → side-by-side diff', async () => {
  const page = await newPage(browser);
  await open(page, '#/prompts');
  const list = page.getByRole('table', { name: 'prompts' });
  await list.getByRole('link', { name: 'web-support' }).waitFor();
  assert.match(await list.locator('tr', { hasText: 'web-support' }).textContent(), /v2.*@production → v1/);
  await shot(page, 'prompts');

  await list.getByRole('link', { name: 'web-support' }).click();
  const history = page.getByRole('table', { name: 'versions' });
  await history.getByRole('link', { name: 'v1', exact: true }).waitFor();
  assert.match(await history.locator('tr', { hasText: 'chat version' }).textContent(), /v2chat/);
  assert.match(await history.locator('tr', { hasText: 'first' }).textContent(), /@production/);
  // The latest version is shown: a chat template with its roles and variables.
  const version = page.getByLabel('version', { exact: true });
  await version.getByText('You are {{ company }} support.').waitFor();
  assert.match(await version.textContent(), /companyquestion/);

  await history.getByRole('link', { name: 'diff v1 with v2' }).click();
  const diff = page.getByRole('table', { name: 'template' });
  await diff.waitFor();
  assert.match(await diff.locator('td.diff-del').first().textContent(), /Answer as \{\{ company \}\}/);
  assert.deepEqual(await diff.locator('td.diff-add').allTextContents(), ['### system', 'You are {{ company }} support.', '### user', '{{ question }}']);
  assert.match(await page.getByRole('table', { name: 'model config' }).textContent(), /"temperature": 0/);
  assert.ok(page.url().includes('diff=1..2'));
  await shot(page, 'prompt-diff');
  assert.deepEqual(page.errors, []);
});

test('playground: render with variables, send through the gateway, see answer, tokens, cost', async () => {
  const page = await newPage(browser);
  await open(page, '#/prompts/web-support?version=2');
  await page.getByRole('link', { name: 'Try it in the playground →' }).click();
  await page.getByRole('link', { name: 'web-support v2' }).waitFor();
  await page.getByLabel('company').fill('Acme');
  await page.getByLabel('question').fill('where is my order');
  await page.getByRole('button', { name: 'Render' }).click();
  await page.getByLabel('rendered').getByText('You are Acme support.').waitFor();

  await page.getByLabel('Endpoint or model').fill('web-chat');
  await page.getByLabel('Gateway key').fill(secret);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByLabel('answer').getByText('echo: where is my order').waitFor();
  const call_ = page.getByLabel('call');
  await call_.getByText(/^\$/).waitFor();
  const text = await call_.textContent();
  // The fake counts words: 8 in (system + user), 5 out ("echo: where is my order").
  assert.match(text, /8 in, 5 out/);
  // 8 × $1000/M + 5 × $2000/M = $0.018, as the trace recorded it.
  assert.match(text, /\$0\.018/);
  assert.match(text, /ms in the browser, [\d.]+ ms at the gateway/);
  const traceId = await call_.locator('a.mono').textContent();
  const trace = await call('GET', '/api/v1/traces/' + traceId);
  assert.equal(trace.input_tokens, 8);
  assert.equal(trace.output_tokens, 5);
  assert.equal(trace.cost_usd, 0.018);
  assert.equal(trace.endpoint, 'web-chat');
  await shot(page, 'playground');
  assert.deepEqual(page.errors, []);
});

test('playground: a missing variable and a refused key show the API errors', async () => {
  const page = await newPage(browser);
  await open(page, '#/playground?prompt=web-support&alias=production');
  await page.getByRole('link', { name: 'web-support v1' }).waitFor();
  await page.getByLabel('company').fill('Acme');
  await page.getByRole('button', { name: 'Render' }).click();
  assert.match(await page.getByRole('alert').textContent(), /400 template_undefined.*question/);
  await page.getByLabel('question').fill('hi');
  await page.getByLabel('Endpoint or model').fill('web-chat');
  await page.getByLabel('Gateway key').fill('llmops-not-a-real-key');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('alert').getByText(/401/).waitFor();
  await shot(page, 'playground-error');
});
