// Issue #6 soak: hundreds of thousands of calls, thousands of nets and errors in between leave ll.memory() flat.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { load } from '../../web/src/index.js';

const ll = await load();

// torch 1.13 references (float64 unless noted):
// torch.softmax(torch.tensor([2, 1, 0.1], dtype=torch.float64), -1)[0]
const SOFTMAX0 = 0.6590011388859679;
// nn.CrossEntropyLoss()(torch.tensor([[1., 2, 3], [1, 0, -1]], dtype=torch.float64), torch.tensor([0, 2]))
const CE = 2.4076059644443806;
// nn.MSELoss()(torch.tensor([1., 2, 3], dtype=torch.float64), torch.tensor([0., 2, 5], dtype=torch.float64))
const MSE = 1.6666666666666667;

const X64 = ll.tensor([[1, 2, 3], [1, 0, -1]]);
const X32 = ll.tensor([[1, 2, 3], [1, 0, -1]], { dtype: 'float32' });
const IDX = [0, 2];
const P = ll.tensor([[0.2, 0.7, 0.9], [0.5, 0.1, 0.3]]);
const T01 = ll.tensor([[0, 1, 1], [1, 0, 0]]);

// Each entry makes one public call; the bad ones must throw an Error (caught and counted).
const OPS = [
  () => ll.softmax([2, 1, 0.1]).data[0] === SOFTMAX0 || fail('softmax'),
  () => ll.logSoftmax(X32, 0),
  () => ll.sigmoid(X64),
  () => ll.relu(X32),
  () => ll.argmax(X64),
  () => ll.max(X32, 1),
  () => ll.max(X64),
  () => Math.abs(ll.crossEntropyLoss(X64, IDX) - CE) < 1e-14 || fail('crossEntropyLoss'),
  () => ll.crossEntropyLoss(X32, IDX, { labelSmoothing: 0.1, reduction: 'none' }),
  () => ll.nllLoss(X64, IDX, { weight: [1, 2, 3] }),
  () => ll.bceLoss(P, T01),
  () => ll.bceWithLogitsLoss(X32, T01, { posWeight: [1, 2, 3] }),
  () => Math.abs(ll.mseLoss([1, 2, 3], [0, 2, 5]) - MSE) < 1e-15 || fail('mseLoss'),
  () => ll.crossEntropy([[0, 1, 0]], [[0.2, 0.7, 0.1]]),
  () => ll.grad.crossEntropyLoss(X64, IDX),
  () => ll.grad.bceWithLogitsLoss(X32, T01),
  () => ll.explain.softmax([2, 1, 0.1], -1),
  () => ll.explain.crossEntropyLoss(X32, IDX),
];
const BAD_OPS = [
  () => ll.crossEntropyLoss(X64, [0, 3]),
  () => ll.softmax('abc'),
  () => ll.bceLoss([1.5], [1]),
  () => ll.mseLoss(X64, [1, 2]),
  () => ll.crossEntropyLoss(X32, IDX, { reduction: 'avg' }),
  () => ll.softmax(X64, 5),
  () => ll.grad.nllLoss(X64, [0, -1]),
  () => ll.explain.bceLoss(P, [[1, 0], [0, 1]]),
];

function fail(what) {
  throw new Error(`soak: ${what} gave a wrong value`);
}

function expectError(f) {
  try {
    f();
  } catch (e) {
    if (!(e instanceof Error) || e instanceof WebAssembly.RuntimeError) throw new Error(`soak: bad call threw ${e}`);
    return;
  }
  throw new Error(`soak: a bad call did not throw: ${f}`);
}

// n op calls (one bad call every 25), returns how many were made.
function opRound(n) {
  let calls = 0;
  for (let i = 0; i < n; i++) {
    if (i % 25 === 24) expectError(BAD_OPS[(i / 25) % BAD_OPS.length | 0]);
    else OPS[i % OPS.length]();
    calls++;
  }
  return calls;
}

const NET_X = [[0.5, -1, 2, 0.25], [1, 0, -0.5, 3], [0, 0.5, 0.5, -2]];
const NET_Y = [0, 2, 1];
const OPTIMIZERS = [{ type: 'sgd', lr: 0.1, momentum: 0.9 }, { type: 'adam', lr: 0.01 }, { type: 'sgd', lr: 0.05 }];

// n nets: create, train a few steps (with an error in between), sometimes fit, dispose.
async function netRound(n) {
  for (let i = 0; i < n; i++) {
    const net = ll.mlp({ sizes: [4, 6 + (i % 5), 3], seed: i, optimizer: OPTIMIZERS[i % 3], dtype: i % 2 ? 'float64' : 'float32' });
    for (let s = 0; s < 3; s++) {
      const loss = net.trainStep(NET_X, NET_Y);
      if (!Number.isFinite(loss)) throw new Error(`soak: net ${i} step ${s} loss ${loss}`);
    }
    if (i % 4 === 0) expectError(() => net.trainStep(NET_X, [0, 3, 1]));
    if (i % 7 === 0) expectError(() => net.loadStateDict({ 'linear1.weight': [[1]] }));
    if (i % 5 === 0) expectError(() => net.setOptimizer({ type: 'sgd', lr: -1 }));
    if (i % 6 === 0) expectError(() => net.setLoss('cross_entropy', { weight: [1, 2] }));
    if (i % 10 === 0) {
      net.explain(NET_X, NET_Y);
      net.setLoss('cross_entropy', { labelSmoothing: 0.1 });
      net.loadStateDict(net.stateDict());
      net.grads();
    }
    if (i % 50 === 0) await net.fit(NET_X, NET_Y, { epochs: 2, batchSize: 2 });
    net.predict(NET_X);
    net.dispose();
    if (i % 100 === 0) expectError(() => ll.mlp({ sizes: [4, 0, 3] }));
    if (i % 100 === 50) expectError(() => ll.mlp({ sizes: [4, 3], optimizer: { type: 'adam', eps: -1 } }));
  }
}

test('hundreds of thousands of calls and thousands of nets leave heapBytes and liveNets flat', async () => {
  const t0 = Date.now();
  // Warm-up: first calls may allocate lasting runtime state (Embind type tables, allocator pools).
  opRound(5000);
  await netRound(50);
  const before = ll.memory();
  let calls = 0;
  const NETS = 2000;
  for (let r = 0; r < 10; r++) {
    calls += opRound(20000);
    await netRound(NETS / 10);
  }
  const after = ll.memory();
  const secs = (Date.now() - t0) / 1000;
  console.log(`soak: ${calls} op calls, ${NETS} nets in ${secs.toFixed(1)} s`);
  console.log(`heapBytes before ${before.heapBytes}, after ${after.heapBytes}; liveNets before ${before.liveNets}, after ${after.liveNets}`);
  assert.equal(after.liveNets, before.liveNets);
  assert.ok(Math.abs(after.heapBytes - before.heapBytes) <= 1024, `heapBytes moved by ${after.heapBytes - before.heapBytes} bytes`);
});

test('Tensor objects hold no wasm memory', () => {
  const before = ll.memory().heapBytes;
  const kept = [];
  for (let i = 0; i < 100_000; i++) {
    const t = ll.tensor(i % 2 ? new Float32Array([i, 1, 2, 3]) : [[i, 1], [2, 3]], i % 3 ? {} : { dtype: 'float64' });
    if (i % 10 === 0) kept.push(t);
  }
  const after = ll.memory().heapBytes;
  console.log(`100000 tensors: heapBytes ${before} -> ${after} (${kept.length} still referenced)`);
  assert.equal(after, before);
});

// Nets that are never disposed: once unreachable and collected, the FinalizationRegistry frees them.
// Needs global.gc, so it runs in a child node with --expose-gc.
test('nets dropped without dispose() are freed by the FinalizationRegistry', () => {
  const indexUrl = new URL('../../web/src/index.js', import.meta.url).href;
  const child = `
    import { load } from ${JSON.stringify(indexUrl)};
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const ll = await load();
    // warm up, then measure
    { const n = ll.mlp({ sizes: [4, 8, 3] }); n.trainStep([[1, 2, 3, 4]], [1]); n.dispose(); }
    globalThis.gc(); await tick();
    const base = ll.memory();
    (() => {
      for (let i = 0; i < 500; i++) ll.mlp({ sizes: [4, 8, 3], seed: i }).trainStep([[1, 2, 3, 4]], [i % 3]);
    })();
    const peak = ll.memory();
    let rounds = 0;
    for (; rounds < 100 && ll.memory().liveNets > base.liveNets; rounds++) { globalThis.gc(); await tick(); }
    console.log(JSON.stringify({ base, peak, after: ll.memory(), rounds }));
  `;
  const res = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, `child exited with ${res.status} / ${res.signal}: ${res.stderr.slice(-2000)}`);
  const { base, peak, after, rounds } = JSON.parse(res.stdout.trim().split('\n').pop());
  console.log(`undisposed nets: liveNets ${base.liveNets} -> ${peak.liveNets} -> ${after.liveNets} after ${rounds} gc rounds; heapBytes ${base.heapBytes} -> ${peak.heapBytes} -> ${after.heapBytes}`);
  assert.equal(peak.liveNets, base.liveNets + 500, 'liveNets counts nets not yet disposed');
  assert.ok(peak.heapBytes > base.heapBytes, 'live nets use wasm heap');
  assert.equal(after.liveNets, base.liveNets, 'the FinalizationRegistry freed every unreachable net');
  assert.ok(Math.abs(after.heapBytes - base.heapBytes) <= 1024, `heapBytes ${base.heapBytes} -> ${after.heapBytes} after collection`);
});
