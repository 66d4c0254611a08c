// Section 1: softmax step by step, temperature, numpy/torch printouts, and naive vs stable exp.
import { h, replace } from '../dom.js';
import { codeBlock, slider, textField } from '../controls.js';
import { renderSteps } from '../steps.js';
import { renderBars } from '../charts/bars.js';

export const schema = {
  logits: { type: 'nums', def: [2, 1, 0.1], maxLen: 12, label: 'Logits z' },
  T: { type: 'num', def: 1, min: 0.05, max: 10, label: 'Temperature T' },
  big: { type: 'nums', def: [1000, 999, 998], maxLen: 12, label: 'Large logits' },
};

const list = (a) => a.map((v) => (Number.isInteger(v) ? `${v}.0` : String(v))).join(', ');
const jsList = (a) => a.map(String).join(', ');

/** Builds the section; returns { el, update(state) }. */
export function softmaxSection({ ll, store }) {
  const stepsEl = h('div', { class: 'steps-wrap', 'data-out': 'softmax-steps' });
  const barsEl = h('div', { class: 'chart-wrap', 'data-out': 'softmax-bars' });
  const numpyOut = h('code', { 'data-out': 'softmax-numpy' });
  const torchOut = h('code', { 'data-out': 'softmax-torch' });
  const errEl = h('p', { class: 'core-error', role: 'alert' });
  const codeEl = h('div', { class: 'code-pair' });
  const naiveEl = h('div', { class: 'naive-wrap', 'data-out': 'naive' });

  const el = h('div', { class: 'section-body' },
    h('p', { class: 'lead' }, 'Softmax turns a vector of scores (logits) into probabilities: exponentiate each score and divide by the sum. Subtracting the maximum first changes nothing mathematically but keeps exp from overflowing.'),
    h('div', { class: 'controls' },
      textField(store, 'logits', { hint: 'numbers separated by commas' }),
      slider(store, 'T', { min: 0.1, max: 5, step: 0.05, format: (v) => `T = ${v}` })),
    errEl,
    h('div', { class: 'grid-2' },
      h('div', {}, h('h3', {}, 'Step by step'), stepsEl),
      h('div', {},
        h('h3', {}, 'Probabilities'), barsEl,
        h('div', { class: 'printouts' },
          h('div', { class: 'printout' }, h('span', { class: 'printout-label' }, 'numpy (float64)'), h('pre', {}, numpyOut)),
          h('div', { class: 'printout' }, h('span', { class: 'printout-label' }, 'torch (float32)'), h('pre', {}, torchOut))))),
    codeEl,
    h('div', { class: 'panel panel-naive' },
      h('h3', {}, 'Naive vs stable'),
      h('p', {}, 'With large logits, exp overflows: e^1000 is larger than any double. The naive formula then divides Infinity by Infinity and gets NaN; the shifted form computes exp(z − max z) ≤ 1 and is fine.'),
      textField(store, 'big', { hint: 'try 1000, 999, 998 or -1000, -1001' }),
      naiveEl));

  function update(state) {
    const z = state.logits.map((v) => v / state.T); // the temperature only rescales the input
    try {
      const ex = ll.explain.softmax(z, -1);
      renderSteps(stepsEl, { ll, steps: ex.steps, highlight: ['divide'] });
      const p = ll.softmax(z);
      renderBars(barsEl, { labels: z.map((_, i) => `class ${i}`), values: Array.from(p.data), title: 'softmax probabilities' });
      numpyOut.textContent = ll.format(p, { style: 'numpy' }); // JS numbers -> float64, like numpy
      torchOut.textContent = ll.softmax(ll.tensor(z, { dtype: 'float32' })).toString();
      errEl.textContent = '';
    } catch (e) {
      errEl.textContent = e.message;
    }
    const tPart = state.T === 1 ? '' : ` / ${state.T}`;
    replace(codeEl,
      codeBlock('PyTorch / numpy (notebook)', [
        'import numpy as np, torch',
        'def softmax(z):',
        '    e = np.exp(z - np.max(z))   # shift for stability',
        '    return e / e.sum()',
        `z = np.array([${list(state.logits)}])${tPart}`,
        'print(softmax(z))',
        `print(torch.softmax(torch.tensor([${list(state.logits)}])${tPart}, dim=0))`,
      ].join('\n'), 'torch'),
      codeBlock('LogitLab JS (the call behind these numbers)', [
        "import { load } from 'logitlab';",
        'const ll = await load();',
        `const z = [${jsList(state.logits)}]${state.T === 1 ? '' : `.map((v) => v / ${state.T})`};`,
        "ll.format(ll.softmax(z), { style: 'numpy' });",
        "ll.softmax(ll.tensor(z, { dtype: 'float32' })).toString();",
        'll.explain.softmax(z, -1).steps;',
      ].join('\n'), 'js'));
    renderNaive(state.big);
  }

  function renderNaive(big) {
    // The naive column is deliberately plain JS Math.exp: that overflow is what the panel shows.
    const naiveExp = big.map((v) => Math.exp(v));
    const naiveSum = naiveExp.reduce((a, b) => a + b, 0);
    const naiveP = naiveExp.map((e) => e / naiveSum);
    let stable = null;
    let error = '';
    try {
      stable = ll.explain.softmax(big, -1);
    } catch (e) {
      error = e.message;
    }
    const stableEl = h('div', {});
    if (stable) renderSteps(stableEl, { ll, steps: stable.steps, highlight: ['shift', 'divide'] });
    replace(naiveEl,
      h('div', { class: 'grid-2' },
        h('div', { class: 'naive-col' },
          h('h4', {}, 'Naive, in plain JavaScript (Math.exp, no shift)'),
          h('table', { class: 'num-table', 'data-out': 'naive-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'z'), h('th', {}, 'Math.exp(z)'), h('th', {}, 'exp / sum'))),
            h('tbody', {}, big.map((v, i) => h('tr', {},
              h('td', {}, String(v)), h('td', { class: badClass(naiveExp[i]) }, String(naiveExp[i])),
              h('td', { class: badClass(naiveP[i]) }, String(naiveP[i]))))),
            h('tfoot', {}, h('tr', {}, h('th', {}, 'sum'), h('td', { class: badClass(naiveSum) }, String(naiveSum)), h('td', {}))))),
        h('div', { class: 'stable-col' },
          h('h4', {}, 'Stable, from the LogitLab core (ll.explain.softmax)'),
          error ? h('p', { class: 'core-error' }, error) : stableEl)));
  }

  return { el, update };
}

const badClass = (v) => (Number.isFinite(v) ? '' : 'bad-num');
