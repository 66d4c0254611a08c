// ll.mlp's API behaviour: defaults, validation messages, state dicts, fit, explain, dispose, liveNets, seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import { load } from '../../web/src/index.js';

const ll = await load();

// Runs fn with a fresh net and always disposes it.
function withNet(opts, fn) {
  const net = ll.mlp(opts);
  try {
    return fn(net);
  } finally {
    net.dispose();
  }
}

const X = [[0.5, -0.2, 0.1], [1, 2, 3], [-1, 0.3, 0.7], [0.2, 0.2, -0.4]];
const Y = [0, 1, 1, 0];

test('seed 0 gives the exact weights the native build gives', () => {
  // Same values as tests/cpp/test_mlp.cpp, from an independent Python implementation of
  // splitmix64 -> xoshiro256**: -b + 2b u with b = 1/sqrt(3).
  const expected = [0.11692843994575253, 0.2861048780607284, -0.4583930319713526, -0.09631463673681806, 0.26904150621773804, 0.5770597883733423];
  withNet({ sizes: [3, 2], dtype: 'float64' }, (net) => {
    const sd = net.stateDict();
    assert.deepEqual(Array.from(sd['linear1.weight'].data), expected);
    assert.deepEqual(Array.from(sd['linear1.bias'].data), [-0.0898223953186097, 0.04117069327476208]);
  });
  withNet({ sizes: [3, 2] }, (net) => {
    assert.equal(net.dtype, 'float32');
    assert.deepEqual(Array.from(net.stateDict()['linear1.weight'].data), Array.from(Float32Array.from(expected)));
  });
});

test('same seed -> same weights, another seed -> other weights, all within nn.Linear bounds', () => {
  const a = withNet({ sizes: [784, 5, 3], seed: 7 }, (n) => n.stateDict());
  const b = withNet({ sizes: [784, 5, 3], seed: 7 }, (n) => n.stateDict());
  const c = withNet({ sizes: [784, 5, 3], seed: 8 }, (n) => n.stateDict());
  assert.deepEqual(Object.keys(a), ['linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias']);
  assert.deepEqual(a['linear1.weight'].shape, [5, 784]);
  assert.deepEqual(a['linear2.bias'].shape, [3]);
  assert.deepEqual(a['linear1.weight'].data, b['linear1.weight'].data);
  assert.notDeepEqual(a['linear1.weight'].data, c['linear1.weight'].data);
  const bound = 1 / Math.sqrt(784);
  assert.ok(a['linear1.weight'].data.every((v) => Math.abs(v) <= bound));
  assert.ok(a['linear2.weight'].data.some((v) => Math.abs(v) > bound), 'layer 2 uses fan_in 5');
});

test('defaults follow the documented API', () => {
  withNet({ sizes: [3, 2] }, (net) => {
    assert.equal(net.activation, 'relu');
    assert.equal(net.output, 'logits');
    assert.equal(net.loss, 'cross_entropy');
    assert.deepEqual(net.optimizer, { type: 'sgd', lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
  });
  withNet({ sizes: [3, 1], output: 'sigmoid' }, (net) => assert.equal(net.loss, 'bce'));
});

test('forward takes (N, in) or (in) and keeps the dtype', () => {
  withNet({ sizes: [3, 4, 2], dtype: 'float64' }, (net) => {
    const out = net.forward(X);
    assert.deepEqual(out.shape, [4, 2]);
    assert.equal(out.dtype, 'float64');
    const one = net.forward(X[1]);
    assert.deepEqual(one.shape, [2]);
    assert.deepEqual(Array.from(one.data), Array.from(out.data.slice(2, 4)));
    assert.deepEqual(net.predict(X).shape, [4]);
    assert.equal(net.predict(X).dtype, 'int32');
  });
});

test('trainStep lowers the loss and grads() has the stateDict keys and shapes', () => {
  withNet({ sizes: [3, 8, 2], optimizer: { type: 'sgd', lr: 0.5 }, seed: 3 }, (net) => {
    const first = net.trainStep(X, Y);
    let last = first;
    for (let i = 0; i < 30; i++) last = net.trainStep(X, Y);
    assert.ok(last < first, `loss ${first} -> ${last}`);
    const g = net.grads();
    const sd = net.stateDict();
    for (const k of Object.keys(sd)) assert.deepEqual(g[k].shape, sd[k].shape);
    assert.deepEqual(Array.from(net.predict(X).data), Y);
  });
});

test('one-output nets take y as (N) or (N, 1) and predict by the 0.5 / logit-0 threshold', () => {
  const run = (y) => withNet({ sizes: [3, 1], output: 'sigmoid', seed: 4, dtype: 'float64' }, (n) => n.trainStep(X, y));
  assert.equal(run(Y), run(Y.map((v) => [v])));
  withNet({ sizes: [3, 1], output: 'sigmoid', seed: 4 }, (net) => {
    const p = net.forward(X).data;
    assert.deepEqual(Array.from(net.predict(X).data), Array.from(p, (v) => (v > 0.5 ? 1 : 0)));
  });
  withNet({ sizes: [3, 1], loss: 'bce_with_logits', seed: 4 }, (net) => {
    const z = net.forward(X).data;
    assert.deepEqual(Array.from(net.predict(X).data), Array.from(z, (v) => (v > 0 ? 1 : 0)));
  });
});

test('validation messages name mlp and the option', () => {
  const bad = (opts, cls, re) => assert.throws(() => ll.mlp(opts), (e) => e instanceof cls && re.test(e.message), JSON.stringify(opts));
  bad(undefined, TypeError, /^mlp: expected an options object/);
  bad({}, TypeError, /^mlp: sizes must be an array/);
  bad({ sizes: [3] }, RangeError, /^mlp: sizes must have at least 2 entries/);
  bad({ sizes: [3, 0] }, RangeError, /^mlp: sizes\[1\] = 0 is not a positive integer/);
  bad({ sizes: [3, 2.5] }, RangeError, /sizes\[1\] = 2.5/);
  bad({ sizes: [3, 2], activation: 'gelu' }, RangeError, /^mlp: activation is 'gelu'; expected 'relu', 'sigmoid' or 'tanh'/);
  bad({ sizes: [3, 2], output: 'softmax' }, RangeError, /^mlp: output is 'softmax'/);
  bad({ sizes: [3, 2], loss: 'hinge' }, RangeError, /^mlp: loss is 'hinge'/);
  bad({ sizes: [3, 2], dtype: 'int32' }, RangeError, /^mlp: dtype is 'int32'/);
  bad({ sizes: [3, 2], optimizer: { type: 'rmsprop' } }, RangeError, /^mlp: optimizer.type is 'rmsprop'/);
  bad({ sizes: [3, 2], optimizer: { type: 'sgd', betas: [0.9, 0.99] } }, TypeError, /^mlp: unknown optimizer key 'betas'/);
  bad({ sizes: [3, 2], optimizer: { type: 'sgd', lr: -1 } }, RangeError, /^mlp: optimizer.lr must be/);
  bad({ sizes: [3, 2], optimizer: { type: 'sgd', momentum: 0, nesterov: true } }, RangeError, /nesterov requires momentum > 0/);
  bad({ sizes: [3, 2], optimizer: { type: 'adam', betas: [1.5, 0.999] } }, RangeError, /optimizer.betas\[0\] must be in \[0, 1\)/);
  bad({ sizes: [3, 2], lossOptions: { reduction: 'none' } }, RangeError, /^mlp: lossOptions.reduction 'none' is not supported for a net/);
  bad({ sizes: [3, 2], lossOptions: { weight: [1, 2, 3] } }, RangeError, /^mlp: lossOptions.weight has 3 elements; expected one per class \(2\)/);
  bad({ sizes: [3, 2], loss: 'mse', lossOptions: { labelSmoothing: 0.1 } }, TypeError, /^mlp: unknown lossOptions key 'labelSmoothing'/);
  bad({ sizes: [3, 2], seed: -1 }, RangeError, /^mlp: seed must be a non-negative integer/);
  bad({ sizes: [3, 2], hidden: 4 }, TypeError, /^mlp: unknown option key 'hidden'/);
  assert.equal(ll.memory().liveNets, 0, 'failed constructions leave no net behind');
});

test('trainStep / forward / loadStateDict check shapes and values', () => {
  withNet({ sizes: [3, 2] }, (net) => {
    assert.throws(() => net.forward([[1, 2]]), { name: 'RangeError', message: 'forward: x has shape [1, 2]; expected (N, 3) or (3)' });
    assert.throws(() => net.trainStep(X, [0, 1]), { name: 'RangeError', message: /^trainStep: y has shape \[2\]; expected class indices of shape \[4\]/ });
    assert.throws(() => net.trainStep(X, [0, 1, 2, 0]), { name: 'RangeError', message: 'trainStep: y[2] = 2 is out of range; expected a class index in [0, 2)' });
    assert.throws(() => net.trainStep(X, [0, 1.5, 1, 0]), { name: 'RangeError', message: /^trainStep: y\[1\] = 1.5 is not an int32 integer/ });
    assert.throws(() => net.trainStep([[NaN, 0, 0]], [0]), { name: 'RangeError', message: 'trainStep: x[0, 0] is NaN; expected finite numbers' });
    assert.throws(() => net.loadStateDict({ 'linear1.weight': [[1, 2, 3]], 'linear1.bias': [0, 0] }), { name: 'RangeError', message: "loadStateDict: 'linear1.weight' has shape [1, 3]; expected [2, 3]" });
    assert.throws(() => net.loadStateDict({ 'linear1.weight': [[1, 2, 3], [4, 5, 6]] }), { name: 'RangeError', message: "loadStateDict: missing key 'linear1.bias' (shape [2])" });
    assert.throws(() => net.loadStateDict({ 'linear1.weight': [[1, 2, 3], [4, 5, 6]], 'linear1.bias': [0, 0], 'linear2.bias': [1] }), { name: 'RangeError', message: /^loadStateDict: unexpected key 'linear2.bias'/ });
    // The net is still usable after every error.
    assert.equal(typeof net.trainStep(X, Y), 'number');
  });
  withNet({ sizes: [3, 1], loss: 'mse' }, (net) => {
    assert.throws(() => net.trainStep(X, [[1, 2], [3, 4], [5, 6], [7, 8]]), { name: 'RangeError', message: "trainStep: y has shape [4, 2]; expected [4, 1] or [4] for loss 'mse'" });
  });
  withNet({ sizes: [3, 1], output: 'sigmoid' }, (net) => {
    assert.throws(() => net.trainStep(X, [0, 2, 1, 0]), { name: 'RangeError', message: "trainStep: y contains 2; loss 'bce' expects targets in [0, 1]" });
  });
});

test('loadStateDict accepts nested arrays (JSON of a torch state_dict) and round-trips', () => {
  withNet({ sizes: [3, 2], dtype: 'float64' }, (net) => {
    const sd = { 'linear1.weight': [[1, 2, 3], [4, 5, 6]], 'linear1.bias': [0.5, -0.5] };
    net.loadStateDict(sd);
    assert.deepEqual(net.stateDict()['linear1.weight'].tolist(), sd['linear1.weight']);
    // Hand-computed: [1, 0, 0] @ W^T + b = [1.5, 3.5]
    assert.deepEqual(net.forward([1, 0, 0]).tolist(), [1.5, 3.5]);
    const copy = ll.mlp({ sizes: [3, 2], dtype: 'float64', seed: 99 });
    copy.loadStateDict(net.stateDict());
    assert.deepEqual(copy.forward(X).tolist(), net.forward(X).tolist());
    copy.dispose();
  });
});

test('a loss that becomes non-finite throws naming the step and keeps the weights', () => {
  withNet({ sizes: [3, 2], loss: 'mse', dtype: 'float64' }, (net) => {
    const y = X.map(() => [0, 1]);
    net.trainStep(X, y);
    const before = net.stateDict();
    const huge = X.map(() => [1e300, -1e300]);
    assert.throws(() => net.trainStep(X, huge), { name: 'Error', message: 'trainStep: the loss became Infinity at step 2; try a lower learning rate' });
    assert.deepEqual(net.stateDict(), before);
  });
  withNet({ sizes: [3, 2], dtype: 'float32', optimizer: { type: 'sgd', lr: 1e30 } }, (net) => {
    // float32 overflows at ~3.4e38: the first update of weights ~0.3 by lr 1e30 * large grads goes to
    // Infinity within a few steps; the error names that step and the weights stay finite.
    let err;
    for (let i = 0; i < 20 && !err; i++) {
      try {
        net.trainStep(X.map((r) => r.map((v) => v * 1e9)), Y);
      } catch (e) {
        err = e;
      }
    }
    assert.ok(err, 'expected a non-finite error');
    assert.match(err.message, /^trainStep: (the loss|a gradient|a weight) became (NaN|-?Infinity) at step \d+; try a lower learning rate$/);
    assert.ok(Object.values(net.stateDict()).every((t) => t.data.every(Number.isFinite)));
  });
});

test('setOptimizer and setLoss change the training', () => {
  withNet({ sizes: [3, 2], seed: 1, dtype: 'float64' }, (net) => {
    const w0 = net.stateDict()['linear1.weight'].data.slice();
    net.setOptimizer({ type: 'sgd', lr: 0 });
    net.trainStep(X, Y);
    assert.deepEqual(net.stateDict()['linear1.weight'].data, w0, 'lr 0 changes nothing');
    net.setOptimizer({ type: 'adam', lr: 0.1 });
    assert.equal(net.optimizer.type, 'adam');
    assert.deepEqual(net.optimizer.betas, [0.9, 0.999]);
    net.trainStep(X, Y);
    // Adam's first step moves every weight with a non-zero gradient by ~lr.
    const w1 = net.stateDict()['linear1.weight'].data;
    assert.ok(w1.every((v, i) => Math.abs(Math.abs(v - w0[i]) - 0.1) < 1e-3));
    net.setLoss('cross_entropy', { labelSmoothing: 0.1, reduction: 'sum' });
    assert.throws(() => net.setLoss('cross_entropy', { reduction: 'none' }), { name: 'RangeError', message: /^setLoss: lossOptions.reduction 'none'/ });
    net.setLoss('mse');
    assert.equal(net.loss, 'mse');
    assert.throws(() => net.trainStep(X, Y), { name: 'RangeError', message: /^trainStep: y has shape \[4\]; expected \[4, 2\]/ });
  });
});

test('explain shows forward, loss, backward and the update without changing the net', () => {
  withNet({ sizes: [3, 4, 2], activation: 'tanh', optimizer: { type: 'adam', lr: 0.05 }, dtype: 'float64', seed: 5 }, (net) => {
    net.trainStep(X, Y);
    const before = net.stateDict();
    const grads = net.grads();
    const { steps } = net.explain(X, Y);
    assert.deepEqual(net.stateDict(), before);
    assert.deepEqual(net.grads(), grads);
    const ids = steps.map((s) => s.id);
    for (const id of ['input', 'linear1.z', 'linear1.tanh', 'linear2.z', 'loss', 'output.grad', 'linear1.weight.grad', 'linear2.bias.grad', 'linear1.weight.update', 'linear1.weight.new']) {
      assert.ok(ids.includes(id), `step ${id}`);
    }
    const loss = steps.find((s) => s.id === 'loss').value;
    const stepLoss = net.trainStep(X, Y);
    assert.equal(loss, stepLoss);
    assert.deepEqual(steps.find((s) => s.id === 'linear2.weight.new').value.data, net.stateDict()['linear2.weight'].data);
    assert.ok(steps.every((s) => typeof s.title === 'string' && typeof s.formula === 'string'));
  });
});

test('fit returns a per-epoch history, is deterministic for a seed and yields between batches', async () => {
  const toy = ll.datasets.toy('blobs', { n: 120, noise: 0.3, seed: 1, classes: 3 });
  const run = async () => {
    const net = ll.mlp({ sizes: [2, 8, 3], optimizer: { type: 'adam', lr: 0.05 }, seed: 2 });
    const seen = [];
    // Queued before fit starts: it runs during epoch 1 only if fit yields between batches.
    let yielded = false;
    setImmediate(() => {
      yielded = true;
    });
    try {
      const h = await net.fit(toy.x, toy.y, { epochs: 5, batchSize: 16, seed: 9, onEpochEnd: (e) => seen.push([e.epoch, yielded]) });
      return { h, seen };
    } finally {
      net.dispose();
    }
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a.h, b.h);
  assert.deepEqual(a.seen, [[1, true], [2, true], [3, true], [4, true], [5, true]]);
  assert.deepEqual(Object.keys(a.h[0]), ['epoch', 'loss', 'accuracy']);
  assert.ok(a.h[4].loss < a.h[0].loss);
  assert.ok(a.h[4].accuracy > 0.9, `accuracy ${a.h[4].accuracy}`);
  const net = ll.mlp({ sizes: [2, 3] });
  await assert.rejects(net.fit(toy.x, toy.y, { batchSize: 0 }), { name: 'RangeError', message: /^fit: batchSize must be a positive integer/ });
  await assert.rejects(net.fit(toy.x, toy.y, { epoch: 2 }), { name: 'TypeError', message: /^fit: unknown option key 'epoch'/ });
  const other = await net.fit(toy.x, toy.y, { epochs: 1, seed: 10 });
  const noShuffle = await net.fit(toy.x, toy.y, { epochs: 1, shuffle: false });
  assert.equal(other.length, 1);
  assert.equal(noShuffle.length, 1);
  net.dispose();
});

test('dispose frees the net, later use throws, liveNets counts', () => {
  const live = ll.memory().liveNets;
  const a = ll.mlp({ sizes: [3, 2] });
  const b = ll.mlp({ sizes: [3, 2] });
  assert.equal(ll.memory().liveNets, live + 2);
  a.dispose();
  assert.equal(ll.memory().liveNets, live + 1);
  a.dispose(); // a second dispose is harmless
  assert.equal(ll.memory().liveNets, live + 1);
  for (const call of [() => a.forward(X), () => a.trainStep(X, Y), () => a.stateDict(), () => a.grads(), () => a.explain(X, Y)]) {
    assert.throws(call, { name: 'Error', message: /: this net has been disposed; create a new one with ll.mlp\(\)$/ });
  }
  b.dispose();
  assert.equal(ll.memory().liveNets, live);
});

test('nets that are never disposed are freed by the FinalizationRegistry after GC', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const base = ll.memory();
  (() => {
    for (let i = 0; i < 3; i++) ll.mlp({ sizes: [100, 50, 10] }).forward(new Array(100).fill(0));
  })();
  assert.equal(ll.memory().liveNets, base.liveNets + 3);
  for (let i = 0; i < 50 && ll.memory().liveNets > base.liveNets; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(ll.memory().liveNets, base.liveNets);
  assert.ok(ll.memory().heapBytes <= base.heapBytes + 4096, 'their wasm memory is freed');
});

test('heap memory falls back after nets are disposed', () => {
  const base = ll.memory().heapBytes;
  const nets = Array.from({ length: 5 }, (_, i) => ll.mlp({ sizes: [784, 64, 10], seed: i }));
  for (const n of nets) n.trainStep(ll.tensor(new Float32Array(8 * 784), { shape: [8, 784] }), new Int32Array(8));
  assert.ok(ll.memory().heapBytes > base + 5 * 784 * 64 * 4);
  for (const n of nets) n.dispose();
  assert.ok(ll.memory().heapBytes <= base + 4096, `${ll.memory().heapBytes} vs ${base}`);
});

test('datasets.toy is deterministic, checks its options, and trainTestSplit/standardize work', async () => {
  for (const name of ['blobs', 'circles', 'xor', 'spiral']) {
    const a = ll.datasets.toy(name, { n: 40, seed: 3 });
    const b = ll.datasets.toy(name, { n: 40, seed: 3 });
    assert.deepEqual(a.x.shape, [40, 2]);
    assert.equal(a.x.dtype, 'float64');
    assert.equal(a.y.dtype, 'int32');
    assert.deepEqual(a.x.data, b.x.data);
  }
  assert.throws(() => ll.datasets.toy('moons'), { name: 'RangeError', message: /^datasets.toy: unknown dataset "moons"/ });
  assert.throws(() => ll.datasets.toy('xor', { classes: 3 }), { name: 'RangeError', message: /^datasets.toy: 'xor' has 2 classes/ });
  const iris = await ll.datasets.iris();
  assert.deepEqual(iris.x.shape, [150, 4]);
  assert.deepEqual(iris.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.match(iris.source, /UCI/);
  const s = ll.datasets.trainTestSplit(iris.x, iris.y, { seed: 1 });
  assert.deepEqual(s.xTest.shape, [30, 4]);
  assert.deepEqual(s.yTrain.shape, [120]);
  const { xTrain, xTest, mean } = ll.datasets.standardize(s.xTrain, s.xTest);
  assert.deepEqual(xTest.shape, [30, 4]);
  for (let j = 0; j < 4; j++) {
    let m = 0;
    for (let i = 0; i < 120; i++) m += xTrain.data[i * 4 + j];
    assert.ok(Math.abs(m / 120) < 1e-12, 'training columns have mean 0');
  }
  assert.equal(mean.shape[0], 4);
});
