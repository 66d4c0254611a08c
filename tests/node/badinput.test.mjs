// Issue #6: every public function rejects every class of bad input with a clear JS Error, and the module stays usable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { load } from '../../web/src/index.js';
import { buildTable, NET_SIZES, NET_X, NET_Y } from './helpers/badinput-table.mjs';

const ll = await load();

// torch 1.13: torch.softmax(torch.tensor([2, 1, 0.1], dtype=torch.float64), -1)
const SOFTMAX_REF = [0.6590011388859679, 0.24243297070471392, 0.09856589040931818];
// torch 1.13: nn.CrossEntropyLoss()(torch.tensor([[1., 2, 3], [1, 0, -1]], dtype=torch.float64), torch.tensor([0, 2]))
const CE_REF = 2.4076059644443806;

// Words that say what was expected instead ("expected ...", "must be ...", "one of ...").
const EXPECTS = /expect|must|should|need|require|only|one of|allowed|valid|between|in \[|>=|<=|unknown|not an? |disposed|memory|too large|integer|finite|does not (fit|match)|missing|out of range/i;

const describeValue = (v) => {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return `${typeof v} ${String(v)}`.slice(0, 200);
  } catch {
    return typeof v;
  }
};

// The module still gives the right answer after an error.
function checkStillUsable() {
  const s = ll.softmax([2, 1, 0.1]);
  assert.equal(s.dtype, 'float64');
  s.data.forEach((v, i) => assert.ok(Math.abs(v - SOFTMAX_REF[i]) <= 1e-15, `softmax[${i}] = ${v}, expected ${SOFTMAX_REF[i]}`));
  const ce = ll.crossEntropyLoss([[1, 2, 3], [1, 0, -1]], [0, 2]);
  assert.ok(Math.abs(ce - CE_REF) <= 1e-14, `crossEntropyLoss = ${ce}, expected ${CE_REF}`);
}

const snapshot = (net) => JSON.stringify(Object.entries(net.stateDict()).map(([k, t]) => [k, t.shape, Array.from(t.data)]));
// A net whose reusable input buffers are already grown (forward/predict/explain leave the weights as they are),
// so that heapBytes deltas of a case are the case's own.
function newNet() {
  const net = ll.mlp({ sizes: NET_SIZES, seed: 1, optimizer: { type: 'sgd', lr: 0.1 } });
  net.forward(NET_X);
  net.predict(NET_X);
  net.explain(NET_X, NET_Y);
  return net;
}

// Runs one case; returns a list of problems (empty when the case behaved).
async function runCase(c, ctx) {
  const problems = [];
  const before = c.net ? snapshot(ctx.net) : null;
  const nets = ll.memory().liveNets;
  let thrown;
  let returned;
  try {
    returned = c.run(ctx);
    if (returned && typeof returned.then === 'function') returned = await returned;
  } catch (e) {
    thrown = { e };
  }
  if (!thrown) {
    problems.push(`did not throw; returned ${describeValue(returned)}`);
  } else {
    const { e } = thrown;
    if (!(e instanceof Error)) problems.push(`threw a non-Error: ${describeValue(e)}`);
    else if (e instanceof WebAssembly.RuntimeError) problems.push(`threw WebAssembly.RuntimeError (abort): ${e.message}`);
    else {
      const msg = String(e.message);
      const fnRe = new RegExp(`(^|[^\\w.])${c.fn.replace('.', '\\.')}\\b`);
      if (!fnRe.test(msg)) problems.push(`message does not name ${c.fn}: "${msg}"`);
      if (!c.arg.test(msg)) problems.push(`message does not name the argument ${c.arg}: "${msg}"`);
      if (!EXPECTS.test(msg)) problems.push(`message does not say what was expected: "${msg}"`);
      if (c.type && e.name !== c.type) problems.push(`threw ${e.name}, expected ${c.type}: "${msg}"`);
      if (!['Error', 'TypeError', 'RangeError'].includes(e.name)) problems.push(`threw ${e.name}: "${msg}"`);
    }
  }
  if (!thrown && c.fn === 'mlp' && typeof returned?.dispose === 'function') returned.dispose();
  if (!thrown && c.net) {
    // A wrongly accepted call may have trained or reconfigured the shared net: start from a fresh one.
    ctx.net.dispose();
    ctx.net = newNet();
  } else if (c.net && snapshot(ctx.net) !== before) {
    problems.push('the failed call changed the net\'s weights');
  }
  if (ll.memory().liveNets !== nets && c.fn !== 'mlp') problems.push(`liveNets went from ${nets} to ${ll.memory().liveNets}`);
  if (c.fn === 'mlp' && thrown && ll.memory().liveNets !== nets) problems.push(`a rejected mlp() left a live net (${nets} -> ${ll.memory().liveNets})`);
  try {
    checkStillUsable();
    if (c.net) {
      const out = ctx.net.forward(NET_X);
      assert.deepEqual(out.shape, [2, 3]);
      assert.ok(out.data.every(Number.isFinite));
    }
  } catch (e) {
    problems.push(`module not usable afterwards: ${describeValue(e)}`);
  }
  return { problems, threw: Boolean(thrown) };
}

test('every public function rejects every class of bad input with a clear Error', async () => {
  const { cases, uncovered } = buildTable(ll);
  assert.deepEqual(uncovered, [], 'functions on ll.grad / ll.explain with no bad-input spec');
  const ctx = { ll, net: newNet(), disposedNet: newNet() };
  ctx.disposedNet.dispose();
  const failures = [];
  const heap0 = ll.memory().heapBytes;
  for (const c of cases) {
    const { problems } = await runCase(c, ctx);
    if (problems.length) failures.push(`${c.fn} | ${c.cls}:\n    ${problems.join('\n    ')}`);
  }
  console.log(`bad inputs tried: ${cases.length} (${new Set(cases.map((c) => c.fn)).size} functions/methods)`);
  // A second pass over the table must not grow the wasm heap: no bad input may leak (error paths).
  const heap1 = ll.memory().heapBytes;
  const leaks = [];
  for (const c of cases) {
    const h = ll.memory().heapBytes;
    const { threw } = await runCase(c, ctx);
    const d = ll.memory().heapBytes - h;
    // (A case that did not throw is already a failure, and may have replaced the shared net.)
    if (threw && d !== 0) leaks.push(`${c.fn} | ${c.cls}: heapBytes +${d}`);
  }
  const heap2 = ll.memory().heapBytes;
  console.log(`heapBytes: start ${heap0}, after pass 1 ${heap1}, after pass 2 ${heap2}`);
  if (leaks.length) console.log(`${leaks.length} bad inputs leak wasm heap on every call:\n${leaks.join('\n')}`);
  ctx.net.dispose();
  if (failures.length) {
    console.log(`${failures.length} of ${cases.length} bad inputs misbehaved:\n${failures.join('\n')}`);
  }
  assert.equal(failures.length, 0, `${failures.length} of ${cases.length} bad inputs misbehaved (listed above)`);
  assert.deepEqual(leaks, [], `the error paths leak: heapBytes ${heap1} -> ${heap2} over one pass of ${cases.length} bad inputs`);
});

test('inputs torch accepts are not rejected (the table lists only real errors)', () => {
  // torch 1.13: NaN propagates through softmax; -100 is the default ignore_index; BCELoss accepts any
  // target value; a (N, C) target of probabilities is valid for CrossEntropyLoss; MSELoss broadcasts a 0-d target.
  assert.ok(ll.softmax([NaN, 1, 2]).data.every(Number.isNaN));
  assert.ok(Number.isFinite(ll.crossEntropyLoss([[1, 2, 3], [1, 0, -1]], [0, -100])));
  assert.ok(Number.isFinite(ll.crossEntropyLoss([[1, 2, 3], [1, 0, -1]], [[0.2, 0.3, 0.5], [1, 0, 0]])));
  assert.ok(Number.isFinite(ll.crossEntropyLoss([[1, 2, 3], [1, 0, -1]], [0, -1], { ignoreIndex: -1 })));
  assert.ok(Number.isFinite(ll.bceLoss([0.2, 0.7], [1.5, -0.5])));
  assert.equal(ll.sigmoid([]).size, 0);
  // torch.softmax(torch.tensor(5.), -1) = tensor(1.)
  assert.equal(ll.softmax(5).item(), 1);
});

// A net far too large for memory, and sizes whose parameter count overflows 32-bit arithmetic (wasm32
// size_t): each must be a clear Error, never an abort or a tiny buffer. Runs in a child process so that a
// hang or crash is reported instead of taking the test runner down.
test('nets too large for memory give a clear Error and leave the module usable', () => {
  const indexUrl = new URL('../../web/src/index.js', import.meta.url).href;
  const child = `
    import { load } from ${JSON.stringify(indexUrl)};
    const ll = await load();
    const out = [];
    const cases = [
      [100000, 100000, 10], [65536, 65536, 2], [46341, 46341, 2], [2, 65536, 65536, 2],
      [2, 2147483647, 2], [1, 1073741824, 1], [30000, 30000, 30000, 10],
      [16384, 16384, 2], // no overflow: just more than the 1 GB wasm heap, so malloc fails at once
    ];
    for (const sizes of cases) for (const dtype of ['float32', 'float64']) {
      const before = ll.memory();
      let r;
      try { const net = ll.mlp({ sizes, dtype }); r = { ok: false, returned: true }; net.dispose(); }
      catch (e) { r = { isError: e instanceof Error, isRuntime: e instanceof WebAssembly.RuntimeError, name: e?.name, message: String(e?.message ?? e) }; }
      const after = ll.memory();
      let usable = true;
      try {
        const s = ll.softmax([2, 1, 0.1]).data[0];
        const n = ll.mlp({ sizes: [4, 3, 2], seed: 0 });
        const loss = n.trainStep([[1, 2, 3, 4]], [1]);
        n.dispose();
        usable = Math.abs(s - 0.6590011388859679) < 1e-15 && Number.isFinite(loss);
      } catch (e) { usable = String(e?.message ?? e); }
      out.push({ sizes, dtype, ...r, liveNetsBefore: before.liveNets, liveNetsAfter: after.liveNets, usable });
    }
    console.log(JSON.stringify(out));
  `;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 90_000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.equal(res.error, undefined, `child failed to run: ${res.error}`);
  assert.equal(res.status, 0, `child exited with ${res.status} / ${res.signal}: ${res.stderr.slice(-2000)}`);
  const results = JSON.parse(res.stdout.trim().split('\n').pop());
  const failures = [];
  for (const r of results) {
    const id = `mlp({ sizes: [${r.sizes}], dtype: '${r.dtype}' })`;
    if (r.returned) failures.push(`${id} did not throw`);
    else if (!r.isError || r.isRuntime) failures.push(`${id} threw ${r.name}: ${r.message}`);
    else {
      if (!/mlp/.test(r.message)) failures.push(`${id}: message does not name mlp: "${r.message}"`);
      if (!(r.name === 'RangeError' || /memory/i.test(r.message))) failures.push(`${id}: expected a RangeError or a message about memory, got ${r.name}: "${r.message}"`);
    }
    if (r.liveNetsAfter !== r.liveNetsBefore) failures.push(`${id}: liveNets ${r.liveNetsBefore} -> ${r.liveNetsAfter}`);
    if (r.usable !== true) failures.push(`${id}: module not usable afterwards (${r.usable})`);
  }
  console.log(`huge nets tried: ${results.length}`);
  assert.deepEqual(failures, []);
});
