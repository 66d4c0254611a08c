// Random cases beyond the fixtures: wasm results vs a plain-JS float64 reference of PyTorch 1.13's formulas,
// float32 vs float64 agreement, and gradients vs central differences of the wasm forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/src/index.js';

const ll = await load();

// ---------- deterministic PRNG (mulberry32) ----------
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    bool: (p = 0.5) => next() < p,
  };
}
const f32 = (xs) => Array.from(Float32Array.from(xs)); // values representable in both dtypes

// ---------- plain-JS float64 reference (PyTorch 1.13 formulas) ----------
function logSoftmaxRow(z) {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}
const rows = (data, C) => Array.from({ length: data.length / C }, (_, i) => data.slice(i * C, i * C + C));
const reduce = (losses, reduction, denom = losses.length) =>
  reduction === 'none' ? losses : reduction === 'sum' ? losses.reduce((a, b) => a + b, 0) : losses.reduce((a, b) => a + b, 0) / denom;

// nn.NLLLoss on rows of log-probabilities (unbatched = one row).
function refNll(logp, C, targets, { weight, ignoreIndex = -100, reduction = 'mean' }) {
  const w = weight ?? new Array(C).fill(1);
  const R = rows(logp, C);
  const losses = [];
  let wsum = 0;
  R.forEach((r, n) => {
    const t = targets[n];
    if (t === ignoreIndex) return losses.push(0);
    wsum += w[t];
    losses.push(-w[t] * r[t]);
  });
  return reduce(losses, reduction, wsum);
}

// nn.CrossEntropyLoss with class-index targets (label smoothing as in LossNLL.cpp).
function refCeIndex(x, C, targets, opts) {
  const { weight, ignoreIndex = -100, reduction = 'mean', labelSmoothing: ls = 0 } = opts;
  const logp = rows(x, C).flatMap(logSoftmaxRow);
  const nll = refNll(logp, C, targets, opts);
  if (ls === 0) return nll;
  const w = weight ?? new Array(C).fill(1);
  const smooth = rows(logp, C).map((r, n) => (targets[n] === ignoreIndex ? 0 : -r.reduce((s, v, c) => s + v * w[c], 0)));
  let denom;
  if (reduction === 'mean') {
    denom = targets.reduce((s, t) => s + (t === ignoreIndex ? 0 : weight ? w[t] : 1), 0);
  }
  const sm = reduce(smooth, reduction, denom);
  if (reduction === 'none') return nll.map((v, i) => (1 - ls) * v + (sm[i] * ls) / C);
  return (1 - ls) * nll + (sm * ls) / C;
}

// nn.CrossEntropyLoss with class-probability targets.
function refCeProb(x, C, target, { weight, reduction = 'mean', labelSmoothing: ls = 0 }) {
  const w = weight ?? new Array(C).fill(1);
  const logp = rows(x, C).map(logSoftmaxRow);
  const T = rows(target, C).map((r) => r.map((t) => t * (1 - ls) + ls / C));
  const losses = logp.map((r, n) => -r.reduce((s, v, c) => s + v * T[n][c] * w[c], 0));
  return reduce(losses, reduction, losses.length);
}

// Broadcast a weight of the input's shape or of its last dim.
const wAt = (w, i) => (w === undefined ? 1 : w[i % w.length]);

function refBce(x, t, { weight, reduction = 'mean' }) {
  const losses = x.map((p, i) => -wAt(weight, i) * (t[i] * Math.max(Math.log(p), -100) + (1 - t[i]) * Math.max(Math.log(1 - p), -100)));
  return reduce(losses, reduction);
}
function refBceLogits(x, t, { weight, posWeight, reduction = 'mean' }) {
  const losses = x.map((z, i) => {
    const lw = posWeight === undefined ? 1 : (posWeight[i % posWeight.length] - 1) * t[i] + 1;
    return wAt(weight, i) * ((1 - t[i]) * z + lw * (Math.log1p(Math.exp(-Math.abs(z))) + Math.max(-z, 0)));
  });
  return reduce(losses, reduction);
}
const refMse = (x, t, { reduction = 'mean' }) => reduce(x.map((v, i) => (v - t[i]) ** 2), reduction);

// ---------- random case generators: { fn, input, target, opts, ref } with plain arrays ----------
function genCase(r, fn) {
  const reduction = r.pick(['none', 'mean', 'sum']);
  const N = r.int(1, 6);
  const C = r.int(1, 6);
  const unbatched = r.bool(0.2);
  const shape = unbatched ? [C] : [N, C];
  const n = unbatched ? 1 : N;
  const scale = r.pick([1, 3, 20]);
  const x = f32(Array.from({ length: n * C }, () => r.uniform(-scale, scale)));
  const weight = r.bool(0.4) ? f32(Array.from({ length: C }, () => r.uniform(0, 2))) : undefined;
  switch (fn) {
    case 'crossEntropyLoss': {
      if (r.bool(0.35)) {
        // class probabilities (sometimes unnormalized, like torch allows)
        const raw = Array.from({ length: n * C }, () => r.uniform(0, 1));
        const t = f32(r.bool() ? rows(raw, C).flatMap((row) => row.map((v) => v / row.reduce((a, b) => a + b, 0))) : raw);
        const opts = { reduction, ...(weight && { weight }), ...(r.bool() && { labelSmoothing: f32([r.uniform(0, 1)])[0] }) };
        return { fn, shape, tshape: shape, input: x, target: t, opts, ref: refCeProb(x, C, t, opts) };
      }
      const ignoreIndex = r.bool(0.3) ? r.int(0, C - 1) : r.bool(0.2) ? -1 : undefined;
      const t = Array.from({ length: n }, () => (ignoreIndex === -1 && r.bool(0.3) ? -1 : r.int(0, C - 1)));
      const opts = { reduction, ...(weight && { weight }), ...(ignoreIndex !== undefined && { ignoreIndex }), ...(r.bool() && { labelSmoothing: f32([r.uniform(0, 1)])[0] }) };
      return { fn, shape, tshape: unbatched ? [] : [N], input: x, target: t, opts, ref: refCeIndex(x, C, t, opts) };
    }
    case 'nllLoss': {
      const logp = r.bool() ? f32(rows(x, C).flatMap(logSoftmaxRow)) : x;
      const ignoreIndex = r.bool(0.3) ? r.int(0, C - 1) : undefined;
      const t = Array.from({ length: n }, () => r.int(0, C - 1));
      const opts = { reduction, ...(weight && { weight }), ...(ignoreIndex !== undefined && { ignoreIndex }) };
      return { fn, shape, tshape: unbatched ? [] : [N], input: logp, target: t, opts, ref: refNll(logp, C, t, opts) };
    }
    case 'bceLoss': {
      const p = f32(x.map(() => r.uniform(0.001, 0.999)));
      const t = f32(x.map(() => (r.bool() ? r.int(0, 1) : r.uniform(0, 1))));
      const w = r.bool(0.4) ? f32(Array.from({ length: r.bool() ? C : n * C }, () => r.uniform(0, 2))) : undefined;
      const opts = { reduction, ...(w && { weight: w }) };
      return { fn, shape, tshape: shape, input: p, target: t, opts, ref: refBce(p, t, opts), wshape: w && (w.length === C ? [C] : shape) };
    }
    case 'bceWithLogitsLoss': {
      const t = f32(x.map(() => (r.bool() ? r.int(0, 1) : r.uniform(0, 1))));
      const w = r.bool(0.4) ? f32(Array.from({ length: r.bool() ? C : n * C }, () => r.uniform(0, 2))) : undefined;
      const pw = r.bool(0.4) ? f32(Array.from({ length: C }, () => r.uniform(0, 4))) : undefined;
      const opts = { reduction, ...(w && { weight: w }), ...(pw && { posWeight: pw }) };
      return { fn, shape, tshape: shape, input: x, target: t, opts, ref: refBceLogits(x, t, opts), wshape: w && (w.length === C ? [C] : shape) };
    }
    case 'mseLoss': {
      const t = f32(x.map(() => r.uniform(-scale, scale)));
      const opts = { reduction };
      return { fn, shape, tshape: shape, input: x, target: t, opts, ref: refMse(x, t, opts) };
    }
    default:
      throw new Error(fn);
  }
}

// Builds the API arguments for a dtype (weights with their own shape).
function apiArgs(c, dtype) {
  const input = ll.tensor(c.input, { dtype, shape: c.shape });
  const isIndex = c.tshape.length < c.shape.length;
  const target = ll.tensor(c.target, { dtype: isIndex ? 'int32' : dtype, shape: c.tshape });
  const opts = { ...c.opts };
  if (opts.weight) opts.weight = ll.tensor(opts.weight, { dtype, shape: c.wshape ?? [opts.weight.length] });
  if (opts.posWeight) opts.posWeight = ll.tensor(opts.posWeight, { dtype });
  return { input, target, opts };
}
const valuesOf = (v) => (typeof v === 'number' ? [v] : Array.from(v.data ?? v));
const refValues = (v) => (typeof v === 'number' ? [v] : v);

function near(got, want, rtol, atol, msg) {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${got}`);
  assert.ok(Math.abs(got - want) <= atol + rtol * Math.abs(want), `${msg}: got ${got}, expected ${want}`);
}

const LOSSES = ['crossEntropyLoss', 'nllLoss', 'bceLoss', 'bceWithLogitsLoss', 'mseLoss'];
const PER_LOSS = 80; // 400 random loss cases in all

for (const fn of LOSSES) {
  test(`${fn}: ${PER_LOSS} random cases match the JS float64 reference, float32 agrees, grads match central differences`, () => {
    const r = rng(0xc0ffee + LOSSES.indexOf(fn));
    for (let k = 0; k < PER_LOSS; k++) {
      const c = genCase(r, fn);
      const tag = `${fn} case ${k} ${JSON.stringify({ shape: c.shape, opts: c.opts })}`;
      const a64 = apiArgs(c, 'float64');
      const v64 = ll[fn](a64.input, a64.target, a64.opts);
      assert.equal(c.opts.reduction === 'none', v64 instanceof ll.Tensor, `${tag}: result kind`);
      const got = valuesOf(v64);
      const want = refValues(c.ref);
      assert.equal(got.length, want.length, `${tag}: result size`);
      got.forEach((g, i) => near(g, want[i], 1e-10, 1e-12, `${tag} float64[${i}]`));

      // float32: the same inputs agree to float32 rounding.
      const a32 = apiArgs(c, 'float32');
      const v32 = ll[fn](a32.input, a32.target, a32.opts);
      const scale = Math.max(1, ...c.input.map(Math.abs));
      valuesOf(v32).forEach((g, i) => near(g, got[i], 1e-5, 1e-5 * scale, `${tag} float32[${i}]`));

      // grad: central differences of the float64 forward (sum of the losses for 'none').
      if (got.some(Number.isNaN)) continue;
      const g = ll.grad[fn](a64.input, a64.target, a64.opts);
      assert.deepEqual(g.shape, c.shape, `${tag}: grad shape`);
      const total = (x) => valuesOf(ll[fn](ll.tensor(x, { shape: c.shape }), a64.target, a64.opts)).reduce((s, v) => s + v, 0);
      for (let i = 0; i < c.input.length; i++) {
        const h = 1e-6 * Math.max(1, Math.abs(c.input[i]));
        const xp = Float64Array.from(c.input);
        const xm = Float64Array.from(c.input);
        xp[i] += h;
        xm[i] -= h;
        const fd = (total(xp) - total(xm)) / (xp[i] - xm[i]);
        near(g.data[i], fd, 1e-5, 1e-6, `${tag} grad[${i}]`);
      }
    }
  });
}

test('softmax, logSoftmax, sigmoid, relu, argmax and max: 200 random tensors vs the JS reference', () => {
  const r = rng(7);
  for (let k = 0; k < 200; k++) {
    const rank = r.int(1, 3);
    const shape = Array.from({ length: rank }, () => r.int(1, 5));
    const size = shape.reduce((a, b) => a * b, 1);
    const data = f32(Array.from({ length: size }, () => r.uniform(-8, 8)));
    const dim = r.int(-rank, rank - 1);
    const d = dim < 0 ? dim + rank : dim;
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const outer = size / (shape[d] * stride);
    // Lines along `dim`: index lists into the flat data.
    const lines = [];
    for (let o = 0; o < outer; o++) {
      for (let s = 0; s < stride; s++) lines.push(Array.from({ length: shape[d] }, (_, j) => o * shape[d] * stride + j * stride + s));
    }
    for (const dtype of ['float64', 'float32']) {
      const tol = dtype === 'float64' ? 1e-14 : 1e-6;
      const x = ll.tensor(data, { dtype, shape });
      const sm = ll.softmax(x, dim);
      const lsm = ll.logSoftmax(x, dim);
      assert.equal(sm.dtype, dtype);
      const am = ll.argmax(x, dim);
      const mx = ll.max(x, dim);
      lines.forEach((idx, li) => {
        const z = idx.map((i) => data[i]);
        const ref = logSoftmaxRow(z);
        idx.forEach((i, j) => {
          near(lsm.data[i], ref[j], tol, tol, `logSoftmax ${dtype} case ${k}`);
          near(sm.data[i], Math.exp(ref[j]), tol, tol, `softmax ${dtype} case ${k}`);
        });
        const best = z.indexOf(Math.max(...z));
        assert.equal(am.data[li], best, `argmax case ${k}`);
        assert.equal(mx.indices.data[li], best, `max indices case ${k}`);
        assert.equal(mx.values.data[li], z[best], `max values case ${k}`);
      });
      assert.equal(ll.max(x), Math.max(...data));
      const sg = ll.sigmoid(x);
      const rl = ll.relu(x);
      data.forEach((v, i) => {
        near(sg.data[i], 1 / (1 + Math.exp(-v)), tol, tol, `sigmoid ${dtype}`);
        assert.equal(rl.data[i], Math.max(v, 0), `relu ${dtype}`);
      });
    }
  }
});

test('manual crossEntropy: 100 random cases vs -sum(y log p), grad vs -y/p', () => {
  const r = rng(11);
  for (let k = 0; k < 100; k++) {
    const n = r.int(1, 8);
    const p = f32(Array.from({ length: n }, () => r.uniform(0.01, 1)));
    const y = f32(Array.from({ length: n }, () => r.uniform(0, 1)));
    const want = -y.reduce((s, v, i) => s + v * Math.log(p[i]), 0);
    near(ll.crossEntropy(y, p), want, 1e-12, 1e-14, `crossEntropy case ${k}`);
    near(ll.crossEntropy(ll.tensor(y, { dtype: 'float32' }), ll.tensor(p, { dtype: 'float32' })), want, 1e-5, 1e-6, `crossEntropy float32 case ${k}`);
    const g = ll.grad.crossEntropy(y, p);
    g.data.forEach((v, i) => near(v, -y[i] / p[i], 1e-12, 1e-14, `grad.crossEntropy case ${k}`));
  }
});

// A result's typed array has an ArrayBuffer of its own, exactly its size (large results in Node are
// allocated without zero-filling, never from a shared pool).
function ownsItsBuffer(t, what) {
  assert.equal(t.data.byteOffset, 0, `${what}: byteOffset`);
  assert.equal(t.data.buffer.byteLength, t.data.byteLength, `${what}: the buffer holds only this result`);
}

test('large and small results each own their ArrayBuffer', () => {
  const r = rng(99);
  for (const dtype of ['float32', 'float64']) {
    for (const [N, C] of [[4, 5], [100, 200], [400, 300]]) {  // small, one block over 64 KB, chunked
      const x = ll.tensor(Float64Array.from({ length: N * C }, () => r.uniform(-5, 5)), { dtype, shape: [N, C] });
      const y = Int32Array.from({ length: N }, (_, i) => (i * 7) % C);
      ownsItsBuffer(ll.softmax(x), `softmax ${dtype} [${N}, ${C}]`);
      ownsItsBuffer(ll.logSoftmax(x, 0), `logSoftmax ${dtype} [${N}, ${C}] dim 0`);
      ownsItsBuffer(ll.crossEntropyLoss(x, y, { reduction: 'none' }), `crossEntropyLoss none ${dtype} [${N}, ${C}]`);
      const g = ll.grad.crossEntropyLoss(x, y);
      ownsItsBuffer(g, `grad.crossEntropyLoss ${dtype} [${N}, ${C}]`);
      assert.ok(g.data.every(Number.isFinite), 'every gradient element was written');
    }
  }
});

// ---------- large inputs: the chunked path of softmax / logSoftmax ----------
// Inputs over 65536 elements are computed in chunks of whole slices along the dim; every slice
// must come out bit for bit as when it is computed on its own (a single-chunk call).
test('softmax and logSoftmax of large inputs equal slice-by-slice results bit for bit', () => {
  const r = rng(4242);
  const heapBefore = ll.memory().heapBytes;
  const cases = [
    { shape: [300, 1000], dim: -1 },  // rows of the last dim, 5 chunks of 65 rows
    { shape: [1, 70000], dim: 1 },    // one slice larger than a chunk
    { shape: [40, 50, 40], dim: 1 },  // a middle dim: 2 chunks of (k, 50, 40)
    { shape: [3, 131, 257], dim: 0 }, // the first dim: a single slice
  ];
  for (const dtype of ['float32', 'float64']) {
    for (const { shape, dim } of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float64Array.from({ length: n }, () => r.uniform(-20, 20));
      data[7] = -Infinity;
      data[n - 3] = 1e4;
      const x = ll.tensor(data, { dtype, shape });
      const d = dim < 0 ? dim + shape.length : dim;
      const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
      const slice = n / outer;
      for (const op of ['softmax', 'logSoftmax']) {
        const got = ll[op](x, dim);
        assert.deepEqual(got.shape, shape);
        assert.equal(got.dtype, dtype);
        ownsItsBuffer(got, `${op} ${dtype} [${shape}]`);
        for (let o = 0; o < outer; o++) {
          const part = ll.tensor(x.data.subarray(o * slice, (o + 1) * slice), { dtype, shape: shape.slice(d) });
          const want = ll[op](part, 0).data;
          const have = got.data.subarray(o * slice, (o + 1) * slice);
          for (let i = 0; i < slice; i++) {
            if (!Object.is(have[i], want[i])) {
              assert.fail(`${op} ${dtype} [${shape}] dim ${dim}: element ${o * slice + i} is ${have[i]}, expected ${want[i]}`);
            }
          }
        }
      }
    }
  }
  assert.equal(ll.memory().heapBytes, heapBefore, 'every chunk buffer was freed');
});

// ---------- large inputs: the chunked path of crossEntropyLoss ----------
// (N, C) inputs over 65536 elements with a mean / sum reduction run in chunks of rows and one
// cascade reduction at the end; the loss must equal the one-block computation (explain's result)
// bit for bit, and errors must name the row as the one-block call does.
test('crossEntropyLoss of large inputs (chunked) equals the one-block result bit for bit', () => {
  const r = rng(777);
  const heapBefore = ll.memory().heapBytes;
  for (const dtype of ['float32', 'float64']) {
    for (const [N, C] of [[300, 1000], [1025, 70], [3, 30000]]) {
      const x = ll.tensor(Float64Array.from({ length: N * C }, () => r.uniform(-8, 8)), { dtype, shape: [N, C] });
      const plain = ll.tensor(Int32Array.from({ length: N }, () => r.int(0, C - 1)));
      const ignored = ll.tensor(Int32Array.from(plain.data, (t, i) => (i % 7 === 3 ? -100 : t)));
      const w = ll.tensor(Float64Array.from({ length: C }, () => r.uniform(0.1, 2)), { dtype });
      const optionSets = [{}, { reduction: 'sum' }, { weight: w }, { weight: w, reduction: 'sum' }];
      for (const [y, label] of [[plain, 'targets'], [ignored, 'ignored rows']]) {
        for (const opts of optionSets) {
          const got = ll.crossEntropyLoss(x, y, opts);
          const want = ll.explain.crossEntropyLoss(x, y, opts).result;
          assert.ok(Object.is(got, want), `${dtype} (${N}, ${C}) ${label} ${JSON.stringify(Object.keys(opts))}: ${got} vs ${want}`);
          assert.ok(Number.isFinite(got));
        }
      }
      // An out-of-range target in the last chunk: the message names its row in the whole batch.
      const bad = Int32Array.from(plain.data);
      bad[N - 1] = C;
      assert.throws(() => ll.crossEntropyLoss(x, ll.tensor(bad)), (e) => e instanceof RangeError &&
        e.message.includes(`target[${N - 1}] = ${C} is out of range`));
    }
  }
  assert.equal(ll.memory().heapBytes, heapBefore, 'every chunk buffer was freed');
});
