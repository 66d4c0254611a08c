// ll.mlp on the bundled real datasets: digits and breast cancer reach good test accuracy, deterministically.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from '../../web/src/index.js';

const ll = await load();

const accuracy = (pred, y) => {
  let ok = 0;
  for (let i = 0; i < y.size; i++) ok += pred.data[i] === y.data[i] ? 1 : 0;
  return ok / y.size;
};

// Split 80/20 with a fixed seed, standardise with the training set's statistics.
async function prepared(name) {
  const d = await ll.datasets[name]();
  const s = ll.datasets.trainTestSplit(d.x, d.y, { testFraction: 0.2, seed: 7 });
  const { xTrain, xTest } = ll.datasets.standardize(s.xTrain, s.xTest);
  return { xTrain, xTest, yTrain: s.yTrain, yTest: s.yTest };
}

async function trainDigits() {
  const { xTrain, xTest, yTrain, yTest } = await prepared('digits');
  const net = ll.mlp({ sizes: [64, 64, 10], optimizer: { type: 'adam', lr: 0.003 }, seed: 1 });
  try {
    const history = await net.fit(xTrain, yTrain, { epochs: 20, batchSize: 32, seed: 3 });
    return { history, testAccuracy: accuracy(net.predict(xTest), yTest) };
  } finally {
    net.dispose();
  }
}

test('digits: a 64-64-10 relu net with Adam reaches >= 0.96 test accuracy', async (t) => {
  const { history, testAccuracy } = await trainDigits();
  t.diagnostic(`digits test accuracy ${testAccuracy.toFixed(4)}`);
  assert.equal(history.length, 20);
  assert.ok(history[19].loss < history[0].loss, 'the epoch loss falls');
  assert.ok(testAccuracy >= 0.96, `test accuracy ${testAccuracy}`);
});

test('digits: two runs with the same seeds give identical histories', async () => {
  const a = await trainDigits();
  const b = await trainDigits();
  assert.deepEqual(a.history, b.history);
  assert.equal(a.testAccuracy, b.testAccuracy);
});

test('breast cancer: the binary model (sigmoid output + BCE) reaches >= 0.95 test accuracy', async (t) => {
  const { xTrain, xTest, yTrain, yTest } = await prepared('breastCancer');
  const net = ll.mlp({ sizes: [30, 16, 1], output: 'sigmoid', optimizer: { type: 'adam', lr: 0.005 }, seed: 2 });
  try {
    assert.equal(net.loss, 'bce');
    // y is int32 (N); the binary net takes it as float targets of shape (N) for its one output.
    const history = await net.fit(xTrain, yTrain, { epochs: 30, batchSize: 32, seed: 5 });
    assert.ok(history.at(-1).accuracy > 0.95, `training accuracy ${history.at(-1).accuracy}`);
    const acc = accuracy(net.predict(xTest), yTest);
    t.diagnostic(`breast cancer test accuracy ${acc.toFixed(4)}`);
    assert.ok(acc >= 0.95, `test accuracy ${acc}`);
  } finally {
    net.dispose();
  }
});
