// lib.mjs - what the web UI tests share: calls to the seeded server's API, the browser
// (playwright-core driving Debian's chromium, headless), and screenshots saved as test
// artifacts in $SCREENSHOT_DIR. BASE_URL names the server (tests/integration/test_web_ui.c
// starts it and runs these files with node --test).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.BASE_URL;
if (!BASE) throw new Error('BASE_URL is not set: run through build/tests/test_web_ui');
const SHOTS = process.env.SCREENSHOT_DIR || 'build/test-artifacts/ui';
mkdirSync(SHOTS, { recursive: true });

// One API call; throws with the server's answer on a non-2xx status.
export async function call(method, path, body, headers = {}) {
  const res = await fetch(BASE + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
export const mlflow = (path, body) => call('POST', '/api/2.0/mlflow' + path, body);

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

// A page whose uncaught errors fail the test that reads page.errors.
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.setDefaultTimeout(10000);
  return page;
}

export async function open(page, hash) {
  await page.goto(BASE + '/' + hash);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

// Seed: an experiment with three runs (params, metric histories, tags), returns their ids.
export async function seedRuns(name) {
  const { experiment_id } = await mlflow('/experiments/create', { name });
  const runs = [];
  const lrs = ['0.1', '0.01', '0.01'];
  for (let i = 0; i < 3; i++) {
    const { run } = await mlflow('/runs/create', { experiment_id, run_name: `trial-${i}`, start_time: 1700000000000 + i });
    const id = run.info.run_id;
    const metrics = [];
    for (let step = 0; step < 5; step++)
      metrics.push({ key: 'loss', value: 1 / (step + 1 + i), timestamp: 1700000000000 + step, step });
    metrics.push({ key: 'acc', value: 0.8 + i * 0.05, timestamp: 1700000000100, step: 0 });
    await mlflow('/runs/log-batch', {
      run_id: id,
      metrics,
      params: [{ key: 'lr', value: lrs[i] }, { key: 'layers', value: '4' }],
      tags: [{ key: 'team', value: 'cx' }],
    });
    runs.push(id);
  }
  return { experiment_id, runs };
}
