// Browser test of the single-file offline build (web/dist/logitlab-standalone.html) opened from file://.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchContext } from './helpers/chromium.mjs';
import { buildStandalone } from '../../web/tools/build-page.mjs';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let ctx;
let file;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  file = buildStandalone();
  ctx = await launchContext({ viewport: { width: 1280, height: 900 } });
});
after(async () => { await ctx?.close(); });

test('the standalone file works from file:// with no network and no other files', async () => {
  const page = await ctx.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!/^(data|file):/.test(r.url())) requests.push(r.url()); });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  // numpy: softmax(np.array([2.0, 1.0, 0.1])) = [0.65900114 0.24243297 0.09856589]
  assert.match(await page.locator('[data-out="softmax-steps"] [data-step="divide"] code').innerText(), /0\.65900114 0\.24243297 0\.09856589/);
  // torch 1.13: nn.CrossEntropyLoss()(good, [2, 0, 1]) = tensor(0.7791)
  assert.equal(await page.locator('[data-out="loss-good"]').innerText(), 'tensor(0.7791)');
  assert.ok(await page.locator('.katex').count() > 3, 'KaTeX rendered');
  // Only the one file was loaded from disk; nothing from the network.
  assert.deepEqual(requests, []);
  assert.ok(statSync(file).size < 4_000_000, `standalone is ${statSync(file).size} bytes`);
  await page.screenshot({ path: `${SHOTS}standalone.png` });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the standalone file loads the bundled real datasets (inlined) and trains on them', async () => {
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${pathToFileURL(file).href}#ds=iris&bds=breastCancer`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  await page.waitForFunction(() => /train loss/.test(document.querySelector('[data-out="ds-status"]')?.textContent)
    && /train loss/.test(document.querySelector('[data-out="bds-status"]')?.textContent), null, { timeout: 10000 });
  await page.locator('#s-mlp [data-action="step"]').click();
  assert.match(await page.locator('[data-out="ds-status"]').innerText(), /1 steps/);
  assert.equal(await page.locator('[data-out="ds-error"]').innerText(), '');
  assert.deepEqual(problems, []);
  await page.close();
});
