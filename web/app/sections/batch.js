// Section 3: nn.CrossEntropyLoss on a batch = LogSoftmax + NLLLoss + mean; option explorer; gradient.
import { cell, h, replace } from '../dom.js';
import { codeBlock, select, slider, textField } from '../controls.js';
import { renderSteps } from '../steps.js';
import { tex } from '../katex.js';

export const schema = {
  lgood: { type: 'nums', def: [0.3, 0.1, 0.7, 0.6, 0.2, 0.2, 0.1, 0.8, 0.1], maxLen: 60, label: 'Good logits (row by row)' },
  lbad: { type: 'nums', def: [0.1, 0.5, 0.4, 0.1, 0.1, 0.8, 0.1, 0.3, 0.6], maxLen: 60, label: 'Bad logits (row by row)' },
  tgt: { type: 'nums', def: [2, 0, 1], integer: true, min: -1000, max: 1000, maxLen: 20, label: 'Targets (class indices)' },
  eb: { type: 'enum', def: 'good', values: ['good', 'bad'], label: 'Batch' },
  weight: { type: 'nums', def: [], minLen: 0, min: 0, maxLen: 20, label: 'weight (one per class, empty = none)' },
  ii: { type: 'int', def: -100, min: -1000, max: 1000, label: 'ignore_index' },
  ls: { type: 'num', def: 0, min: 0, max: 1, label: 'label_smoothing' },
  red: { type: 'enum', def: 'mean', values: ['mean', 'sum', 'none'], label: 'reduction' },
};

const pyNum = (v) => (Number.isInteger(v) ? `${v}.` : String(v));

/** Splits the flat logits into N rows of C = len / N (N = number of targets). */
function rowsOf(flat, n) {
  if (n === 0 || flat.length % n !== 0) {
    throw new Error(`crossEntropyLoss: input has ${flat.length} logits, which does not split into ${n} rows (one per target); give N×C numbers`);
  }
  const c = flat.length / n;
  return Array.from({ length: n }, (_, r) => flat.slice(r * c, (r + 1) * c));
}

/** A numeric matrix table from a core Tensor (values as the core returned them). */
export function matrixTable(t, { caption, rowLabel = (r) => `row ${r}`, colLabel = (c) => `class ${c}`, highlight } = {}) {
  const rows = t.shape.length === 2 ? t.shape[0] : 1;
  const cols = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  return h('div', { class: 'table-scroll' }, h('table', { class: 'num-table matrix' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, h('th', {}, ''), Array.from({ length: cols }, (_, c) => h('th', { scope: 'col' }, colLabel(c))))),
    h('tbody', {}, Array.from({ length: rows }, (_, r) => h('tr', {}, h('th', { scope: 'row' }, rowLabel(r)),
      Array.from({ length: cols }, (_, c) => h('td', { class: highlight?.(r, c) ? 'cell-hl' : '' }, cell(t, r * cols + c))))))));
}

export function batchSection({ ll, store }) {
  const cols = { good: h('div', { 'data-out': 'batch-good' }), bad: h('div', { 'data-out': 'batch-bad' }) };
  const errEl = h('p', { class: 'core-error', role: 'alert' });
  const explorerOut = h('div', { 'data-out': 'explorer' });
  const gradOut = h('div', { 'data-out': 'grad' });
  const codeEl = h('div', { class: 'code-pair' });

  const el = h('div', { class: 'section-body' },
    h('p', { class: 'lead' }, 'nn.CrossEntropyLoss takes raw logits and class indices. It applies LogSoftmax to each row, NLLLoss picks the log-probability of each row\'s target, and the mean over the batch is the loss.'),
    h('p', { class: 'formula-display' }, tex('\\ell = -\\frac{1}{N}\\sum_{n=1}^{N} \\log \\operatorname{softmax}(x_n)_{y_n}', { display: true })),
    h('div', { class: 'controls' }, textField(store, 'lgood'), textField(store, 'lbad'), textField(store, 'tgt')),
    errEl,
    h('div', { class: 'grid-2' }, cols.good, cols.bad),
    codeEl,
    h('div', { class: 'panel' },
      h('h3', {}, 'Explorer: weight, ignore_index, label_smoothing, reduction'),
      h('div', { class: 'controls' },
        select(store, 'eb', { options: [['good', 'good logits'], ['bad', 'bad logits']] }),
        textField(store, 'weight', { hint: 'e.g. 1, 2, 0.5' }),
        textField(store, 'ii', { hint: 'a target equal to this is skipped' }),
        slider(store, 'ls', { min: 0, max: 1, step: 0.05, format: (v) => String(v) }),
        select(store, 'red')),
      explorerOut,
      h('h3', {}, 'Gradient with respect to the logits'),
      h('p', {}, 'For each row the gradient is softmax(x) − onehot(y) (scaled by the weight and, for the mean, divided by the denominator).'),
      gradOut));

  function update(state) {
    let inputs;
    try {
      inputs = { good: rowsOf(state.lgood, state.tgt.length), bad: rowsOf(state.lbad, state.tgt.length) };
      errEl.textContent = '';
    } catch (e) {
      errEl.textContent = e.message;
      return;
    }
    const target = ll.tensor(Int32Array.from(state.tgt));
    for (const which of ['good', 'bad']) renderBatch(cols[which], which, inputs[which], target);
    renderExplorer(state, inputs[state.eb], target);
    const py = (rows) => `torch.tensor([${rows.map((r) => `[${r.map(pyNum).join(', ')}]`).join(', ')}])`;
    replace(codeEl,
      codeBlock('PyTorch (notebook)', [
        'import torch, torch.nn as nn',
        `y = torch.tensor([${state.tgt.join(', ')}])`,
        `good = ${py(inputs.good)}`,
        `bad = ${py(inputs.bad)}`,
        'loss = nn.CrossEntropyLoss()',
        'print(loss(good, y), loss(bad, y))',
        'print(torch.argmax(good, 1), torch.argmax(bad, 1))',
      ].join('\n'), 'torch'),
      codeBlock('LogitLab JS (the call behind these numbers)', [
        `const y = new Int32Array([${state.tgt.join(', ')}]);`,
        `const good = ll.tensor(${JSON.stringify(inputs.good)}, { dtype: 'float32' });`,
        'll.crossEntropyLoss(good, y);            // a number',
        'll.argmax(good, 1).toString();',
        'll.explain.crossEntropyLoss(good, y).steps;',
      ].join('\n'), 'js'));
  }

  function renderBatch(col, which, rows, target) {
    const title = which === 'good' ? 'Good logits' : 'Bad logits';
    try {
      const x = ll.tensor(rows, { dtype: 'float32' });
      const ex = ll.explain.crossEntropyLoss(x, target);
      const loss = ll.crossEntropyLoss(x, target);
      const pred = ll.argmax(x, 1);
      const stepsEl = h('div', {});
      renderSteps(stepsEl, { ll, steps: ex.steps, highlight: ['pick', 'result'] });
      replace(col,
        h('h3', {}, title),
        matrixTable(x, { caption: 'logits x', highlight: (r, c) => c === target.data[r] }),
        stepsEl,
        h('dl', { class: 'facts' },
          h('dt', {}, 'loss'), h('dd', {}, h('code', { 'data-out': `loss-${which}` }, ll.tensor(loss, { dtype: 'float32' }).toString())),
          h('dt', {}, 'argmax'), h('dd', {}, h('code', { 'data-out': `argmax-${which}` }, pred.toString())),
          h('dt', {}, 'targets'), h('dd', {}, h('code', {}, target.toString()))));
    } catch (e) {
      replace(col, h('h3', {}, title), h('p', { class: 'core-error', role: 'alert' }, e.message));
    }
  }

  function renderExplorer(state, rows, target) {
    const opts = { ignoreIndex: state.ii, reduction: state.red, labelSmoothing: state.ls };
    if (state.weight.length) opts.weight = ll.tensor(state.weight, { dtype: 'float32' });
    try {
      const x = ll.tensor(rows, { dtype: 'float32' });
      const ex = ll.explain.crossEntropyLoss(x, target, opts);
      const stepsEl = h('div', {});
      renderSteps(stepsEl, { ll, steps: ex.steps, highlight: ['numerator', 'denominator', 'result'] });
      const result = typeof ex.result === 'number' ? ll.tensor(ex.result, { dtype: 'float32' }).toString() : ex.result.toString();
      replace(explorerOut, stepsEl,
        h('p', { class: 'result' }, 'loss = ', h('code', { 'data-out': 'explorer-result' }, result)),
        codeBlock('PyTorch', `nn.CrossEntropyLoss(${[
          state.weight.length ? `weight=torch.tensor([${state.weight.map(pyNum).join(', ')}])` : '',
          state.ii !== -100 ? `ignore_index=${state.ii}` : '',
          state.red !== 'mean' ? `reduction='${state.red}'` : '',
          state.ls ? `label_smoothing=${state.ls}` : '',
        ].filter(Boolean).join(', ')})(x, y)`, 'torch'));
      const grad = ll.grad.crossEntropyLoss(x, target, opts);
      const p = ll.softmax(x, 1);
      replace(gradOut, h('div', { class: 'grid-3' },
        matrixTable(p, { caption: 'softmax(x)  (ll.softmax)' }),
        matrixTable(ll.tensor(Array.from(target.data, (t, r) => rows[r].map((_, c) => (c === t ? 1 : 0))), { dtype: 'int32' }), { caption: 'onehot(y)' }),
        h('div', { 'data-out': 'grad-table' }, matrixTable(grad, { caption: 'dloss/dx  (ll.grad.crossEntropyLoss)' }))));
    } catch (e) {
      replace(explorerOut, h('p', { class: 'core-error', role: 'alert' }, e.message));
      replace(gradOut);
    }
  }

  return { el, update };
}
