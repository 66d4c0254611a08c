// Headless Chromium loads web/smoke.html over HTTP: the package imports, the .wasm is served as application/wasm, softmax shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launchContext } from './helpers/chromium.mjs';
import { serve } from '../../web/tools/serve.mjs';


test('smoke.html shows softmax([2, 1, 0.1]) computed by the wasm core', { timeout: 60000 }, async (t) => {
  const { server, url } = await serve({ root: fileURLToPath(new URL('../../web', import.meta.url)), port: 0 });
  const ctx = await launchContext();
  t.after(async () => {
    await ctx.close();
    server.close();
  });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  const wasm = page.waitForResponse((r) => r.url().endsWith('/wasm/logitlab.wasm'));
  await page.goto(`${url}smoke.html`);
  const wasmResponse = await wasm;
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(wasmResponse.status(), 200);
  assert.equal(wasmResponse.headers()['content-type'], 'application/wasm');
  assert.equal(await page.isHidden('#error'), true, await page.textContent('#error'));
  // torch 1.13: torch.softmax(torch.tensor([2., 1., 0.1]), -1)
  assert.equal(await page.textContent('#result'), 'tensor([0.6590, 0.2424, 0.0986])');
  assert.deepEqual(problems, []);
});
