// Browser tests of the page's hardening (issues #4 and #6): state kept across reloads, corrupt state,
// divergence, hostile input through the hash / attributes / postMessage, strict CSP, keyboard, 375 px.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './helpers/chromium.mjs';
import { serve } from '../../web/tools/serve.mjs';
import { buildVendor } from '../../web/tools/build-page.mjs';

const WEB = process.env.LL_WEB_ROOT || fileURLToPath(new URL('../../web/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; object-src 'none'";

let server;
let base;
let browser;

before(async () => {
  buildVendor();
  mkdirSync(SHOTS, { recursive: true });
  ({ server, url: base } = await serve({ root: WEB, port: 0 }));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

/**
 * A fresh browser context (own localStorage) whose every frame records CSP violations in
 * window.__csp; returns { ctx, page, problems } where problems collects page and console errors.
 */
async function freshPage(viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ viewport });
  await ctx.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
  return { ctx, page, problems };
}

async function gotoPage(page, hash = '') {
  const t0 = Date.now();
  await page.goto(`${base}index.html${hash}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  return Date.now() - t0;
}

/** Waits until a training section has built its net (its status line shows a loss). */
const trained = (page, key = 'ds') => page.waitForFunction((k) => /train loss/.test(document.querySelector(`[data-out="${k}-status"]`)?.textContent ?? ''), key, { timeout: 10000 });
const statusOf = async (page, key = 'ds') => page.locator(`[data-out="${key}-status"]`).innerText();
const stepsOf = async (page, key = 'ds') => Number((await statusOf(page, key)).match(/(\d+) steps/)[1]);

/** Every element (through open shadow roots and same-origin frames) that carries an on* attribute, plus img/script counts. */
function scanForInjected() {
  const found = { onAttrs: [], imgs: 0, scripts: 0 };
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) if (/^on/i.test(a.name)) found.onAttrs.push(`${el.tagName}[${a.name}]`);
      if (el.tagName === 'IMG') found.imgs += 1;
      if (el.tagName === 'SCRIPT' && !el.closest('head')) found.scripts += 1;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}

describe('load, CSP and the notebook numbers', () => {
  test('the page is ready fast, with no console errors and no CSP violations', async () => {
    const { ctx, page, problems } = await freshPage();
    const ms = await gotoPage(page);
    await trained(page);
    await trained(page, 'bds');
    const inPage = Number(await page.evaluate(() => document.body.dataset.readyMs));
    console.log(`# teaching page: data-ready after ${ms} ms (navigation to ready), ${inPage} ms inside the page`);
    assert.ok(ms < 10000, `data-ready after ${ms} ms`); // ~0.4 s here; only a gross regression fails
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('every number the notebook printed is visible in its section', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page);
    const sec = (id) => page.locator(`#${id}`).innerText();
    const s1 = await sec('s-softmax');
    // numpy: softmax(np.array([2.0, 1.0, 0.1])) -> [0.65900114 0.24243297 0.09856589]
    assert.ok(s1.includes('[0.65900114 0.24243297 0.09856589]'));
    // torch 1.13: torch.softmax(torch.tensor([2.0, 1.0, 0.1]), dim=0)
    assert.ok(s1.includes('tensor([0.6590, 0.2424, 0.0986])'));
    const s2 = await sec('s-ce');
    // numpy: -np.sum([1, 0, 0] * np.log([0.7, 0.2, 0.1])) = 0.35667494393873245 (printed rounded as 0.3567)
    assert.ok(s2.includes('0.3567'));
    assert.ok(s2.includes('0.35667494393873245'));
    // numpy: -np.log(0.1) = 2.3025850929940455 (notebook: 2.3026)
    assert.ok(s2.includes('2.3026'));
    const s3 = await sec('s-batch');
    // torch 1.13: nn.CrossEntropyLoss()(good, tensor([2, 0, 1])) = 0.7791, (bad, ...) = 1.1963; argmax(·, 1)
    for (const t of ['0.7791', '1.1963', 'tensor([2, 0, 1])', 'tensor([1, 2, 2])']) assert.ok(s3.includes(t), t);
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});

describe('state that is not lost', () => {
  test('edits survive a reload through localStorage when the address has no hash, and a link with state wins', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page);
    await page.fill('#s-softmax [data-field="logits"]', '3, 1, 0.2');
    await page.locator('#s-softmax input[type="range"][data-field="T"]').fill('2');
    await page.selectOption('#s-mlp select[data-field="lr"]', '0.1');
    await page.selectOption('#s-mlp select[data-field="ds"]', 'circles');
    await page.selectOption('#s-batch select[data-field="red"]', 'sum');
    // Open the bare address: no hash, so the settings come from localStorage.
    await gotoPage(page);
    assert.equal(new URL(page.url()).hash, '');
    assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '3, 1, 0.2');
    assert.equal(await page.inputValue('#s-softmax [data-field="T"]'), '2');
    assert.equal(await page.inputValue('#s-mlp select[data-field="lr"]'), '0.1');
    assert.equal(await page.inputValue('#s-mlp select[data-field="ds"]'), 'circles');
    // torch 1.13: nn.CrossEntropyLoss(reduction='sum')(good, tensor([2, 0, 1])) = tensor(2.3373)
    assert.equal(await page.locator('[data-out="explorer-result"]').innerText(), 'tensor(2.3373)');
    // A shared link with state shows exactly that state (others at their defaults).
    await gotoPage(page, '#logits=1,2,3');
    assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '1, 2, 3');
    assert.equal(await page.inputValue('#s-mlp select[data-field="ds"]'), 'spiral');
    assert.equal(await page.locator('.notice').count(), 0);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('the trained weights of a small net survive a reload; Reset forgets them', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page, '#ds=circles&hid=8');
    await trained(page);
    const step = page.locator('#s-mlp [data-action="step"]');
    for (let i = 0; i < 5; i += 1) await step.click();
    const before = await statusOf(page);
    assert.match(before, /5 steps/);
    const saved = await page.evaluate(() => localStorage.getItem('logitlab:page:v1:ds'));
    assert.ok(saved && saved.length < 50000, 'weights saved as small JSON');
    assert.deepEqual(Object.keys(JSON.parse(saved).weights).sort(), ['linear1.bias', 'linear1.weight', 'linear2.bias', 'linear2.weight']);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await trained(page);
    // Same step count and the same losses (the same weights, evaluated by the core).
    assert.equal(await statusOf(page), before);
    assert.match(await page.locator('.notice-info').innerText(), /restored the network .* 5 steps/);
    await page.locator('#s-mlp [data-action="reset"]').click();
    await page.waitForFunction(() => /0 steps/.test(document.querySelector('[data-out="ds-status"]').textContent));
    assert.equal(await page.evaluate(() => localStorage.getItem('logitlab:page:v1:ds')), null);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  const CORRUPT = [
    ['settings that are not JSON', { 'logitlab:page:v1': '{"v":1,"state":{"logits":' }, /settings saved in this browser were ignored: they are not valid JSON/],
    ['settings of another shape', { 'logitlab:page:v1': '[1,2,3]' }, /settings saved in this browser were ignored: they do not have the expected form/],
    ['hostile setting strings', {
      'logitlab:page:v1': JSON.stringify({ v: 1, state: { logits: '<img src=x onerror="window.__pwned=1">', ds: '<script>window.__pwned=2</script>', lr: { toString: 1 }, __proto__: 'x', T: '2' } }),
    }, /settings saved in this browser were ignored: Logits z: item 1/],
    ['weights of the wrong shapes', {
      'logitlab:page:v1:ds': JSON.stringify({ v: 1, config: { ds: 'spiral', hid: 16, act: 'relu', noise: 0.15 }, steps: 9, weights: { 'linear1.weight': [[1, 2]], 'linear1.bias': [0], 'linear2.weight': [[1]], 'linear2.bias': [0] } }),
    }, /trained weights saved in this browser were ignored: .*linear1\.weight/],
    ['weights holding strings', {
      'logitlab:page:v1:ds': JSON.stringify({ v: 1, config: { ds: 'spiral', hid: 16, act: 'relu', noise: 0.15 }, steps: 3, weights: { 'linear1.weight': '<img src=x onerror="window.__pwned=3">' } }),
    }, /trained weights saved in this browser were ignored: a weight is not an array of finite numbers/],
    ['weights that are not JSON', { 'logitlab:page:v1:ds': 'NaN{' }, /trained weights saved in this browser were ignored: they are not valid JSON/],
  ];
  for (const [name, items, message] of CORRUPT) {
    test(`corrupt stored state is ignored with a visible notice: ${name}`, async () => {
      const { ctx, page, problems } = await freshPage();
      // Seed localStorage from a blank page of the same origin (no scripts that could read it first).
      await page.route(`${base}blank.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><link rel="icon" href="data:,">' }));
      await page.goto(`${base}blank.html`);
      await page.evaluate((kv) => { localStorage.clear(); for (const [k, v] of Object.entries(kv)) localStorage.setItem(k, v); }, items);
      await gotoPage(page);
      await trained(page);
      const notices = await page.locator('#notices').innerText();
      assert.match(notices, message);
      // The page works with defaults: the notebook's numbers, training, no injected markup.
      // torch 1.13: nn.CrossEntropyLoss()(good, tensor([2, 0, 1])) = tensor(0.7791)
      assert.equal(await page.locator('[data-out="loss-good"]').innerText(), 'tensor(0.7791)');
      await page.locator('#s-mlp [data-action="step"]').click();
      assert.match(await statusOf(page), /\b1 steps/);
      if (name === 'hostile setting strings') {
        // The one valid value (T = 2) is kept; the rest fall back to defaults.
        assert.equal(await page.inputValue('#s-softmax [data-field="T"]'), '2');
        assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '2, 1, 0.1');
      }
      const scan = await page.evaluate(scanForInjected);
      assert.deepEqual([scan.onAttrs, scan.imgs, scan.scripts], [[], 0, 0]);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      // The notice can be dismissed from the keyboard.
      const shown = await page.locator('.notice').count();
      await page.locator('#notices button').first().focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('.notice').count(), shown - 1);
      assert.deepEqual(problems, []);
      await ctx.close();
    });
  }

  test('bad values in the link are ignored with a notice', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page, '#logits=2,,abc&T=1e999&ds=nope&hid=3');
    assert.match(await page.locator('#notices').innerText(), /Ignored 3 values in the link: Logits z: item 2 is empty.*Temperature T.*Dataset: expected one of/);
    assert.equal(await page.inputValue('#s-softmax [data-field="logits"]'), '2, 1, 0.1');
    assert.equal(await page.inputValue('#s-mlp [data-field="hid"]'), '3');
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});

describe('divergent training', () => {
  test('learning rate 100 stops with a message, keeps the last good weights and offers a lower rate', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page, '#lr=100&opt=sgd');
    await trained(page);
    await page.locator('#s-mlp [data-action="play"]').click();
    await page.waitForFunction(() => document.querySelector('[data-out="ds-error"]')?.textContent.includes('diverged'), null, { timeout: 10000 });
    const msg = await page.locator('[data-out="ds-error"]').innerText();
    assert.match(msg, /Training stopped: the loss diverged/);
    assert.match(msg, /last good weights|initial weights/);
    assert.match(msg, /Try a lower learning rate, e\.g\. 1\b/);
    assert.equal(await page.locator('#s-mlp [data-action="play"]').getAttribute('aria-pressed'), 'false');
    // The numbers and the boundary stay finite: status losses are numbers, the boundary table has no NaN.
    const status = await statusOf(page);
    assert.match(status, /train loss \d+\.\d+ · test accuracy \d+\.\d%/);
    const boundary = await page.locator('[data-out="ds-boundary"] table').textContent();
    assert.doesNotMatch(boundary, /NaN|Infinity/);
    assert.match(boundary, /class \d \(p=\d\.\d\d\)/);
    // The weights in the net are finite and are what was saved for a reload.
    const saved = await page.evaluate(() => localStorage.getItem('logitlab:page:v1:ds'));
    if (saved) assert.ok(JSON.parse(saved).steps >= 1); // null when the last good weights are the initial ones
    await page.locator('[data-out="ds-boundary"]').screenshot({ path: `${SHOTS}diverged-boundary.png` });
    // The suggested rate is one click away and training works again.
    await page.locator('#s-mlp [data-action="lower-lr"]').click();
    assert.equal(await page.inputValue('#s-mlp select[data-field="lr"]'), '1');
    assert.equal(await page.locator('[data-out="ds-error"]').innerText(), '');
    await page.locator('#s-mlp [data-action="step"]').click();
    assert.doesNotMatch(await statusOf(page), /NaN/);
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});

describe('hostile input through the hash, attributes and postMessage', () => {
  const PAYLOADS = [
    '<img src=x onerror="window.__pwned=\'img\'">',
    '"><script>window.__pwned="script"</script>',
    '<svg onload="window.__pwned=\'svg\'"></svg>',
    'javascript:window.__pwned="js"',
    '1,2" onmouseover="window.__pwned=\'attr\'',
    '\\u003cimg src=x onerror=window.__pwned=1\\u003e',
  ];

  test('the page and the iframe embed ignore hostile hash values', async () => {
    const { ctx, page, problems } = await freshPage();
    const keys = ['logits', 'T', 'big', 'good', 'bad', 'cls', 'lgood', 'tgt', 'weight', 'ii', 'ls', 'red', 'ds', 'lr', 'hid', 'bz', 'by', 'bds', 'widget', 'hide'];
    for (const p of PAYLOADS) {
      const hash = `#${keys.map((k) => `${k}=${encodeURIComponent(p)}`).join('&')}`;
      await gotoPage(page, hash);
      await page.goto(`${base}embed.html${hash.replace('widget=', 'w=')}&widget=softmax`);
      await page.waitForSelector('body[data-ready="1"]');
      const scan = await page.evaluate(scanForInjected);
      assert.deepEqual([scan.onAttrs, scan.imgs, scan.scripts], [[], 0, 0], p);
    }
    await gotoPage(page, `#logits=${encodeURIComponent(PAYLOADS[0])}`);
    // Setting a hostile hash while the page is open (hashchange) is ignored too.
    // (T=2 is valid: once the slider shows it, the hashchange has been handled.)
    await page.evaluate((p) => { location.hash = `logits=${encodeURIComponent(p)}&ds=${encodeURIComponent(p)}&T=2`; }, PAYLOADS[2]);
    await page.waitForFunction(() => document.querySelector('#s-softmax [data-field="T"]').value === '2');
    const scan = await page.evaluate(scanForInjected);
    assert.deepEqual([scan.onAttrs, scan.imgs, scan.scripts], [[], 0, 0]);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator('[data-out="loss-good"]').innerText(), 'tensor(0.7791)');
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('custom elements ignore hostile attribute values, at start and when changed, under a strict CSP', async () => {
    const { ctx, page, problems } = await freshPage();
    const tags = ['ll-softmax', 'll-cross-entropy', 'll-cross-entropy-loss', 'll-mlp'];
    await page.route(`${base}host-hostile.html`, async (route) => {
      route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="${CSP}">
        <script type="module" src="elements.js"></script>
        ${tags.map((t, i) => `<${t} id="w${i}"></${t}>`).join('\n')}` });
    });
    await page.goto(`${base}host-hostile.html`);
    await page.waitForFunction(() => [0, 1, 2, 3].every((i) => document.getElementById(`w${i}`).dataset.ready === '1'), null, { timeout: 15000 });
    // Fresh elements created with hostile attributes from the start.
    await page.evaluate(([t, payloads]) => {
      for (const [i, tag] of t.entries()) {
        const el = document.createElement(tag);
        el.id = `h${i}`;
        for (const a of customElements.get(tag).observedAttributes) el.setAttribute(a, payloads[i % payloads.length]);
        document.body.append(el);
      }
    }, [tags, PAYLOADS]);
    await page.waitForFunction(() => [0, 1, 2, 3].every((i) => document.getElementById(`h${i}`).dataset.ready === '1'), null, { timeout: 15000 });
    // Then every payload through every attribute of the running elements.
    for (const p of PAYLOADS) {
      await page.evaluate(([t, payload]) => {
        for (const [i, tag] of t.entries()) {
          const el = document.getElementById(`w${i}`);
          for (const a of customElements.get(tag).observedAttributes) el.setAttribute(a, payload);
        }
      }, [tags, p]);
    }
    const scan = await page.evaluate(scanForInjected);
    assert.deepEqual([scan.onAttrs, scan.imgs, scan.scripts], [[], 0, 0]);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    // The widgets kept their defaults. numpy: softmax([2, 1, 0.1]) = [0.65900114 0.24243297 0.09856589]
    const divide = await page.evaluate(() => document.getElementById('h0').shadowRoot.querySelector('[data-step="divide"] code').textContent);
    assert.match(divide, /0\.65900114/);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('the iframe embed ignores hostile and malformed postMessage data', async () => {
    const { ctx, page, problems } = await freshPage();
    await page.route(`${base}host-pm.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="${CSP}">
      <iframe id="f" src="embed.html#widget=cross-entropy-loss" width="900" height="900"></iframe>` }));
    await page.goto(`${base}host-pm.html`);
    const frame = page.frameLocator('#f');
    await frame.locator('body[data-ready="1"]').waitFor({ timeout: 15000 });
    const sent = await page.evaluate((payloads) => {
      const w = document.getElementById('f').contentWindow;
      const keys = ['lgood', 'lbad', 'tgt', 'eb', 'weight', 'ii', 'ls', 'red'];
      const msgs = [
        null, 42, 'set', [], { source: 'logitlab-host' }, { source: 'logitlab-host', type: 'set' },
        { source: 'logitlab-host', type: 'set', state: 'tgt=1' }, { source: 'logitlab-host', type: 'set', state: [1, 2] },
        { source: 'logitlab-host', type: 'html', html: payloads[0] }, { source: 'other', type: 'set', state: { red: 'sum' } },
        { source: 'logitlab-host', type: 'set', state: { red: { toString: null } } },
        { source: 'logitlab-host', type: 'set', state: JSON.parse('{"__proto__": {"polluted": 1}, "red": "nonsense"}') },
      ];
      for (const p of payloads) msgs.push({ source: 'logitlab-host', type: 'set', state: Object.fromEntries(keys.map((k) => [k, p])) });
      let n = 0;
      for (const m of msgs) {
        try { w.postMessage(m, '*'); n += 1; } catch { /* not cloneable: the browser refuses it */ }
      }
      return n;
    }, PAYLOADS);
    assert.ok(sent >= PAYLOADS.length + 10);
    // A well-formed message after them still works: reduction='sum'.
    await page.evaluate(() => document.getElementById('f').contentWindow.postMessage({ source: 'logitlab-host', type: 'set', state: { red: 'sum' } }, '*'));
    // torch 1.13: nn.CrossEntropyLoss(reduction='sum')(good, tensor([2, 0, 1])) = tensor(2.3373)
    await frame.locator('[data-out="explorer-result"]', { hasText: 'tensor(2.3373)' }).waitFor({ timeout: 5000 });
    const f = page.frames().find((fr) => fr.url().includes('embed.html'));
    const scan = await f.evaluate(scanForInjected);
    assert.deepEqual([scan.onAttrs, scan.imgs, scan.scripts], [[], 0, 0]);
    assert.equal(await f.evaluate(() => window.__pwned ?? ({}).polluted), undefined);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await frame.locator('[data-out="loss-good"]').innerText(), 'tensor(0.7791)');
    assert.deepEqual(await f.evaluate(() => window.__csp), []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(problems, []);
    await ctx.close();
  });
});

describe('keyboard, drawing and small screens', () => {
  test('a keyboard-only walk: fields, slider arrows, selects, buttons, the digit pad', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page, '#ds=digits&hid=16');
    await trained(page);
    // Tab from the skip link into the softmax section's first field.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    const tabTo = async (selector, max = 60) => {
      for (let i = 0; i < max; i += 1) {
        if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('#s-softmax [data-field="logits"]');
    // The focus ring is visible (an outline, not 'none').
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('1, 2, 3');
    // numpy: softmax(np.array([1., 2., 3.])) = [0.09003057 0.24472847 0.66524096]
    assert.match(await page.locator('[data-out="softmax-steps"] [data-step="divide"] code').innerText(), /0\.09003057/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.field), 'T');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.inputValue('#s-softmax [data-field="T"]'), '1.05');
    assert.match(await page.locator('#s-softmax .slider-value').innerText(), /T = 1\.05/);
    // The MLP section: a select changes with the arrow keys, Play toggles with Space, Step with Enter.
    await tabTo('#s-mlp select[data-field="act"]', 200);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#s-mlp select[data-field="act"]'), 'tanh');
    await trained(page);
    await tabTo('#s-mlp [data-action="play"]');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#s-mlp [data-action="play"]', 'aria-pressed'), 'true');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('#s-mlp [data-action="play"]', 'aria-pressed'), 'false');
    await page.keyboard.press('Tab');
    const stepsBefore = await stepsOf(page);
    await page.keyboard.press('Enter');
    assert.equal(await stepsOf(page), stepsBefore + 1);
    // The digit pad: arrow keys and Space ink cells; its probabilities update; Load a sample works.
    const probs = () => page.locator('[data-out="digit-probs"] table').textContent();
    const blank = await probs();
    await tabTo('#s-mlp [data-out="digit-pad"]');
    for (const key of ['Space', 'ArrowDown', 'Space', 'ArrowDown', 'Space', 'ArrowDown', 'Space']) await page.keyboard.press(key);
    assert.notEqual(await probs(), blank);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'pad-clear');
    await page.keyboard.press('Enter');
    assert.equal(await probs(), blank);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.match(await page.locator('[data-out="digit-note"]').innerText(), /Test sample 1 of \d+, labelled \d/);
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  test('drawing a stroke with pointer events on the digit pad shows softmax probabilities', async () => {
    const { ctx, page, problems } = await freshPage();
    await gotoPage(page, '#ds=digits');
    await trained(page);
    const canvas = page.locator('[data-out="digit-pad"]');
    await canvas.scrollIntoViewIfNeeded();
    const read = () => page.evaluate(() => [...document.querySelectorAll('[data-out="digit-probs"] tbody tr td:nth-child(2)')].map((td) => Number(td.textContent)));
    const before = await read();
    const box = await canvas.boundingBox();
    // A vertical stroke down the middle (a "1"): mouse down, move in steps, up -> pointer events.
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i += 1) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.07 * i));
    await page.mouse.up();
    const after = await read();
    assert.equal(after.length, 10);
    assert.ok(Math.abs(after.reduce((a, b) => a + b, 0) - 1) < 1e-5, `probabilities sum to ${after.reduce((a, b) => a + b, 0)}`);
    assert.notDeepEqual(after, before);
    const inked = await page.evaluate(() => {
      const c = document.querySelector('[data-out="digit-pad"]');
      const d = c.getContext('2d').getImageData(96, 96, 1, 1).data;
      return d[0];
    });
    assert.ok(inked < 128, `centre pixel is ${inked}, expected ink`);
    await page.locator('#s-mlp .digit-pad').screenshot({ path: `${SHOTS}digit-pad.png` });
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  for (const [name, path] of [['page', 'index.html'], ['embed softmax', 'embed.html#widget=softmax'], ['embed mlp', 'embed.html#widget=mlp'], ['embed batch', 'embed.html#widget=cross-entropy-loss'], ['embed binary', 'embed.html#widget=binary']]) {
    test(`no sideways scrolling at 375 px: ${name}`, async () => {
      const { ctx, page, problems } = await freshPage({ width: 375, height: 740 });
      await page.goto(`${base}${path}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
      // Training views build their net after an async dataset load: wait until each shows its status.
      await page.waitForFunction(() => [...document.querySelectorAll('.train-status')].every((e) => /train loss/.test(e.textContent)), null, { timeout: 10000 });
      const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
      assert.ok(width <= 375, `${name} is ${width}px wide at 375`);
      await page.screenshot({ path: `${SHOTS}phone-${name.replace(/\s+/g, '-')}.png`, fullPage: true });
      assert.deepEqual(problems, []);
      await ctx.close();
    });
  }
});
