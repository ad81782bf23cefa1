// observability.test.mjs - the Traces, Sessions, Monitoring, Gateway and Datasets & evaluations
// pages against a server seeded by obs_seed.mjs (gateway calls through the fake provider, an
// OTLP span tree, an alert rule, a key, a dataset): each page shows the seeded content, filters
// are links, and the path trace list -> trace -> add feedback -> the score on the trace and the
// feedback rate in monitoring works; a new key's secret is shown once; revoking asks first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, call, launch, newPage, open, shot } from './lib.mjs';
import { seedObservability } from './obs_seed.mjs';

let browser, seeded;
before(async () => {
  seeded = await seedObservability();
  browser = await launch();
});
after(async () => {
  if (browser) await browser.close();
  if (seeded) seeded.fake.stop();
});

const rows = (page, label) => page.getByRole('table', { name: label }).locator('tbody tr');

test('the trace list filters through the URL, and a pasted link restores the filters', async () => {
  const page = await newPage(browser);
  await open(page, '#/traces');
  await page.getByRole('cell', { name: 'obs-flaky' }).first().waitFor();
  await page.getByLabel('Endpoint').fill('obs-flaky');
  await page.getByLabel('Endpoint').press('Enter');
  await page.waitForFunction(() => location.hash.includes('endpoint=obs-flaky'));
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="traces"] tbody tr').length === 2);
  for (const text of await rows(page, 'traces').allTextContents()) assert.match(text, /error.*obs-flaky/);
  await page.getByLabel('Sort by').selectOption('latency_ms');
  await page.waitForFunction(() => location.hash.includes('sort=latency_ms'));
  await shot(page, 'traces-filtered');

  const pasted = await newPage(browser);
  await open(pasted, '#/traces?endpoint=obs-support&user=bob');
  await pasted.waitForFunction(() => document.querySelectorAll('table[aria-label="traces"] tbody tr').length === 2);
  assert.equal(await pasted.getByLabel('Endpoint').inputValue(), 'obs-support');
  assert.equal(await pasted.getByLabel('User').inputValue(), 'bob');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(pasted.errors, []);
});

test('a filter the server refuses shows its error; no match says what to do', async () => {
  const page = await newPage(browser);
  await open(page, '#/traces?min_latency_ms=-5');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /400.*min_latency_ms/);
  await open(page, '#/traces?endpoint=no-such-endpoint');
  await page.getByText('No trace matches these filters').waitFor();
});

test('the trace page shows the span tree on a timeline and the selected span', async () => {
  const page = await newPage(browser);
  await open(page, '#/traces/' + seeded.otlpTraceId);
  const items = page.getByRole('treeitem');
  await items.first().waitFor();
  assert.equal(await items.count(), 4);
  const tool = page.locator(`#span-${seeded.spanIds.tool}`);
  assert.equal(await tool.getAttribute('aria-level'), '3');
  // the bar of the tool span (200..300 ms of a 400 ms trace) starts half way and is a quarter wide
  const style = await tool.locator('.bar').getAttribute('style');
  assert.match(style, /left: ?50%/);
  assert.match(style, /width: ?25%/);
  await page.getByRole('treeitem', { name: /retrieve hotels/ }).click();
  await page.waitForFunction(() => location.hash.includes('span='));
  const details = page.getByLabel('selected span', { exact: true });
  await details.getByText('retrieval.query').waitFor();
  assert.match(await details.textContent(), /hotels in Oslo/);
  // keyboard: the arrow moves the selection to the next span of the tree
  await page.getByRole('treeitem', { name: /retrieve hotels/ }).press('ArrowDown');
  await page.waitForFunction((id) => location.hash.includes('span=' + id), seeded.spanIds.llm);
  await details.getByText('gpt-4o').first().waitFor();
  await shot(page, 'trace');
  assert.deepEqual(page.errors, []);
});

test('trace list -> trace -> add feedback -> on the trace at once and in the monitoring feedback rate', async () => {
  const page = await newPage(browser);
  const feedbackCell = async () => {
    await open(page, '#/monitoring?endpoint=obs-support&window=1h');
    const table = page.getByRole('table', { name: 'totals' });
    await table.waitFor();
    return (await table.locator('td.feedback-rate').textContent()).trim();
  };
  assert.equal(await feedbackCell(), '0.0%');

  await open(page, '#/traces?endpoint=obs-support&user=alice');
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="traces"] tbody tr').length === 2);
  await rows(page, 'traces').first().getByRole('link').first().click();
  await page.waitForFunction(() => /#\/traces\/[0-9a-f]{32}/.test(location.hash));
  const traceId = page.url().match(/traces\/([0-9a-f]{32})/)[1];
  const form = page.getByRole('form', { name: 'add feedback' });
  await form.getByLabel('Value').selectOption('false');
  await form.getByLabel('Comment').fill('wrong refund period');
  await form.getByLabel('Correction').fill('Refunds take 5 days.');
  await form.getByRole('button', { name: 'Add feedback' }).click();
  const scores = page.getByRole('table', { name: 'scores' });
  await scores.getByText('wrong refund period').waitFor();
  assert.match(await scores.textContent(), /Refunds take 5 days\./);
  await shot(page, 'trace-feedback');
  const stored = await call('GET', '/api/v1/feedback?trace_id=' + traceId);
  assert.equal(stored.scores.length, 1);
  assert.equal(stored.scores[0].value, false);
  assert.equal(stored.scores[0].source, 'human');

  // the score filter finds it
  await open(page, '#/traces?score=' + encodeURIComponent('thumbs=false'));
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="traces"] tbody tr').length === 1);
  assert.equal(await page.getByLabel('Score').inputValue(), 'thumbs=false');
  assert.ok((await rows(page, 'traces').first().getByRole('link').first().getAttribute('href')).endsWith(traceId));

  // one of the endpoint's four traces now has human feedback
  assert.equal(await feedbackCell(), '25.0%');
  await shot(page, 'monitoring-feedback');
  assert.deepEqual(page.errors, []);
});

test('sessions list and a session in order', async () => {
  const page = await newPage(browser);
  await open(page, '#/sessions');
  await page.getByRole('link', { name: 'obs-chat-1' }).click();
  await page.waitForFunction(() => location.hash === '#/sessions/obs-chat-1');
  const turns = page.locator('li.turn');
  await turns.first().waitFor();
  assert.equal(await turns.count(), 2);
  assert.match(await turns.nth(0).textContent(), /how do refunds work/);
  assert.match(await turns.nth(1).textContent(), /where is my invoice/);
  await shot(page, 'session');
  assert.deepEqual(page.errors, []);
});

test('monitoring charts every figure, splits by endpoint and shows the firing alert', async () => {
  const page = await newPage(browser);
  await open(page, '#/monitoring?window=1h');
  await page.locator('figure.timechart canvas').first().waitFor();
  const titles = await page.locator('figure.timechart figcaption').allTextContents();
  assert.deepEqual(titles, ['Requests', 'Errors', 'Latency p50 / p95 / p99', 'Tokens (input / output)', 'Cost (USD)', 'Feedback rate and positive share']);
  assert.equal(await page.locator('figure.timechart canvas').count(), 6);
  const rule = page.getByRole('table', { name: 'alert rules' }).getByRole('row', { name: /obs-flaky-errors/ });
  await rule.waitFor();
  assert.match(await rule.textContent(), /firing\s*obs-flaky/);
  // drift: all the seeded traffic is in this hour, none in the hour before
  await page.getByText('Drift: this window against the one before it').click();
  const drift = page.getByRole('table', { name: 'drift' });
  await drift.waitFor();
  const metrics = await drift.locator('tbody tr td:first-child').allTextContents();
  assert.ok(metrics.includes('input_tokens') && metrics.includes('refusal_rate') && metrics.includes('topic_mix'), metrics.join());
  assert.match(await page.locator('details.drift p.muted').textContent(), /^\d+ traces now against 0 in the window before/);
  await page.getByLabel('Split by').selectOption('endpoint');
  await page.waitForFunction(() => location.hash.includes('group=endpoint'));
  const flaky = page.getByRole('table', { name: 'totals' }).getByRole('row', { name: /obs-flaky/ });
  await flaky.waitFor();
  assert.match(await flaky.textContent(), /obs-flaky\s*2\s*2\s*100\.0%/);
  await shot(page, 'monitoring');
  assert.deepEqual(page.errors, []);
});

test('gateway: endpoints with weights, keys with usage; a new key is shown once; revoke asks first', async () => {
  const page = await newPage(browser);
  await open(page, '#/gateway');
  const support = page.getByRole('table', { name: 'endpoints' }).getByRole('row', { name: /obs-support/ });
  await support.waitFor();
  assert.match(await support.textContent(), /main: fake:fake-a weight 80 \(80%\)/);
  assert.match(await support.textContent(), /canary: fake:fake-b weight 20 \(20%\)/);
  const teamA = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /obs-team-a/ });
  await teamA.waitFor();
  assert.match(await teamA.textContent(), /\/ \$10\.00/); // the budget
  assert.equal((await teamA.getByRole('cell').nth(5).textContent()).trim(), '4'); // four requests made with it

  const form = page.getByRole('form', { name: 'new API key' });
  await form.getByLabel('Name').fill('obs-ci');
  await form.getByRole('button', { name: 'Create key' }).click();
  const box = page.getByRole('alert', { name: 'new key secret' });
  await box.waitFor();
  assert.match(await box.textContent(), /will not be shown again/);
  const secret = (await box.locator('code.secret').textContent()).trim();
  assert.match(secret, /^llmops-[A-Za-z0-9_-]{43}$/);
  await box.getByRole('button', { name: 'Copy' }).waitFor();
  await shot(page, 'gateway-new-key');
  // the secret works on the gateway
  const ok = await fetch(BASE + '/v1/chat/completions', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + secret },
    body: JSON.stringify({ model: 'obs-support', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(ok.status, 200);
  await box.getByRole('button', { name: 'I have saved it' }).click();
  await box.waitFor({ state: 'detached' });
  await page.reload();
  const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /obs-ci/ });
  await row.waitFor();
  assert.equal(await page.getByText(secret).count(), 0);
  assert.ok((await page.content()).indexOf(secret) < 0);

  await row.getByRole('button', { name: 'Revoke…' }).click();
  const confirm = row.getByRole('group', { name: 'confirm revoke' });
  await confirm.waitFor();
  const id = (await call('GET', '/api/v1/keys')).keys.find((k) => k.name === 'obs-ci').id;
  assert.equal((await call('GET', '/api/v1/keys/' + id)).key.revoked_at, null); // nothing yet
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await row.getByText(/revoked/).waitFor();
  assert.ok((await call('GET', '/api/v1/keys/' + id)).key.revoked_at > 0);
  await shot(page, 'gateway');
  assert.deepEqual(page.errors, []);
});

test('datasets: list, versions, schema and a paginated, split-filtered preview', async () => {
  const page = await newPage(browser);
  await open(page, '#/datasets');
  await page.getByRole('link', { name: 'obs-support-qa' }).click();
  // the list has "v1" links too: wait for the dataset's own versions table
  await page.waitForFunction(() => location.hash === '#/datasets/obs-support-qa');
  await page.getByRole('table', { name: 'versions' }).getByRole('link', { name: 'v1' }).click();
  await page.waitForFunction(() => location.hash === '#/datasets/obs-support-qa/1');
  const schema = page.getByRole('table', { name: 'schema' });
  await schema.waitFor();
  assert.match(await schema.textContent(), /question\s*string\s*yes/);
  assert.match(await schema.textContent(), /n\s*integer\s*yes/);
  await page.getByText('rows 1–20 of 45').waitFor();
  // the export is fetched with the API key (when one is saved) and saved as a file
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSONL' }).click()]);
  assert.equal(file.suggestedFilename(), 'obs-support-qa-v1.jsonl');
  const lines = readFileSync(await file.path(), 'utf8').trim().split('\n');
  assert.equal(lines.length, 45);
  assert.deepEqual(JSON.parse(lines[0]), { answer: 'answer 0', n: 0, question: 'question 0' });
  assert.equal(await rows(page, 'rows').count(), 20);
  // slow row answers down: the label must describe the rows shown, never the page still loading
  await page.route(/\/rows\?/, async (route) => {
    await new Promise((r) => setTimeout(r, 300));
    await route.continue();
  });
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.waitForFunction(() => location.hash.includes('offset=20'));
  await page.getByText('rows 21–40 of 45').waitFor();
  assert.match(await rows(page, 'rows').first().textContent(), /question 20/);
  const version = await call('GET', '/api/v1/datasets/obs-support-qa/versions/1');
  await page.getByLabel('Split').selectOption('test');
  await page.waitForFunction(() => location.hash.includes('split=test'));
  await page.getByText(`of ${version.splits.counts.test}`).waitFor();
  for (const text of await rows(page, 'rows').allTextContents()) assert.match(text, /test/);
  await shot(page, 'dataset-version');
  assert.deepEqual(page.errors, []);
});

test('evaluations: list with scores -> compare two -> regressions worst first; an evaluation with its rows', async () => {
  const { baseline, candidate } = seeded.evals;
  const page = await newPage(browser);
  await open(page, '#/evaluations?dataset=obs-eval-qa/1');
  const list = page.getByRole('table', { name: 'evaluations' });
  const echo = list.getByRole('row', { name: /obs-echo/ });
  await echo.waitFor();
  assert.match(await echo.textContent(), /exact_match\s*0\.666667/);
  assert.match(await echo.textContent(), /finished/);
  await page.getByRole('checkbox', { name: 'compare obs-echo' }).check();
  await page.getByRole('checkbox', { name: 'compare obs-nope' }).check();
  await shot(page, 'evaluations');
  await page.getByRole('button', { name: 'Compare selected' }).click();
  await page.waitForFunction(([a, b]) => location.hash.includes('a=' + a) && location.hash.includes('b=' + b), [baseline.id, candidate.id]);
  const scorer = page.getByRole('table', { name: 'per-scorer comparison' }).getByRole('row', { name: /exact_match/ });
  await scorer.waitFor();
  const cells = await scorer.getByRole('cell').allTextContents();
  assert.deepEqual(cells.slice(0, 4), ['exact_match', '0', '8', '4']); // wins, losses, ties
  assert.match(cells[6], /-0\.666667.*worse/);
  const regs = rows(page, 'regressions');
  assert.equal(await regs.count(), 8);
  assert.match(await regs.first().textContent(), /capital 0/);
  assert.match(await regs.first().textContent(), /nope/);
  await shot(page, 'evaluations-compare');
  // Swap: the candidate becomes the baseline, the boxes follow, the losses become wins
  await page.getByRole('button', { name: 'Swap' }).click();
  await page.waitForFunction((a) => location.hash.includes('a=' + a), candidate.id);
  await page.waitForFunction((id) => document.querySelector('input[name="a"]').value === id, candidate.id);
  await page.waitForFunction(() => /exact_match\s*8\s*0\s*4/.test(
    document.querySelector('table[aria-label="per-scorer comparison"] tbody tr')?.innerText || ''));
  await page.getByText('No row scored worse on B than on A.').waitFor();
  assert.equal(await rows(page, 'regressions').count(), 0);

  await open(page, '#/evaluations/' + baseline.id);
  const scores = page.getByRole('table', { name: 'scores' });
  await scores.waitFor();
  assert.match(await scores.textContent(), /exact_match\s*0\.666667\s*\[/);
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="evaluation rows"] tbody tr').length === 12);
  await page.getByRole('checkbox', { name: 'failed rows only' }).check();
  await page.waitForFunction(() => location.hash.includes('failed=true'));
  await page.waitForFunction(() => document.querySelectorAll('table[aria-label="evaluation rows"] tbody tr').length === 4);
  for (const text of await rows(page, 'evaluation rows').allTextContents()) assert.match(text, /city \d+/);
  await rows(page, 'evaluation rows').first().getByRole('link', { name: 'trace' }).waitFor();
  await shot(page, 'evaluation');
  assert.deepEqual(page.errors, []);
});

test('evaluations: the compare view without two ids says what to do', async () => {
  const page = await newPage(browser);
  await open(page, '#/evaluations/compare');
  await page.getByText('Pick two evaluations').waitFor();
  await open(page, '#/evaluations/compare?a=nope&b=nada');
  await page.getByRole('alert').waitFor();
  assert.deepEqual(page.errors, []);
});
