// Section 2: cross-entropy by hand, -Σ y·log p on a one-hot target; good vs bad predictions.
import { fmt, h, replace } from '../dom.js';
import { codeBlock, select, textField } from '../controls.js';
import { renderSteps } from '../steps.js';
import { tex } from '../katex.js';
import { renderBars } from '../charts/bars.js';

export const schema = {
  cls: { type: 'int', def: 0, min: 0, max: 11, label: 'True class' },
  good: { type: 'nums', def: [0.7, 0.2, 0.1], min: 0, max: 1, maxLen: 12, label: 'Good prediction p' },
  bad: { type: 'nums', def: [0.1, 0.3, 0.6], min: 0, max: 1, maxLen: 12, label: 'Bad prediction p' },
};

const pyList = (a) => a.map(String).join(', ');

/** Finds a step by id (ids are stable; the order is not relied on). */
const stepValue = (steps, id) => steps.find((s) => s.id === id)?.value;

export function crossEntropySection({ ll, store }) {
  const cols = { good: h('div', { class: 'ce-col', 'data-out': 'ce-good' }), bad: h('div', { class: 'ce-col', 'data-out': 'ce-bad' }) };
  const codeEl = h('div', { class: 'code-pair' });
  const classSel = h('div', {});
  const el = h('div', { class: 'section-body' },
    h('p', { class: 'lead' }, 'Cross-entropy compares a one-hot target y with predicted probabilities p. Only the true class has y = 1, so the sum keeps a single term: the negative log of the probability given to the right answer.'),
    h('p', { class: 'formula-display' }, tex('H(y, p) = -\\sum_i y_i \\log p_i', { display: true })),
    h('div', { class: 'controls' },
      classSel,
      textField(store, 'good'),
      textField(store, 'bad')),
    h('div', { class: 'grid-2' }, cols.good, cols.bad),
    codeEl);

  let lastC = -1;
  function update(state) {
    const C = Math.max(state.good.length, state.bad.length);
    if (C !== lastC) {
      // The class picker lists as many classes as the predictions have.
      lastC = C;
      replace(classSel, select(store, 'cls', { options: Array.from({ length: C }, (_, i) => [String(i), `class ${i}`]) }));
    }
    const y = Array.from({ length: C }, (_, i) => (i === state.cls ? 1 : 0));
    for (const which of ['good', 'bad']) renderColumn(cols[which], which, y, state[which]);
    replace(codeEl,
      codeBlock('numpy (notebook)', [
        'import numpy as np',
        'def cross_entropy(y_true, y_pred):',
        '    return -np.sum(y_true * np.log(y_pred))',
        `y_true = np.array([${pyList(y)}])`,
        `print(cross_entropy(y_true, np.array([${pyList(state.good)}])))  # good`,
        `print(cross_entropy(y_true, np.array([${pyList(state.bad)}])))  # bad`,
      ].join('\n'), 'torch'),
      codeBlock('LogitLab JS (the call behind these numbers)', [
        `const y = [${y.join(', ')}];`,
        `ll.crossEntropy(y, [${pyList(state.good)}]);  // good`,
        `ll.crossEntropy(y, [${pyList(state.bad)}]);  // bad`,
        `ll.explain.crossEntropy(y, [${pyList(state.good)}]).steps;`,
      ].join('\n'), 'js'));
  }

  function renderColumn(col, which, y, p) {
    const title = which === 'good' ? 'Good prediction' : 'Bad prediction';
    let ex;
    try {
      if (p.length !== y.length) throw new Error(`crossEntropy: yPred has ${p.length} classes but the other prediction has ${y.length}; give both the same length`);
      ex = ll.explain.crossEntropy(y, p);
    } catch (e) {
      replace(col, h('h3', {}, title), h('p', { class: 'core-error', role: 'alert' }, e.message));
      return;
    }
    const logp = stepValue(ex.steps, 'log');
    const prod = stepValue(ex.steps, 'product');
    const rows = y.map((yi, i) => h('tr', { class: yi ? 'row-true' : '' },
      h('td', {}, String(i)), h('td', {}, String(yi)), h('td', {}, String(p[i])),
      h('td', {}, logp ? String(logp.data[i]) : ''),
      h('td', {}, prod ? String(prod.data[i]) : '')));
    const bars = h('div', { class: 'chart-wrap chart-small' });
    renderBars(bars, { labels: p.map((_, i) => `class ${i}`), values: p, highlight: y.indexOf(1), title: `${title}: predicted probabilities`, digits: 2 });
    const stepsEl = h('div', {});
    renderSteps(stepsEl, { ll, steps: ex.steps });
    replace(col,
      h('h3', {}, title),
      bars,
      h('div', { class: 'table-scroll' }, h('table', { class: 'num-table terms' },
        h('caption', {}, 'Each term of Σ y·log p (H is minus the sum)'),
        h('thead', {}, h('tr', {}, ['i', 'y', 'p', 'log p', 'y·log p'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))),
      h('p', { class: 'result' }, 'H = ', h('strong', { 'data-out': `ce-${which}-result` }, fmt(ex.result, 4)),
        h('span', { class: 'result-full' }, ` (${String(ex.result)})`)),
      h('details', { class: 'steps-details' }, h('summary', {}, 'All steps from ll.explain.crossEntropy'), stepsEl));
  }

  return { el, update };
}
