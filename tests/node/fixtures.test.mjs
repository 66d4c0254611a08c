// Every case of tests/fixtures/losses.json (written by gen_losses.py with torch 1.13) through the public JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from '../../web/src/index.js';

const ll = await load();
const fixture = JSON.parse(readFileSync(new URL('../fixtures/losses.json', import.meta.url), 'utf8'));

const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array };
const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
const isTensorJson = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && 'shape' in v && 'data' in v;
// JSON tensor {shape, dtype, data} -> ll.tensor; anything else passes through unchanged.
const decode = (v) => (isTensorJson(v) ? ll.tensor(CTOR[v.dtype].from(v.data.map(num)), { shape: v.shape, dtype: v.dtype }) : v);

// Combined tolerance: relative `rtol` plus an absolute floor for values near zero.
const TOL = { float64: { rtol: 1e-9, atol: 1e-12 }, float32: { rtol: 2e-5, atol: 1e-6 } };
function close(got, want, dtype, where) {
  want = num(want);
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${where}: expected NaN, got ${got}`);
  if (!Number.isFinite(want)) return assert.equal(got, want, `${where}`);
  const { rtol, atol } = TOL[dtype];
  assert.ok(Math.abs(got - want) <= atol + rtol * Math.abs(want), `${where}: got ${got}, expected ${want} (torch 1.13)`);
}
function closeTensor(got, want, dtype, where) {
  if (!isTensorJson(want)) {
    // A 0-d result is stored as a bare number.
    assert.ok(got instanceof ll.Tensor, `${where}: expected a Tensor`);
    assert.deepEqual(got.shape, [], `${where}: shape`);
    return close(got.data[0], want, dtype, where);
  }
  assert.ok(got instanceof ll.Tensor, `${where}: expected a Tensor, got ${typeof got}`);
  assert.deepEqual(got.shape, want.shape, `${where}: shape`);
  assert.equal(got.dtype, want.dtype, `${where}: dtype`);
  if (want.dtype === 'int32') return assert.deepEqual(Array.from(got.data), want.data, `${where}: values`);
  want.data.forEach((w, i) => close(got.data[i], w, dtype, `${where}[${i}]`));
}

function run(c) {
  const a = Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, decode(v)]));
  const opts = Object.fromEntries(Object.entries(c.options ?? {}).map(([k, v]) => [k, decode(v)]));
  switch (c.fn) {
    case 'softmax':
    case 'logSoftmax':
    case 'argmax':
      return { value: ll[c.fn](a.x, a.dim) };
    case 'max':
      return { value: ll.max(a.x, a.dim) };
    case 'sigmoid':
    case 'relu':
      return { value: ll[c.fn](a.x) };
    case 'crossEntropy':
      return { value: ll.crossEntropy(a.yTrue, a.yPred), grad: ll.grad.crossEntropy(a.yTrue, a.yPred) };
    default:
      return {
        value: ll[c.fn](a.input, a.target, opts),
        grad: c.grad !== undefined ? ll.grad[c.fn](a.input, a.target, opts) : undefined,
      };
  }
}

test('the fixture has cases of every function', () => {
  const fns = new Set(fixture.cases.map((c) => c.fn));
  for (const f of ['softmax', 'logSoftmax', 'argmax', 'max', 'sigmoid', 'relu', 'crossEntropy', 'crossEntropyLoss', 'nllLoss', 'bceLoss', 'bceWithLogitsLoss', 'mseLoss']) {
    assert.ok(fns.has(f), `no fixture case for ${f}`);
  }
  assert.ok(fixture.cases.length > 100);
});

for (const c of fixture.cases) {
  test(`${c.fn} ${c.id}`, () => {
    const { value, grad } = run(c);
    const want = c.expected;
    if (c.fn === 'max' && isTensorJson(want?.values)) {
      closeTensor(value.values, want.values, c.dtype, 'values');
      closeTensor(value.indices, want.indices, c.dtype, 'indices');
    } else if (isTensorJson(want) || value instanceof ll.Tensor) {
      closeTensor(value, want, c.dtype, 'value');
    } else {
      assert.equal(typeof value, 'number', 'a reduced loss is a JS number');
      close(value, want, c.dtype, 'value');
    }
    if (c.grad !== undefined) closeTensor(grad, c.grad, c.dtype, 'grad');
  });
}
