// experiments.test.mjs - the experiment list: seeded experiments are listed and link to their
// runs, the filter goes to the server, and a filter the server refuses shows its error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, open, shot, seedRuns } from './lib.mjs';

let browser, seeded;
before(async () => {
  seeded = await seedRuns('webui-experiments');
  browser = await launch();
});
after(() => browser && browser.close());

test('the experiment list shows the seeded experiment and links to its runs', async () => {
  const page = await newPage(browser);
  await open(page, '#/experiments');
  const link = page.getByRole('link', { name: 'webui-experiments' });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `#/experiments/${seeded.experiment_id}/runs`);
  assert.ok(await page.getByRole('link', { name: 'Default' }).isVisible());
  await shot(page, 'experiments');
  assert.deepEqual(page.errors, []);
});

test('the filter is applied by the server and kept in the URL', async () => {
  const page = await newPage(browser);
  await open(page, '#/experiments');
  await page.getByRole('searchbox').fill("name LIKE 'webui-%'");
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash.includes('filter='));
  // The unfiltered list also has webui-experiments: wait for Default to go (a timeout when the
  // filter is not applied), then check the match is still there.
  await page.getByRole('link', { name: 'Default' }).waitFor({ state: 'detached' });
  assert.ok(await page.getByRole('link', { name: 'webui-experiments' }).isVisible());
});

test('an API error is shown, not swallowed', async () => {
  const page = await newPage(browser);
  await open(page, '#/experiments?filter=' + encodeURIComponent('name ~~ nonsense'));
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /400 INVALID_PARAMETER_VALUE/);
  await shot(page, 'experiments-error');
});

test('an unknown link says so and offers a way back', async () => {
  const page = await newPage(browser);
  await open(page, '#/no/such/page');
  await page.getByText('Nothing at /no/such/page').waitFor();
});

test('a 401 from the API asks for a key, then retries with it', async () => {
  const page = await newPage(browser);
  let seen = null;
  // The server under test runs without API auth: answer the first search with a 401 as a
  // server that requires a key would, and let the retry through, recording its header.
  let first = true;
  await page.route('**/api/2.0/mlflow/experiments/search', async (route) => {
    if (first) {
      first = false;
      return route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"unauthenticated","message":"an API key is required"}}' });
    }
    seen = route.request().headers().authorization;
    return route.continue();
  });
  await open(page, '#/experiments');
  const dialog = page.getByRole('dialog', { name: 'API key required' });
  await dialog.waitFor();
  await shot(page, 'api-key-dialog');
  await dialog.getByLabel('API key').fill('k-123');
  await dialog.getByRole('button', { name: 'Use key' }).click();
  await page.getByRole('link', { name: 'webui-experiments' }).waitFor();
  assert.equal(seen, 'Bearer k-123');
  assert.equal(await page.evaluate(() => localStorage.getItem('llmops.apiKey')), 'k-123');
});

test('keyboard: the skip link comes first, the sections are reachable with Tab and Enter', async () => {
  const page = await newPage(browser);
  await open(page, '#/experiments');
  await page.getByRole('link', { name: 'webui-experiments' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const seen = [];
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => document.activeElement.textContent));
  }
  assert.deepEqual(seen, ['llmops', 'Experiments', 'Models', 'Prompts']);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#/prompts');
  await page.getByRole('heading', { name: 'Prompts' }).waitFor();
});
