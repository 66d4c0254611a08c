// ll.mlp against PyTorch 1.13: forward, loss, gradients and k optimizer steps from tests/fixtures/mlp.json.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { load } from '../../web/src/index.js';

const ll = await load();
// Every expected value below comes from tests/fixtures/gen_mlp.py (torch 1.13 nn.Linear/ReLU/Sigmoid/
// Tanh, nn.CrossEntropyLoss/BCELoss/BCEWithLogitsLoss/MSELoss, torch.optim.SGD/Adam/AdamW).
const fixtures = JSON.parse(await readFile(new URL('../fixtures/mlp.json', import.meta.url), 'utf8'));

const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const tensorOf = (t) => ll.tensor(t.dtype === 'int32' ? Int32Array.from(t.data) : Float64Array.from(t.data, num), { shape: t.shape, dtype: t.dtype });

// Relative-ish closeness: |a - b| <= rtol * (|b| + max |expected|), so values near zero are judged
// on the tensor's scale.
function assertClose(actual, expected, rtol, what) {
  const a = Array.from(actual);
  const e = Array.from(expected, num);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  const scale = Math.max(...e.map(Math.abs));
  for (let i = 0; i < e.length; i++) {
    const tol = rtol * (Math.abs(e[i]) + scale);
    assert.ok(Math.abs(a[i] - e[i]) <= tol, `${what}[${i}]: got ${a[i]}, torch gave ${e[i]} (tolerance ${tol})`);
  }
}

const dataCache = new Map();
async function dataset(name) {
  if (!dataCache.has(name)) dataCache.set(name, JSON.parse(await readFile(new URL(`../../web/data/${name}.json`, import.meta.url), 'utf8')));
  return dataCache.get(name);
}

// x and y of a case: given directly, or for realdata cases the recorded standardisation of a dataset.
async function caseData(c) {
  if (!c.dataset) return { x: tensorOf(c.x), y: tensorOf(c.y) };
  const d = await dataset(c.dataset);
  const { mean, std } = c.standardize;
  const D = d.nFeatures;
  const x = new Float64Array(d.nSamples * D);
  for (let i = 0; i < x.length; i++) x[i] = (d.x[i] - mean[i % D]) / std[i % D];
  const y = c.loss === 'cross_entropy' ? ll.tensor(Int32Array.from(d.y)) : ll.tensor(Float64Array.from(d.y), { shape: [d.nSamples, 1] });
  return { x: ll.tensor(x, { shape: [d.nSamples, D] }), y };
}

for (const c of fixtures.cases) {
  test(`matches torch step for step: ${c.id}`, async () => {
    const rtol = c.dtype === 'float32' ? 5e-5 : 1e-9;
    const net = ll.mlp({
      sizes: c.sizes,
      activation: c.activation,
      output: c.output,
      loss: c.loss,
      lossOptions: c.lossOptions,
      optimizer: c.optimizer,
      dtype: c.dtype,
    });
    try {
      net.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, t]) => [k, tensorOf(t)])));
      const { x, y } = await caseData(c);
      assertClose(net.forward(x).data, c.forward.data, rtol, 'forward');
      const losses = [];
      for (let k = 0; k < c.steps; k++) {
        losses.push(net.trainStep(x, y));
        if (k === 0) {
          assertClose([losses[0]], [c.initialLoss], rtol, 'initialLoss');
          const grads = net.grads();
          for (const [name, g] of Object.entries(c.grads)) {
            assert.deepEqual(grads[name].shape, g.shape, `grad ${name} shape`);
            assertClose(grads[name].data, g.data, rtol, `grad ${name}`);
          }
        }
      }
      // The same tolerance after k steps (float32 measured within 5e-6 here, float64 within 1e-12).
      assertClose(losses, c.losses, rtol, 'losses');
      const after = net.stateDict();
      for (const [name, t] of Object.entries(c.stateDictAfter)) assertClose(after[name].data, t.data, rtol, `stateDictAfter ${name}`);
    } finally {
      net.dispose();
    }
  });
}

test('the fixture file covers every activation, loss, head and optimizer', () => {
  const seen = (k) => new Set(fixtures.cases.map((c) => (k === 'optimizer' ? c.optimizer.type : c[k])));
  assert.deepEqual([...seen('activation')].sort(), ['relu', 'sigmoid', 'tanh']);
  assert.deepEqual([...seen('loss')].sort(), ['bce', 'bce_with_logits', 'cross_entropy', 'mse']);
  assert.deepEqual([...seen('output')].sort(), ['logits', 'sigmoid']);
  assert.deepEqual([...seen('optimizer')].sort(), ['adam', 'adamw', 'sgd']);
  assert.ok(fixtures.cases.some((c) => c.id.startsWith('realdata')));
});
