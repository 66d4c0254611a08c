// Browser tests of the embeds: custom elements (web/elements.js) in a plain page, and the iframe page web/embed.html.
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
  ctx = await launchContext({ viewport: { width: 1000, height: 900 } });
});
after(async () => {
  await ctx?.close();
  server?.close();
});

/** Serves `html` at base + name through Playwright routing (a host page that is not part of web/). */
async function hostPage(name, html) {
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.route(`${base}${name}`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  await page.goto(`${base}${name}`);
  return { page, problems };
}

describe('custom elements', () => {
  test('a plain page that only imports elements.js gets working, configurable widgets', async () => {
    const { page, problems } = await hostPage('host-elements.html', `<!doctype html><meta charset="utf-8">
      <script type="module" src="elements.js"></script>
      <ll-softmax id="sm" logits="1,2,3" hide="code"></ll-softmax>
      <ll-cross-entropy id="ce"></ll-cross-entropy>
      <ll-cross-entropy-loss id="cel" reduction="sum"></ll-cross-entropy-loss>
      <ll-mlp id="mlp" dataset="circles" hidden="4"></ll-mlp>
      <ll-softmax id="evil" logits="<img src=x onerror=&quot;window.__pwned=1&quot;>"></ll-softmax>`);
    await page.waitForFunction(() => ['sm', 'ce', 'cel', 'mlp', 'evil'].every((id) => document.getElementById(id).dataset.ready === '1'), null, { timeout: 15000 });
    const shadowText = (id, sel) => page.evaluate(([i, s]) => document.getElementById(i).shadowRoot.querySelector(s)?.textContent, [id, sel]);
    // numpy: softmax(np.array([1., 2., 3.])) = [0.09003057 0.24472847 0.66524096]
    assert.match(await shadowText('sm', '[data-step="divide"] code'), /0\.09003057 0\.24472847 0\.66524096/);
    // Notebook: -log(0.7) = 0.3567 for the good prediction.
    assert.equal(await shadowText('ce', '[data-out="ce-good-result"]'), '0.3567');
    // torch 1.13: nn.CrossEntropyLoss(reduction='sum')(good, [2, 0, 1]) = tensor(2.3373)
    assert.equal(await shadowText('cel', '[data-out="explorer-result"]'), 'tensor(2.3373)');
    // hide="code" hides the code blocks; style lives in the shadow root only.
    assert.equal(await page.evaluate(() => getComputedStyle(document.getElementById('sm').shadowRoot.querySelector('.code-pair')).display), 'none');
    assert.equal(await page.evaluate(() => document.querySelectorAll('.step').length), 0);
    // The malicious attribute was ignored (default logits), nothing ran.
    assert.match(await shadowText('evil', '[data-step="divide"] code'), /0\.65900114/);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);

    // Changing an attribute updates the widget and emits ll-change.
    const detail = await page.evaluate(() => new Promise((ok) => {
      const el = document.getElementById('sm');
      el.addEventListener('ll-change', (ev) => ok(ev.detail.state.logits), { once: true });
      el.setAttribute('logits', '2, 1, 0.1');
    }));
    assert.deepEqual(detail, [2, 1, 0.1]);
    assert.match(await shadowText('sm', '[data-step="divide"] code'), /0\.65900114/);

    // <ll-mlp> emits ll-step when stepping.
    const step = await page.evaluate(() => new Promise((ok) => {
      const el = document.getElementById('mlp');
      el.addEventListener('ll-step', (ev) => ok(ev.detail), { once: true });
      el.shadowRoot.querySelector('[data-action="step"]').click();
    }));
    assert.equal(step.steps, 1);
    assert.ok(Number.isFinite(step.loss));
    await page.screenshot({ path: `${SHOTS}elements.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('iframe embed', () => {
  test('embed.html renders the widget named in its hash and talks to the parent', async () => {
    const { page, problems } = await hostPage('host-iframe.html', `<!doctype html><meta charset="utf-8">
      <iframe id="f" src="embed.html#widget=softmax&logits=2,1,0.1&hide=code" width="800" height="900"></iframe>`);
    await page.evaluate(() => {
      window.__msgs = [];
      addEventListener('message', (ev) => window.__msgs.push(ev.data));
    });
    const frame = page.frameLocator('#f');
    await frame.locator('body[data-ready="1"]').waitFor({ timeout: 15000 });
    // numpy: softmax(np.array([2.0, 1.0, 0.1])) = [0.65900114 0.24243297 0.09856589]
    assert.match(await frame.locator('[data-out="softmax-steps"] [data-step="divide"] code').innerText(), /0\.65900114 0\.24243297 0\.09856589/);
    assert.equal(await frame.locator('[data-code]').first().isVisible(), false);
    assert.equal(await frame.locator('#s-ce').count(), 0);
    // A well-formed message from the host sets state; malformed ones are ignored.
    await page.evaluate(() => {
      const w = document.getElementById('f').contentWindow;
      w.postMessage('nonsense', '*');
      w.postMessage({ source: 'logitlab-host', type: 'set', state: ['x'] }, '*');
      w.postMessage({ source: 'evil', type: 'set', state: { logits: '9,9' } }, '*');
      w.postMessage({ source: 'logitlab-host', type: 'set', state: { logits: '<script>alert(1)</script>', T: 'NaN' } }, '*');
      w.postMessage({ source: 'logitlab-host', type: 'set', state: { logits: '1,2,3' } }, '*');
    });
    await frame.locator('[data-out="softmax-steps"] [data-step="divide"] code', { hasText: '0.09003057' }).waitFor({ timeout: 5000 });
    const msgs = await page.evaluate(() => window.__msgs);
    assert.ok(msgs.some((m) => m.source === 'logitlab' && m.type === 'ready' && m.widget === 'softmax'));
    const changes = msgs.filter((m) => m.type === 'change');
    assert.equal(changes.length, 1, JSON.stringify(changes));
    assert.deepEqual(changes[0].state.logits, [1, 2, 3]);
    await page.screenshot({ path: `${SHOTS}embed-iframe.png` });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
