// Browser tests of the teaching page (web/index.html) in headless Chromium: numbers, state, training, safety.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchContext } from './helpers/chromium.mjs';
import { serve } from '../../web/tools/serve.mjs';
import { buildVendor } from '../../web/tools/build-page.mjs';

// LL_WEB_ROOT lets a developer point the tests at another build of web/ (default: this checkout's).
const WEB = process.env.LL_WEB_ROOT || fileURLToPath(new URL('../../web/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server;
let base;
let ctx;

before(async () => {
  buildVendor();
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url: base } = await serve({ root: WEB, port: 0 }));
  ctx = await launchContext({ viewport: { width: 1280, height: 900 } });
});
after(async () => {
  await ctx?.close();
  server?.close();
});

/** Forgets what earlier tests left in localStorage (the page remembers settings and weights there). */
async function clearStorage(page) {
  // A blank page of the same origin (no scripts, no favicon request) to reach its localStorage.
  await page.route(`${base}blank.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><link rel="icon" href="data:,">' }));
  await page.goto(`${base}blank.html`);
  await page.evaluate(() => localStorage.clear());
}

/** Opens the page (with empty localStorage) and records page errors, console errors and CSP violations. */
async function open(hash = '', viewport) {
  const page = await ctx.newPage();
  if (viewport) await page.setViewportSize(viewport);
  await clearStorage(page);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
  const t0 = Date.now();
  await page.goto(`${base}index.html${hash}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  return { page, problems, readyMs: Date.now() - t0 };
}

const text = (page, sel) => page.locator(sel).first().innerText();
const stepValue = (page, section, id) => page.locator(`${section} [data-step="${id}"] .step-value code`).first().innerText();

describe('teaching page', () => {
  test('loads with no page errors, console errors or CSP violations, and the wasm is served as application/wasm', async () => {
    const page = await ctx.newPage();
    const problems = [];
    let wasmType = '';
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('response', (r) => { if (r.url().endsWith('.wasm')) wasmType = r.headers()['content-type']; });
    await clearStorage(page);
    const t0 = Date.now();
    await page.goto(`${base}index.html`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    const ms = Date.now() - t0;
    assert.deepEqual(problems, []);
    assert.equal(wasmType, 'application/wasm');
    // KaTeX rendered real formulas (not the LaTeX fallback).
    assert.ok(await page.locator('#s-softmax .katex').count() > 3);
    assert.equal(await page.locator('.tex-source').count(), 0);
    console.log(`# teaching page ready (data-ready) after ${ms} ms`);
    assert.ok(ms < 10000, `ready after ${ms} ms`); // ~0.4 s locally; only a gross regression fails
    await page.close();
  });

  test('every number the notebook printed is visible in its section', async () => {
    const { page, problems } = await open();
    const s1 = await text(page, '#s-softmax');
    // numpy: softmax(np.array([2.0, 1.0, 0.1])) prints [0.65900114 0.24243297 0.09856589]
    assert.match(s1, /\[0\.65900114 0\.24243297 0\.09856589\]/);
    // torch 1.13: torch.softmax(torch.tensor([2.0, 1.0, 0.1]), dim=0)
    assert.match(s1, /tensor\(\[0\.6590, 0\.2424, 0\.0986\]\)/);
    assert.match(await stepValue(page, '#s-softmax', 'divide'), /0\.65900114/);
    // Naive panel: Math.exp(1000) is Infinity in JS; Infinity / Infinity is NaN.
    const naive = await text(page, '[data-out="naive-table"]');
    assert.match(naive, /Infinity/);
    assert.match(naive, /NaN/);
    // The stable column (core) has no NaN: softmax([1000, 999, 998]) = softmax([2, 1, 0]) (numpy float64).
    assert.match(await text(page, '.stable-col'), /0\.66524096/);
    // Notebook, manual cross-entropy: -log(0.7) = 0.3567 (good), -log(0.1) = 2.3026 (bad).
    assert.equal(await text(page, '[data-out="ce-good-result"]'), '0.3567');
    assert.equal(await text(page, '[data-out="ce-bad-result"]'), '2.3026');
    // torch 1.13 nn.CrossEntropyLoss() on the notebook's batches, targets [2, 0, 1].
    assert.equal(await text(page, '[data-out="loss-good"]'), 'tensor(0.7791)');
    assert.equal(await text(page, '[data-out="loss-bad"]'), 'tensor(1.1963)');
    // torch.argmax(logits, 1) for the good and the bad batch.
    assert.equal(await text(page, '[data-out="argmax-good"]'), 'tensor([2, 0, 1])');
    assert.equal(await text(page, '[data-out="argmax-bad"]'), 'tensor([1, 2, 2])');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('editing the logits updates the step table and the URL hash, and a reload restores the state', async () => {
    const { page } = await open();
    await page.fill('#s-softmax [data-field="logits"]', '1, 2, 3');
    // numpy: softmax(np.array([1., 2., 3.])) = [0.09003057 0.24472847 0.66524096]
    await page.waitForFunction(() => document.querySelector('#s-softmax [data-step="divide"] code')?.textContent.includes('0.09003057'));
    assert.match(page.url(), /#.*logits=1,2,3/);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '1, 2, 3');
    assert.match(await stepValue(page, '#s-softmax', 'divide'), /0\.09003057 0\.24472847 0\.66524096/);
    // The explorer's options survive a reload too.
    await page.selectOption('#s-batch select[data-field="red"]', 'sum');
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    assert.equal(await page.inputValue('#s-batch select[data-field="red"]'), 'sum');
    // torch 1.13: nn.CrossEntropyLoss(reduction='sum')(good, [2, 0, 1]) = 2.3373
    assert.equal(await text(page, '[data-out="explorer-result"]'), 'tensor(2.3373)');
    await page.close();
  });

  test('bad input shows a message next to the field and keeps the last good state', async () => {
    const { page } = await open('#logits=3,1');
    const before = await stepValue(page, '#s-softmax', 'divide');
    const urlBefore = page.url();
    await page.fill('#s-softmax [data-field="logits"]', '2,,abc');
    const err = page.locator('#s-softmax [data-error-for="logits"]').first();
    assert.match(await err.innerText(), /Logits z: item 2 is empty/);
    assert.equal(await page.getAttribute('#s-softmax [data-field="logits"]', 'aria-invalid'), 'true');
    assert.equal(await stepValue(page, '#s-softmax', 'divide'), before);
    assert.equal(page.url(), urlBefore);
    await page.fill('#s-softmax [data-field="logits"]', '2, 1, abc');
    assert.match(await err.innerText(), /"abc" is not a number/);
    // A target out of range: the core's error is shown, the page keeps working.
    await page.fill('#s-batch [data-field="tgt"]', '2, 0, 7');
    assert.match(await text(page, '[data-out="batch-good"]'), /crossEntropyLoss/);
    await page.fill('#s-batch [data-field="tgt"]', '2, 0, 1');
    assert.equal(await text(page, '[data-out="loss-good"]'), 'tensor(0.7791)');
    await page.close();
  });

  test('the explorer shows numerator, denominator and the gradient p - onehot', async () => {
    const { page } = await open('#weight=1,2,0.5&ls=0.1');
    const ex = page.locator('[data-out="explorer"]');
    assert.equal(await ex.locator('[data-step="numerator"]').count(), 1);
    assert.equal(await ex.locator('[data-step="denominator"]').count(), 1);
    // torch 1.13: nn.CrossEntropyLoss(weight=torch.tensor([1., 2., .5]), label_smoothing=0.1)(good, [2, 0, 1])
    assert.equal(await text(page, '[data-out="explorer-result"]'), 'tensor(0.7886)');
    const grad = await text(page, '[data-out="grad-table"]');
    assert.match(grad, /row 0/);
    await page.close();
  });

  test('training on spiral lowers the loss and draws the boundary; Step shows one update with numbers', async () => {
    const { page, problems } = await open();
    const sec = page.locator('#s-mlp');
    const lossOf = async () => Number((await sec.locator('[data-out="ds-status"]').innerText()).match(/train loss ([\d.]+)/)[1]);
    const first = await lossOf();
    await sec.locator('[data-action="play"]').focus();
    await page.keyboard.press('Enter'); // keyboard-usable
    // Train until 300 steps have been taken (however long this machine needs), then pause.
    await page.waitForFunction(() => Number(document.querySelector('[data-out="ds-status"]').textContent.match(/(\d+) steps/)[1]) >= 300, null, { timeout: 60000 });
    await sec.locator('[data-action="play"]').click();
    const later = await lossOf();
    assert.ok(later < first * 0.8, `loss went from ${first} to ${later}`);
    // The boundary canvas shows several classes' colours.
    const colours = await page.evaluate(() => {
      const c = document.querySelector('#s-mlp canvas.chart-boundary');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add(`${d[i] >> 5},${d[i + 1] >> 5},${d[i + 2] >> 5}`);
      return seen.size;
    });
    assert.ok(colours >= 3, `only ${colours} colours on the boundary`);
    await sec.locator('[data-action="step"]').click();
    const steps = sec.locator('[data-out="ds-explain"] [data-step]');
    assert.ok(await steps.count() >= 4);
    assert.match(await sec.locator('[data-out="ds-explain"]').innerText(), /\d\.\d{3}/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a diverging learning rate stops training with a message suggesting a lower one', async () => {
    const { page } = await open('#lr=100&opt=sgd&ds=spiral&act=relu');
    const sec = page.locator('#s-mlp');
    await sec.locator('[data-action="play"]').click();
    await page.waitForFunction(() => document.querySelector('[data-out="ds-error"]')?.textContent.includes('lower learning rate'), null, { timeout: 10000 });
    assert.equal(await sec.locator('[data-action="play"]').getAttribute('aria-pressed'), 'false');
    await page.close();
  });

  test('the binary section compares BCELoss (clamped at 100) with BCEWithLogitsLoss', async () => {
    const { page } = await open();
    const t = await text(page, '[data-out="stability"]');
    // torch 1.13, float32: nn.BCELoss(reduction='none')(torch.sigmoid(z), y) for z=-120, y=1 is 100 (log clamped at -100);
    // nn.BCEWithLogitsLoss(reduction='none')(z, y) is 120.
    assert.match(t, /\b100\b/);
    assert.match(t, /\b120\b/);
    await page.close();
  });

  test('malicious hash values and field text do not execute', async () => {
    const evil = encodeURIComponent('<img src=x onerror="window.__pwned=1">');
    const evil2 = encodeURIComponent('<script>window.__pwned=2</script>');
    const { page, problems } = await open(`#logits=${evil}&ds=${evil2}&weight=${evil}&lr=${evil2}`);
    await page.fill('#s-softmax [data-field="logits"]', '<img src=x onerror="window.__pwned=3">');
    await page.fill('#s-batch [data-field="weight"]', '<script>window.__pwned=4</script>');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    // The bad hash values were ignored: defaults are in place.
    assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '<img src=x onerror="window.__pwned=3">');
    assert.equal(await text(page, '[data-out="loss-good"]'), 'tensor(0.7791)');
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 375, height: 740 }]]) {
    test(`screenshots of each section at ${name} width, with no horizontal scrolling`, async () => {
      const { page } = await open('', viewport);
      const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
      assert.ok(width <= viewport.width, `page is ${width}px wide at ${viewport.width}px`);
      await page.screenshot({ path: `${SHOTS}page-${name}-top.png` });
      for (const id of ['s-softmax', 's-ce', 's-batch', 's-mlp', 's-binary']) {
        await page.locator(`#${id}`).screenshot({ path: `${SHOTS}page-${name}-${id}.png` });
      }
      await page.close();
    });
  }
});
