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
  await page.getByRole('link', { name: 'webui-experiments' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Default' }).count(), 0);
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
