// Section 5: binary MLP with sigmoid + BCELoss vs BCEWithLogitsLoss, and why the logits form is stable.
import { h, replace } from '../dom.js';
import { codeBlock, textField } from '../controls.js';
import { renderSteps } from '../steps.js';
import { tex } from '../katex.js';
import { trainingView } from './mlp.js';
import { matrixTable } from './batch.js';

const LRS = ['0.0003', '0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3', '10', '100'];

export const schema = {
  bds: { type: 'enum', def: 'circles', values: ['circles', 'xor', 'breastCancer'], label: 'Dataset' },
  blr: { type: 'enum', def: '0.03', values: LRS, label: 'Learning rate' },
  bhid: { type: 'int', def: 8, min: 1, max: 64, label: 'Hidden units' },
  bact: { type: 'enum', def: 'relu', values: ['relu', 'tanh', 'sigmoid'], label: 'Activation' },
  bopt: { type: 'enum', def: 'adam', values: ['sgd', 'momentum', 'adam'], label: 'Optimizer' },
  bbs: { type: 'enum', def: '32', values: ['8', '16', '32', '64', '128'], label: 'Batch size' },
  bnoise: { type: 'num', def: 0.1, min: 0, max: 0.5, label: 'Noise' },
  bloss: { type: 'enum', def: 'bce_with_logits', values: ['bce', 'bce_with_logits'], label: 'Output and loss' },
  bz: { type: 'nums', def: [-120, -30, 0, 30, 120], maxLen: 12, label: 'Logits z' },
  by: { type: 'nums', def: [1, 1, 1, 0, 0], min: 0, max: 1, maxLen: 12, label: 'Targets y (0..1)' },
};

const pyNum = (v) => (Number.isInteger(v) ? `${v}.` : String(v));

export function binarySection({ ll, store, onStep, persist, notice }) {
  const view = trainingView({
    ll, store, onStep, persist, notice, binary: true,
    keys: { ds: 'bds', lr: 'blr', hid: 'bhid', act: 'bact', opt: 'bopt', bs: 'bbs', noise: 'bnoise', loss: 'bloss' },
    codeFor: (state, data) => [
      codeBlock('PyTorch (notebook)', [
        'import torch, torch.nn as nn',
        `layers = [nn.Linear(${data?.features ?? 'F'}, ${state.bhid}), nn.${{ relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid' }[state.bact]}(), nn.Linear(${state.bhid}, 1)]`,
        state.bloss === 'bce' ? 'model = nn.Sequential(*layers, nn.Sigmoid()); loss_fn = nn.BCELoss()'
          : 'model = nn.Sequential(*layers); loss_fn = nn.BCEWithLogitsLoss()',
        'loss = loss_fn(model(xb), yb.float().unsqueeze(1))',
      ].join('\n'), 'torch'),
      codeBlock('LogitLab JS (the calls behind these numbers)', [
        `const net = ll.mlp({ sizes: [${data?.features ?? 'F'}, ${state.bhid}, 1], activation: '${state.bact}',`,
        state.bloss === 'bce' ? "  output: 'sigmoid', loss: 'bce' });" : "  output: 'logits', loss: 'bce_with_logits' });",
        'net.trainStep(xb, yb);',
      ].join('\n'), 'js'),
    ],
  });

  const stabilityOut = h('div', { 'data-out': 'stability' });
  const el = h('div', { class: 'section-body' },
    h('p', { class: 'lead' }, 'With one output, the model gives a logit z. Either apply a sigmoid and use nn.BCELoss on the probability, or feed the logit straight to nn.BCEWithLogitsLoss, which fuses both in a numerically stable form.'),
    view.el,
    h('div', { class: 'panel' },
      h('h3', {}, 'Why BCEWithLogitsLoss is stable'),
      h('p', {}, 'In float32, sigmoid(30) rounds to exactly 1 and sigmoid(−120) to 0, so log(1 − p) or log p is −∞. PyTorch\'s BCELoss clamps each log at −100, so a confidently wrong prediction costs at most 100. BCEWithLogitsLoss never forms p: it computes the same loss from z directly.'),
      h('p', { class: 'formula-display' }, tex('\\ell = \\max(z, 0) - z\\,y + \\log\\left(1 + e^{-|z|}\\right)', { display: true })),
      h('div', { class: 'controls' }, textField(store, 'bz'), textField(store, 'by')),
      stabilityOut));

  function renderStability(state) {
    try {
      if (state.bz.length !== state.by.length) {
        throw new Error(`bceLoss: target has ${state.by.length} values but input has ${state.bz.length}; expected the same shape`);
      }
      const z = ll.tensor(state.bz, { dtype: 'float32' });
      const y = ll.tensor(state.by, { dtype: 'float32' });
      const p = ll.sigmoid(z);
      const bce = ll.explain.bceLoss(p, y, { reduction: 'none' });
      const bcel = ll.explain.bceWithLogitsLoss(z, y, { reduction: 'none' });
      const left = h('div', {});
      const right = h('div', {});
      renderSteps(left, { ll, steps: bce.steps, highlight: ['log_p', 'log_1mp'] });
      renderSteps(right, { ll, steps: bcel.steps });
      const cmp = ll.tensor([Array.from(z.data), Array.from(p.data), Array.from(bce.result.data), Array.from(bcel.result.data)], { dtype: 'float32' });
      replace(stabilityOut,
        matrixTable(cmp, {
          caption: 'Per element (reduction=\'none\'): the clamp caps BCELoss at 100',
          rowLabel: (r) => ['z', 'p = sigmoid(z)', 'BCELoss(p, y)', 'BCEWithLogitsLoss(z, y)'][r],
          colLabel: (c) => `y=${state.by[c]}`,
        }),
        h('div', { class: 'grid-2' },
          h('div', {}, h('h4', {}, 'sigmoid, then BCELoss (ll.explain.bceLoss)'), left),
          h('div', {}, h('h4', {}, 'BCEWithLogitsLoss (ll.explain.bceWithLogitsLoss)'), right)),
        h('div', { class: 'code-pair' },
          codeBlock('PyTorch', [
            `z = torch.tensor([${state.bz.map(pyNum).join(', ')}])`,
            `y = torch.tensor([${state.by.map(pyNum).join(', ')}])`,
            "nn.BCELoss(reduction='none')(torch.sigmoid(z), y)",
            "nn.BCEWithLogitsLoss(reduction='none')(z, y)",
          ].join('\n'), 'torch'),
          codeBlock('LogitLab JS', [
            `const z = ll.tensor([${state.bz.join(', ')}], { dtype: 'float32' });`,
            `const y = ll.tensor([${state.by.join(', ')}], { dtype: 'float32' });`,
            "ll.explain.bceLoss(ll.sigmoid(z), y, { reduction: 'none' });",
            "ll.explain.bceWithLogitsLoss(z, y, { reduction: 'none' });",
          ].join('\n'), 'js')));
    } catch (e) {
      replace(stabilityOut, h('p', { class: 'core-error', role: 'alert' }, e.message));
    }
  }

  let lastTrainKeys = null;
  function update(state) {
    const trainKeys = JSON.stringify(['bds', 'blr', 'bhid', 'bact', 'bopt', 'bbs', 'bnoise', 'bloss'].map((k) => state[k]));
    if (trainKeys !== lastTrainKeys) { lastTrainKeys = trainKeys; view.update(state); }
    renderStability(state);
  }
  return { el, update, view };
}
