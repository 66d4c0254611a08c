// The public JS API surface: load(), tensors, printing (vs torch/numpy in format.json), explain, memory, dtypes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load, tensor, format, Tensor } from '../../web/src/index.js';

const ll = await load();
const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array };
const num = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

test('load() returns the same instance every time', async () => {
  assert.equal(await load(), ll);
  const [a, b] = await Promise.all([load(), load()]);
  assert.equal(a, ll);
  assert.equal(b, ll);
});

test('tensor() default dtypes follow numpy/torch', () => {
  assert.equal(tensor(1.5).dtype, 'float64');
  assert.deepEqual(tensor(1.5).shape, []);
  assert.equal(tensor([[1, 2], [3, 4]]).dtype, 'float64');
  assert.deepEqual(tensor([[1, 2], [3, 4]]).shape, [2, 2]);
  assert.equal(tensor(new Float32Array(3)).dtype, 'float32');
  assert.equal(tensor(new Int32Array(3)).dtype, 'int32');
  assert.equal(tensor(new Float64Array(3)).dtype, 'float64');
  assert.deepEqual(tensor([]).shape, [0]);
});

test('tensor() takes shape for flat typed arrays and copies with one bulk copy', () => {
  const f = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = ll.tensor(f, { shape: [2, 3] });
  assert.deepEqual(t.shape, [2, 3]);
  assert.ok(t.data instanceof Float32Array);
  assert.notEqual(t.data, f, 'll.tensor owns its data');
  f[0] = 99;
  assert.equal(t.data[0], 1);
  assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(t.size, 6);
  assert.equal(ll.tensor(7).item(), 7);
  assert.deepEqual(ll.tensor([1.5, 2], { dtype: 'float32' }).data, new Float32Array([1.5, 2]));
  assert.deepEqual(ll.tensor(t, { dtype: 'int32' }).data, new Int32Array([1, 2, 3, 4, 5, 6]));
  assert.ok(t instanceof Tensor);
});

test('functions accept Tensors, nested arrays and typed arrays alike', () => {
  const a = ll.softmax([2, 1, 0.1]);
  const b = ll.softmax(new Float64Array([2, 1, 0.1]));
  const c = ll.softmax(ll.tensor([2, 1, 0.1]));
  assert.deepEqual(a.data, b.data);
  assert.deepEqual(a.data, c.data);
  assert.equal(a.dtype, 'float64');
  assert.equal(ll.softmax(new Float32Array([2, 1, 0.1])).dtype, 'float32');
  // int32 input to a float op computes in float64
  assert.equal(ll.sigmoid(new Int32Array([0, 1])).dtype, 'float64');
  assert.equal(ll.sigmoid(new Int32Array([0, 1])).data[0], 0.5);
});

test('torch-style printing: the notebook values (torch 1.13 repr)', () => {
  assert.equal(String(ll.softmax(ll.tensor([2, 1, 0.1], { dtype: 'float32' }))), 'tensor([0.6590, 0.2424, 0.0986])');
  assert.equal(String(ll.tensor([2, 0, 1], { dtype: 'int32' })), 'tensor([2, 0, 1])');
  assert.equal(String(ll.tensor([1, 2])), 'tensor([1., 2.], dtype=torch.float64)');
  assert.equal(String(ll.tensor(0.7790890336036682, { dtype: 'float32' })), 'tensor(0.7791)');
  assert.equal(format(ll.softmax([2, 1, 0.1]), { style: 'numpy' }), '[0.65900114 0.24243297 0.09856589]');
});

const formatFixture = JSON.parse(readFileSync(new URL('../fixtures/format.json', import.meta.url), 'utf8'));
test(`printing matches torch ${formatFixture.torch} repr and numpy ${formatFixture.numpy} str for ${formatFixture.cases.length} arrays`, () => {
  for (const c of formatFixture.cases) {
    const t = ll.tensor(CTOR[c.dtype].from(c.data.map(num)), { shape: c.shape, dtype: c.dtype });
    assert.equal(t.toString(), c.torch, `torch: ${c.name} ${c.dtype}`);
    assert.equal(ll.format(t, { style: 'numpy' }), c.numpy, `numpy: ${c.name} ${c.dtype}`);
    assert.equal(ll.format(t), c.torch);
  }
});

test('reduced losses are numbers, reduction none gives a Tensor', () => {
  const x = [[0.3, 0.1, 0.7], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]];
  assert.equal(typeof ll.crossEntropyLoss(x, [2, 0, 1]), 'number');
  assert.equal(typeof ll.crossEntropyLoss(x, [2, 0, 1], { reduction: 'sum' }), 'number');
  const none = ll.crossEntropyLoss(x, [2, 0, 1], { reduction: 'none' });
  assert.ok(none instanceof Tensor);
  assert.deepEqual(none.shape, [3]);
  // mean = sum / 3 of the per-sample losses
  const sum = ll.crossEntropyLoss(x, [2, 0, 1], { reduction: 'sum' });
  assert.ok(Math.abs(sum / 3 - ll.crossEntropyLoss(x, [2, 0, 1])) < 1e-15);
  assert.ok(Math.abs(none.data.reduce((a, b) => a + b, 0) - sum) < 1e-15);
  // a class index can be a plain number for an unbatched input
  assert.equal(ll.crossEntropyLoss([0.3, 0.1, 0.7], 2), ll.crossEntropyLoss([[0.3, 0.1, 0.7]], [2]));
});

test('max and argmax', () => {
  const x = ll.tensor([[1, 5, 2], [7, 0, 7]], { dtype: 'int32' });
  assert.equal(ll.max(x), 7);
  const { values, indices } = ll.max(x, 1);
  assert.equal(values.dtype, 'int32');
  assert.deepEqual(Array.from(values.data), [5, 7]);
  assert.deepEqual(Array.from(indices.data), [1, 0]);
  assert.equal(String(ll.argmax(x, 0)), 'tensor([1, 0, 1])');
});

test('explain returns the steps of the same computation', () => {
  const e = ll.explain.softmax(ll.tensor([2, 1, 0.1], { dtype: 'float32' }));
  assert.deepEqual(e.result.data, ll.softmax(ll.tensor([2, 1, 0.1], { dtype: 'float32' })).data);
  assert.ok(e.steps.length >= 3);
  for (const s of e.steps) {
    assert.equal(typeof s.id, 'string');
    assert.equal(typeof s.title, 'string');
    assert.equal(typeof s.formula, 'string');
    assert.ok(typeof s.value === 'number' || (s.value instanceof Tensor && s.value.dtype === 'float32'));
  }
  const last = e.steps[e.steps.length - 1].value;
  assert.deepEqual(last.data, e.result.data, 'the last step is the result');

  const x = [[0.3, 0.1, 0.7], [0.6, 0.2, 0.2]];
  const ce = ll.explain.crossEntropyLoss(x, [2, 0], { labelSmoothing: 0.1 });
  assert.equal(ce.result, ll.crossEntropyLoss(x, [2, 0], { labelSmoothing: 0.1 }));
  assert.ok(ce.steps.length > 0);
  const manual = ll.explain.crossEntropy([1, 0, 0], [0.7, 0.1, 0.2]);
  assert.equal(manual.result, ll.crossEntropy([1, 0, 0], [0.7, 0.1, 0.2]));
  for (const name of ['nllLoss', 'bceLoss', 'bceWithLogitsLoss', 'mseLoss']) {
    const r = ll.explain[name]([[0.2, 0.7]], name === 'nllLoss' ? [1] : [[0, 1]]);
    assert.equal(r.result, ll[name]([[0.2, 0.7]], name === 'nllLoss' ? [1] : [[0, 1]]), name);
    assert.ok(r.steps.length > 0, name);
  }
});

test('memory() reports heap bytes and live nets; plain calls do not leak', () => {
  const m0 = ll.memory();
  assert.equal(typeof m0.heapBytes, 'number');
  assert.equal(typeof m0.liveNets, 'number');
  const x = ll.tensor(new Float32Array(4096).map((_, i) => Math.sin(i)), { shape: [64, 64] });
  for (let i = 0; i < 50; i++) {
    ll.softmax(x);
    ll.crossEntropyLoss(x, new Int32Array(64).fill(3));
    ll.explain.softmax(x);
    ll.grad.crossEntropyLoss(x, new Int32Array(64).fill(3), { labelSmoothing: 0.2 });
  }
  assert.equal(ll.memory().heapBytes, m0.heapBytes);
});

// Two copies of the package in one process (e.g. a bundle and a CDN copy, or two versions pulled
// in by dependencies): each has its own Tensor class, and a Tensor of one is accepted by the other.
test('a Tensor from another copy of the package is accepted like one of this copy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'logitlab-copy-'));
  cpSync(new URL('../../web/src/', import.meta.url), join(dir, 'src'), { recursive: true });
  cpSync(new URL('../../web/wasm/', import.meta.url), join(dir, 'wasm'), { recursive: true });
  const other = await import(pathToFileURL(join(dir, 'src', 'index.js')).href);
  assert.notEqual(other.Tensor, Tensor, 'a separate module instance');
  const ll2 = await other.load();
  const x = ll.tensor([[1, 2, 3], [0.5, -1, 4]], { dtype: 'float32' });
  assert.deepEqual(ll2.softmax(x).data, ll.softmax(x).data);
  const y = ll.tensor([2, 0], { dtype: 'int32' });
  assert.equal(ll2.crossEntropyLoss(x, y), ll.crossEntropyLoss(x, y));
  assert.deepEqual(ll2.tensor(x).data, x.data);
  const net = ll2.mlp({ sizes: [3, 4, 3], seed: 1, optimizer: { type: 'sgd', lr: 0.1 } });
  try {
    const loss = net.trainStep(x, y);
    assert.ok(Number.isFinite(loss));
  } finally {
    net.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  // Still validated: a broken foreign Tensor gets this copy's error message.
  const bad = ll.tensor([1, 2, 3], { dtype: 'float32' });
  bad.shape = [2];
  assert.throws(() => ll2.softmax(bad), /softmax: x is a Tensor of shape \[2\] but holds 3 elements/);
  // Not a Tensor because of its constructor's name: a look-alike plain object is still refused.
  assert.throws(() => ll2.softmax({ shape: [3], dtype: 'float32', data: new Float32Array(3) }), TypeError);
});
