// Section 4: a multi-class MLP (Linear -> act -> Linear + CrossEntropyLoss) trained live in chunks.
import { fmt, h, replace } from '../dom.js';
import { button, codeBlock, select, slider } from '../controls.js';
import { renderSteps } from '../steps.js';
import { renderLines } from '../charts/lines.js';
import { renderBoundary } from '../charts/boundary.js';
import { renderBars } from '../charts/bars.js';
import { DATASETS, createTrainer, gridFor, prepareData } from '../trainer.js';
import { PALETTE } from '../palette.js';

const LRS = ['0.0003', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3', '10', '100'];

export const schema = {
  ds: { type: 'enum', def: 'spiral', values: ['spiral', 'circles', 'xor', 'blobs', 'iris', 'wine', 'digits'], label: 'Dataset' },
  lr: { type: 'enum', def: '0.03', values: LRS, label: 'Learning rate' },
  hid: { type: 'int', def: 16, min: 1, max: 64, label: 'Hidden units' },
  act: { type: 'enum', def: 'relu', values: ['relu', 'tanh', 'sigmoid'], label: 'Activation' },
  opt: { type: 'enum', def: 'adam', values: ['sgd', 'momentum', 'adam'], label: 'Optimizer' },
  bs: { type: 'enum', def: '32', values: ['8', '16', '32', '64', '128'], label: 'Batch size' },
  noise: { type: 'num', def: 0.15, min: 0, max: 0.5, label: 'Noise' },
};

const OPT_LABELS = [['sgd', 'SGD'], ['momentum', 'SGD + momentum 0.9'], ['adam', 'Adam']];

/**
 * The training view shared by the multi-class and the binary sections. `keys` maps the roles
 * (ds, lr, hid, act, opt, bs, noise, loss) to this section's store keys.
 */
export function trainingView({ ll, store, keys, binary = false, codeFor, onStep, persist, notice }) {
  const k = keys;
  const statusEl = h('p', { class: 'train-status', role: 'status', 'data-out': `${k.ds}-status` });
  const errEl = h('div', { class: 'train-error', role: 'alert' });
  const errText = h('p', { class: 'core-error', 'data-out': `${k.ds}-error` });
  const boundaryEl = h('div', { class: 'chart-wrap boundary-wrap', 'data-out': `${k.ds}-boundary` });
  const lossEl = h('div', { class: 'chart-wrap', 'data-out': `${k.ds}-loss` });
  const accEl = h('div', { class: 'chart-wrap', 'data-out': `${k.ds}-acc` });
  const explainEl = h('div', { class: 'explain-wrap', 'data-out': `${k.ds}-explain` });
  const padEl = h('div', { class: 'digit-pad' });
  const codeEl = h('div', { class: 'code-pair' });
  const playBtn = button('Play', () => (running ? pause() : play()), { 'data-action': 'play', 'aria-pressed': 'false' });
  const stepBtn = button('Step', () => { pause(); oneStep(); }, { 'data-action': 'step' });
  const resetBtn = button('Reset', () => { pause(); persist?.remove(k.ds); rebuild(store.get(), { fresh: true }); }, { 'data-action': 'reset' });

  const dsOptions = schemaOf(store, k.ds).values.map((v) => [v, DATASETS[v].name]);
  const controls = [
    select(store, k.ds, { options: dsOptions }),
    select(store, k.lr),
    slider(store, k.hid, { step: 1 }),
    select(store, k.act),
    select(store, k.opt, { options: OPT_LABELS }),
    select(store, k.bs),
    k.loss ? select(store, k.loss, { options: [['bce', 'sigmoid + BCELoss'], ['bce_with_logits', 'BCEWithLogitsLoss']] }) : null,
    slider(store, k.noise, { step: 0.05 }),
  ];
  const el = h('div', { class: 'section-body train' },
    h('div', { class: 'controls controls-train' }, controls),
    h('div', { class: 'buttons' }, playBtn, stepBtn, resetBtn, statusEl),
    errEl,
    h('div', { class: 'grid-2' },
      h('div', {}, h('h3', {}, 'Data and decision boundary'), boundaryEl, padEl),
      h('div', {}, h('h3', {}, 'Loss'), lossEl, h('h3', {}, 'Accuracy'), accEl)),
    h('details', { class: 'panel explain-panel', 'data-out': `${k.ds}-explain-panel` },
      h('summary', {}, 'One step, with numbers (net.explain): press Step'),
      explainEl),
    codeEl);

  let data = null;
  let trainer = null;
  let running = false;
  let raf = 0;
  let grid = null;
  let built = null;

  /** Shows an error (plain text) with optional action buttons; '' clears it. */
  function setError(msg, ...actions) {
    actions = actions.filter(Boolean);
    errText.textContent = msg;
    replace(errEl, errText, actions.length ? h('div', { class: 'buttons' }, actions) : null);
  }

  // ---- Trained weights kept in this browser (page only), when their JSON is small ----
  const MAX_SAVED = 50_000;
  const WEIGHT_KEYS = [k.ds, k.hid, k.act, k.noise, k.loss].filter(Boolean);
  const configOf = (state) => Object.fromEntries(WEIGHT_KEYS.map((key) => [key, state[key]]));
  function saveWeights() {
    if (!persist || !trainer || !built || trainer.steps === 0) return;
    const weights = {};
    for (const [name, t] of Object.entries(trainer.net.stateDict())) weights[name] = t.tolist();
    const text = JSON.stringify({ v: 1, config: configOf(built), steps: trainer.steps, weights });
    if (text.length <= MAX_SAVED) persist.save(k.ds, text);
    else persist.remove(k.ds); // too big to keep: do not leave an older net behind
  }
  /** Loads saved weights that match `state`'s architecture; a corrupt entry is dropped with a notice. */
  function restoreWeights(state) {
    const text = persist?.load(k.ds);
    if (!text) return;
    try {
      let saved;
      try { saved = JSON.parse(text); } catch { throw new Error('they are not valid JSON'); }
      if (!saved || typeof saved !== 'object' || saved.v !== 1 || !saved.config || typeof saved.config !== 'object'
        || !saved.weights || typeof saved.weights !== 'object' || Array.isArray(saved.weights)) {
        throw new Error('they do not have the expected form');
      }
      const want = configOf(state);
      if (!WEIGHT_KEYS.every((key) => saved.config[key] === want[key])) return; // another architecture: keep it for later
      if (!Number.isSafeInteger(saved.steps) || saved.steps < 1) throw new Error('the step count is not a positive integer');
      const finiteNested = (v) => (Array.isArray(v) ? v.every(finiteNested) : typeof v === 'number' && Number.isFinite(v));
      for (const v of Object.values(saved.weights)) {
        if (!Array.isArray(v) || !finiteNested(v)) throw new Error('a weight is not an array of finite numbers');
      }
      trainer.net.loadStateDict(saved.weights); // checks every name and shape
      trainer.steps = saved.steps;
      trainer.history.length = 0;
      trainer.evaluate(); // throws if these weights give a non-finite loss
      notice?.(`${DATASETS[state[k.ds]].name}: restored the network this browser trained for ${saved.steps} steps (optimizer state starts afresh). Press Reset to start over.`, 'info');
    } catch (e) {
      persist.remove(k.ds);
      trainer.rollback();
      trainer.history.length = 0;
      trainer.evaluate();
      notice?.(`The trained weights saved in this browser were ignored: ${e.message}.`);
    }
  }
  if (persist) addEventListener('pagehide', () => saveWeights());

  let generation = 0;
  async function rebuild(state, { fresh = false } = {}) {
    pause();
    trainer?.dispose();
    trainer = null;
    setError('');
    const gen = ++generation;
    el.dataset.loading = '1';
    try {
      const d = await prepareData(ll, state[k.ds], { n: 400, noise: state[k.noise], seed: 0 });
      if (gen !== generation) return; // a newer rebuild started while this one was loading
      data = d;
      if (binary && data.classes !== 2) throw new Error(`${DATASETS[state[k.ds]].name} has ${data.classes} classes; the binary model needs 2`);
      trainer = createTrainer(ll, data, {
        hidden: state[k.hid], activation: state[k.act], optimizer: state[k.opt], lr: Number(state[k.lr]),
        batchSize: Number(state[k.bs]), seed: 0, binary, loss: state[k.loss],
      });
      grid = data.features === 2 ? gridFor(ll, data, 48) : null;
      built = { ...state };
      trainer.evaluate(); // also the first checkpoint
      if (!fresh) restoreWeights(state);
      redraw();
    } catch (e) {
      if (gen !== generation) return;
      setError(e.message);
      data = null;
    }
    delete el.dataset.loading;
    replace(explainEl, h('p', {}, 'Press Step to see one update: the forward pass layer by layer, the loss, the gradients and the change the optimizer makes.'));
    renderCode(state);
  }

  function renderCode(state) {
    if (codeFor) replace(codeEl, ...codeFor(state, data));
  }

  function redraw() {
    if (!trainer) return;
    const hist = trainer.history;
    const last = hist[hist.length - 1];
    statusEl.textContent = `epoch ${trainer.epoch.toFixed(1)} · ${trainer.steps} steps · train loss ${fmt(last.train.loss)} · test accuracy ${(last.test.accuracy * 100).toFixed(1)}%`;
    renderLines(lossEl, {
      title: 'Loss per step', xLabel: 'step',
      series: [
        { name: 'train loss', color: PALETTE[0], points: hist.map((r) => [r.step, r.train.loss]) },
        { name: 'test loss', color: PALETTE[1], dash: '5 3', points: hist.map((r) => [r.step, r.test.loss]) },
      ],
    });
    renderLines(accEl, {
      title: 'Accuracy per step', xLabel: 'step', yMax: 1,
      series: [
        { name: 'train accuracy', color: PALETTE[0], points: hist.map((r) => [r.step, r.train.accuracy]) },
        { name: 'test accuracy', color: PALETTE[1], dash: '5 3', points: hist.map((r) => [r.step, r.test.accuracy]) },
      ],
    });
    if (grid) {
      const pts = { x: [], y: [], test: [] };
      for (const [xs, ys, test] of [[data.xTrain, data.yTrain, false], [data.xTest, data.yTest, true]]) {
        for (let i = 0; i < ys.size; i += 1) { pts.x.push([xs.data[2 * i], xs.data[2 * i + 1]]); pts.y.push(ys.data[i]); pts.test.push(test); }
      }
      renderBoundary(boundaryEl, {
        probs: trainer.probabilities(grid.x), classes: binary ? 2 : data.classes, res: 48, extent: grid.extent, points: pts,
        title: 'Decision boundary: colour = predicted class, shade = its probability; white-ringed dots = training, black-ringed = test',
      });
    } else if (!boundaryEl.firstChild || boundaryEl.dataset.kind !== data.id) {
      boundaryEl.dataset.kind = data.id;
      replace(boundaryEl, h('p', { class: 'note' }, `${data.id} has ${data.features} features, so there is no 2-D boundary to draw; the curves show how training goes.`));
    }
    if (data.id === 'digits') renderPad(); else if (padCanvas) { replace(padEl); padCanvas = null; }
  }

  function report(res) {
    onStep?.({ steps: trainer.steps, epoch: trainer.epoch, loss: res.train.loss, accuracy: res.test.accuracy });
  }

  function stopWithError(e) {
    pause({ save: false });
    const diverged = /nan|finite|inf/i.test(e.message);
    if (!diverged || !trainer) { setError(e.message); return; }
    el.dataset.diverged = '1';
    let back = '';
    try {
      // Back to the weights of the last finite evaluation, with a fresh optimizer state.
      const step = trainer.rollback();
      trainer.setOptimizer(store.get()[k.opt], Number(store.get()[k.lr]));
      report(trainer.evaluate());
      redraw();
      if (step > 0) saveWeights(); else persist?.remove(k.ds);
      back = step > 0 ? ` The network is back at its last good weights (step ${step}).` : ' The network is back at its initial weights.';
    } catch (e2) {
      back = ` (${e2.message})`;
    }
    const lrs = schemaOf(store, k.lr).values;
    const cur = store.get()[k.lr];
    const lower = lrs[Math.max(0, lrs.indexOf(cur) - 3)]; // the list goes 1, 3, 10: three entries = ÷10
    setError(`Training stopped: the loss diverged (${e.message}).${back} Try a lower learning rate${lower !== cur ? `, e.g. ${lower}` : ''}.`,
      lower !== cur ? button(`Use learning rate ${lower}`, () => { setError(''); store.set({ [k.lr]: lower }); }, { 'data-action': 'lower-lr' }) : null);
  }

  function oneStep() {
    if (!trainer) return;
    try {
      const { explain } = trainer.explainStep();
      report(trainer.evaluate());
      redraw();
      saveWeights();
      const panel = el.querySelector('.explain-panel');
      panel.open = true;
      renderSteps(explainEl, { ll, steps: explain.steps, caption: `Step ${trainer.steps}: one minibatch, before and after the update.` });
    } catch (e) {
      stopWithError(e);
    }
  }

  let lastSave = 0;
  function frame() {
    if (!running || !trainer) return;
    const t0 = performance.now();
    try {
      // Train in a small chunk (~10 ms) so the page stays responsive, then redraw once.
      do trainer.step(); while (performance.now() - t0 < 10);
      report(trainer.evaluate());
      redraw();
    } catch (e) {
      stopWithError(e);
      return;
    }
    if (t0 - lastSave > 2000) { lastSave = t0; saveWeights(); }
    raf = requestAnimationFrame(frame);
  }
  function play() {
    if (!trainer || running) return;
    setError('');
    delete el.dataset.diverged;
    running = true;
    playBtn.textContent = 'Pause';
    playBtn.setAttribute('aria-pressed', 'true');
    el.dataset.running = '1';
    raf = requestAnimationFrame(frame);
  }
  function pause({ save = true } = {}) {
    if (running && save) saveWeights();
    running = false;
    cancelAnimationFrame(raf);
    playBtn.textContent = 'Play';
    playBtn.setAttribute('aria-pressed', 'false');
    delete el.dataset.running;
  }

  // Digits: draw on an 8×8 grid (values 0..16 like sklearn's digits) and classify it. Pointer: drag
  // to draw. Keyboard: arrows move the cursor cell, Space/Enter inks it, Delete erases it; or load a
  // sample digit from the test set.
  const pad = new Float32Array(64);
  let padCanvas = null;
  let padBars = null;
  let padNote = null;
  let cursor = 27;
  let sample = 0;
  function renderPad() {
    if (!padCanvas) {
      padCanvas = h('canvas', {
        width: 192, height: 192, class: 'pad-canvas', tabindex: '0', role: 'img', 'data-out': 'digit-pad',
        'aria-label': 'Drawing pad, 8 by 8 cells. Drag to draw a digit, or use the arrow keys to move and Space to ink a cell, Delete to erase it.',
      });
      padBars = h('div', { class: 'chart-wrap', 'data-out': 'digit-probs' });
      padNote = h('p', { class: 'note', 'data-out': 'digit-note', 'aria-live': 'polite' }, 'Draw a digit, or load a sample.');
      let down = false;
      const paint = (ev) => {
        const r = padCanvas.getBoundingClientRect();
        const cx = ((ev.clientX - r.left) / r.width) * 8;
        const cy = ((ev.clientY - r.top) / r.height) * 8;
        for (let i = 0; i < 64; i += 1) {
          const d = Math.hypot((i % 8) + 0.5 - cx, Math.floor(i / 8) + 0.5 - cy);
          pad[i] = Math.min(16, pad[i] + Math.max(0, 1.1 - d) * 9);
        }
        padNote.textContent = 'Your drawing:';
        drawPad();
      };
      padCanvas.addEventListener('pointerdown', (ev) => {
        down = true;
        try { padCanvas.setPointerCapture(ev.pointerId); } catch { /* synthetic or ended pointer */ }
        paint(ev);
      });
      padCanvas.addEventListener('pointermove', (ev) => { if (down) paint(ev); });
      padCanvas.addEventListener('pointerup', () => { down = false; });
      padCanvas.addEventListener('pointercancel', () => { down = false; });
      padCanvas.addEventListener('keydown', (ev) => {
        const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -8, ArrowDown: 8 };
        if (ev.key in moves) {
          const d = moves[ev.key];
          const col = cursor % 8;
          if ((d === -1 && col === 0) || (d === 1 && col === 7) || cursor + d < 0 || cursor + d > 63) { ev.preventDefault(); return; }
          cursor += d;
        } else if (ev.key === ' ' || ev.key === 'Enter') {
          pad[cursor] = 16;
          padNote.textContent = 'Your drawing:';
        } else if (ev.key === 'Delete' || ev.key === 'Backspace') {
          pad[cursor] = 0;
        } else {
          return;
        }
        ev.preventDefault();
        drawPad();
      });
      padCanvas.addEventListener('focus', () => drawPad(false));
      padCanvas.addEventListener('blur', () => drawPad(false));
      const loadSample = () => {
        const raw = data.xTestRaw;
        const n = raw.shape[0];
        const i = sample % n;
        sample += 1;
        for (let j = 0; j < 64; j += 1) pad[j] = raw.data[i * 64 + j];
        padNote.textContent = `Test sample ${i + 1} of ${n}, labelled ${data.classNames[data.yTest.data[i]]}:`;
        drawPad();
      };
      replace(padEl, h('h3', {}, 'Draw a digit'),
        h('div', { class: 'pad-row' }, padCanvas,
          h('div', { class: 'pad-buttons' },
            button('Clear', () => { pad.fill(0); padNote.textContent = 'Draw a digit, or load a sample.'; drawPad(); }, { 'data-action': 'pad-clear' }),
            button('Load a sample', loadSample, { 'data-action': 'pad-sample' }))),
        padNote, padBars);
      drawPad();
    }
    classifyPad();
  }
  function drawPad(classify = true) {
    const ctx = padCanvas.getContext('2d');
    for (let i = 0; i < 64; i += 1) {
      const v = Math.round(255 - (pad[i] / 16) * 255);
      ctx.fillStyle = `rgb(${v},${v},${v})`;
      ctx.fillRect((i % 8) * 24, Math.floor(i / 8) * 24, 24, 24);
    }
    if (document.activeElement === padCanvas || padCanvas.getRootNode().activeElement === padCanvas) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = PALETTE[1];
      ctx.strokeRect((cursor % 8) * 24 + 1.5, Math.floor(cursor / 8) * 24 + 1.5, 21, 21);
    }
    if (classify) classifyPad();
  }
  function classifyPad() {
    if (!trainer || !padBars) return;
    const x = data.scale(ll.tensor(pad, { shape: [1, 64] }));
    const p = trainer.probabilities(x);
    const values = Array.from(p);
    const best = values.indexOf(Math.max(...values));
    renderBars(padBars, { labels: data.classNames.map(String), values, highlight: best, title: `softmax probabilities of your drawing (most likely: ${data.classNames[best]})`, digits: 2 });
  }

  function update(state) {
    // Optimizer and learning rate change in place; anything else builds a new net.
    const same = built && [k.ds, k.hid, k.act, k.bs, k.noise, k.loss].filter(Boolean).every((key) => built[key] === state[key]);
    if (same && trainer) {
      trainer.setOptimizer(state[k.opt], Number(state[k.lr]));
      built = { ...state };
      renderCode(state);
    } else {
      rebuild(state);
    }
    el.classList.toggle('is-toy', !!data?.toy);
  }

  return { el, update, play, pause, step: oneStep };
}

const schemaOf = (store, key) => store.schema[key];

export function mlpSection({ ll, store, onStep, persist, notice }) {
  const intro = h('p', { class: 'lead' }, 'A network with one hidden layer: Linear → activation → Linear, trained with nn.CrossEntropyLoss on minibatches. Press Play and watch the decision boundary form; press Step to see one update with its numbers. If the loss turns into NaN, training stops: lower the learning rate.');
  const view = trainingView({
    ll, store, onStep, persist, notice, keys: { ds: 'ds', lr: 'lr', hid: 'hid', act: 'act', opt: 'opt', bs: 'bs', noise: 'noise' },
    codeFor: (state, data) => [
      codeBlock('PyTorch (notebook)', [
        'import torch, torch.nn as nn',
        'model = nn.Sequential(',
        `    nn.Linear(${data?.features ?? 'F'}, ${state.hid}), nn.${{ relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid' }[state.act]}(),`,
        `    nn.Linear(${state.hid}, ${data?.classes ?? 'C'}))`,
        'loss_fn = nn.CrossEntropyLoss()',
        `opt = torch.optim.${state.opt === 'adam' ? 'Adam' : 'SGD'}(model.parameters(), lr=${state.lr}${state.opt === 'momentum' ? ', momentum=0.9' : ''})`,
        'for xb, yb in loader:',
        '    opt.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward(); opt.step()',
      ].join('\n'), 'torch'),
      codeBlock('LogitLab JS (the calls behind these numbers)', [
        'const net = ll.mlp({',
        `  sizes: [${data?.features ?? 'F'}, ${state.hid}, ${data?.classes ?? 'C'}], activation: '${state.act}',`,
        `  optimizer: { type: '${state.opt === 'adam' ? 'adam' : 'sgd'}', lr: ${state.lr}${state.opt === 'momentum' ? ', momentum: 0.9' : ''} },`,
        '});',
        'const loss = net.trainStep(xb, yb);  // zero_grad, forward, loss, backward, step',
        'net.explain(xb, yb).steps;           // the "one step" view',
      ].join('\n'), 'js'),
    ],
  });
  const el = h('div', {}, intro, view.el);
  return { el, update: view.update, view };
}
