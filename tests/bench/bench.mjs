// `npm run bench` (issue #5): LogitLab vs TF.js 4.22 (wasm SIMD 1 thread, cpu) vs plain JS, one process.
//
//   node tests/bench/bench.mjs [--quick] [--only=<substring of a workload name>]
//
// Every implementation runs in this one Node process, single-threaded. Per workload: each
// implementation is warmed up for >= 400 ms, then the samples are interleaved round-robin over
// the implementations; each sample times enough back-to-back calls to last ~60 ms; the table
// shows the median ms per call (IQR in results.json). Results go to tests/bench/results.json.
// Inputs are created once per workload outside the timed region in each library's own form
// (ll.tensor / tf.tensor / Float32Array); every timed call returns its result to JS (a Tensor
// with data, a typed array from dataSync(), or a number), as a user of each library gets it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

import { measure } from './harness.mjs';
import * as plain from './plain.mjs';
import { TfMlp, crossEntropyImpl, initTf, softmaxImpl, tf, use } from './tfjs.mjs';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = (args.find((a) => a.startsWith('--only=')) || '').slice(7);
const TIMING = QUICK ? { warmupMs: 150, sampleMs: 20, samples: 5 }
                     : { warmupMs: 400, sampleMs: 60, samples: 21 };
const root = new URL('../../', import.meta.url);

// ---- deterministic inputs (mulberry32), identical for every implementation ----
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function uniform(n, lo, hi, seed) {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ++i) out[i] = lo + (hi - lo) * r();
  return out;
}
function classes(n, k, seed) {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; ++i) out[i] = Math.floor(r() * k);
  return out;
}
// nn.Linear's default init U(-1/sqrt(in), 1/sqrt(in)) for weight (out, in) and bias, torch layout.
function initWeights(nIn, nHidden, nOut, seed) {
  const a1 = 1 / Math.sqrt(nIn);
  const a2 = 1 / Math.sqrt(nHidden);
  return {
    w1: uniform(nHidden * nIn, -a1, a1, seed), b1: uniform(nHidden, -a1, a1, seed + 1),
    w2: uniform(nOut * nHidden, -a2, a2, seed + 2), b2: uniform(nOut, -a2, a2, seed + 3),
  };
}
function oneHot(y, k) {
  const out = new Float32Array(y.length * k);
  y.forEach((c, i) => { out[i * k + c] = 1; });
  return out;
}
// Fisher-Yates permutation of 0..n-1 from a seeded generator (plain JS and TF.js fit loops).
function permutation(n, r) {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
// LogitLab parts that were not available (only while other parts are still being written):
// the run still prints the other columns but exits non-zero.
const missing = new Set();
function hasMlp(ll) {
  if (ll && typeof ll.mlp === 'function') return true;
  if (ll && !missing.has('ll.mlp')) console.log('LogitLab ll.mlp: not available yet');
  if (ll) missing.add('ll.mlp');
  return false;
}
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

// ---- LogitLab: the public API, plus the bench module (SIMD peak, compute-only probes) ----
// build-wasm/bench/logitlab_bench.{mjs,wasm} (tests/bench/cpp/, built by `npm run bench`): the same
// core library as web/wasm/logitlab.wasm, with the benchmark-only functions bound.
async function loadBenchModule() {
  const dir = new URL('build-wasm/bench/', root);
  try {
    const create = (await import(new URL('logitlab_bench.mjs', dir))).default;
    return await create({ wasmBinary: readFileSync(new URL('logitlab_bench.wasm', dir)) });
  } catch (e) {
    console.log(`bench module: not available (${e.message.split('\n')[0]}); build it with ` +
                '`cmake --build build-wasm --target logitlab_bench` (npm run bench does)');
    return null;
  }
}
async function loadLogitLab() {
  try {
    const { load } = await import(new URL('web/src/index.js', root));
    const ll = await load();
    return { ll, raw: await loadBenchModule() };
  } catch (e) {
    console.log(`LogitLab: not available yet (${e.message.split('\n')[0]})`);
    missing.add('load()');
    return { ll: null, raw: null };
  }
}

// Median GFLOP/s of the f32x4 multiply-add loop in LogitLab's wasm (tests/bench/cpp/peak.cpp, in the bench module).
function simdPeak(raw) {
  if (!raw || typeof raw._simdPeakFlops !== 'function') return null;
  const run = (iters) => {
    const t0 = performance.now();
    const flops = raw._simdPeakFlops(iters);
    return flops / ((performance.now() - t0) * 1e6);
  };
  const t0 = performance.now();
  while (performance.now() - t0 < TIMING.warmupMs) run(1e6);
  const g = [];
  for (let i = 0; i < TIMING.samples; ++i) g.push(run(QUICK ? 2e6 : 5e6));
  g.sort((a, b) => a - b);
  return { gflops: g[g.length >> 1], simd: raw._simdPeakIsSimd() };
}

// ---- workloads: each returns { impls, check() } ----
const NAMES = { ll: 'LogitLab', wasm: 'TF.js-wasm', cpu: 'TF.js-cpu', js: 'plain JS' };
const KERNEL = 'LogitLab C++ only';
const PEAK = 'SIMD peak loop';
const PEAK_ITERS = 100000;  // ~0.3-0.5 ms per call

// Wraps a TF.js implementation so each sample first switches to its backend.
function tfImpl(backend, make) {
  const impl = make();
  return { name: NAMES[backend], ...impl, beforeSample: async () => {
    await use(backend);
    if (impl.reset) impl.reset();
  } };
}
async function withBackend(backend, fn) {
  await use(backend);
  return fn();
}

async function softmaxWorkload(ll, rows, cols) {
  const x = uniform(rows * cols, -4, 4, 11 + rows);
  const impls = [];
  const outs = {};
  if (ll) {
    const xt = ll.tensor(x, { shape: [rows, cols] });
    impls.push({ name: NAMES.ll, run: () => ll.softmax(xt).data });
  }
  for (const b of ['wasm', 'cpu']) {
    impls.push(await withBackend(b, () => tfImpl(b, () => softmaxImpl(x, rows, cols))));
  }
  impls.push({ name: NAMES.js, run: () => plain.softmax(x, rows, cols) });
  for (const impl of impls) {
    if (impl.beforeSample) await impl.beforeSample();
    outs[impl.name] = impl.run();
  }
  const check = () => maxAbsDiff(outs, 1e-6);
  return { impls, check };
}

async function crossEntropyWorkload(ll, rows, cols) {
  const x = uniform(rows * cols, -4, 4, 21);
  const y = classes(rows, cols, 22);
  const impls = [];
  if (ll) {
    const xt = ll.tensor(x, { shape: [rows, cols] });
    const yt = ll.tensor(y);
    impls.push({ name: NAMES.ll, run: () => ll.crossEntropyLoss(xt, yt) });
  }
  for (const b of ['wasm', 'cpu']) {
    impls.push(await withBackend(b, () => tfImpl(b, () => crossEntropyImpl(x, y, rows, cols))));
  }
  impls.push({ name: NAMES.js, run: () => plain.crossEntropy(x, y, rows, cols) });
  const outs = {};
  for (const impl of impls) {
    if (impl.beforeSample) await impl.beforeSample();
    outs[impl.name] = [impl.run()];
  }
  return { impls, check: () => maxRelDiff(outs, 1e-5) };
}

const MLP = { nIn: 784, nHidden: 128, nOut: 10, lr: 0.01 };

// LogitLab net with the given torch-layout weights loaded through the public stateDict API.
function llNet(ll, { nIn, nHidden, nOut, lr }, w) {
  const net = ll.mlp({ sizes: [nIn, nHidden, nOut], optimizer: { type: 'sgd', lr }, seed: 0,
                       dtype: 'float32' });
  const dict = {
    'linear1.weight': ll.tensor(w.w1, { shape: [nHidden, nIn] }),
    'linear1.bias': ll.tensor(w.b1),
    'linear2.weight': ll.tensor(w.w2, { shape: [nOut, nHidden] }),
    'linear2.bias': ll.tensor(w.b2),
  };
  return { net, reset: () => net.loadStateDict(dict) };
}

async function mlpStepWorkload(ll, batch) {
  const { nIn, nHidden, nOut, lr } = MLP;
  const w = initWeights(nIn, nHidden, nOut, 31);
  const x = uniform(batch * nIn, 0, 1, 32 + batch);
  const y = classes(batch, nOut, 33 + batch);
  const impls = [];
  if (hasMlp(ll)) {
    const { net, reset } = llNet(ll, MLP, w);
    const xt = ll.tensor(x, { shape: [batch, nIn] });
    const yt = ll.tensor(y);
    impls.push({ name: NAMES.ll, run: () => net.trainStep(xt, yt), beforeSample: reset,
                 dispose: () => net.dispose() });
  }
  for (const b of ['wasm', 'cpu']) {
    impls.push(await withBackend(b, () => tfImpl(b, () => {
      const m = new TfMlp(nIn, nHidden, nOut, lr);
      const xt = tf.tensor2d(x, [batch, nIn]);
      const yt = tf.tensor2d(oneHot(y, nOut), [batch, nOut]);
      return { run: () => m.trainStep(xt, yt).loss, reset: () => m.load(w),
               dispose: () => { m.dispose(); tf.dispose([xt, yt]); } };
    })));
  }
  const pm = new plain.Mlp(nIn, nHidden, nOut, batch, lr);
  impls.push({ name: NAMES.js, run: () => pm.trainStep(x, y, batch), beforeSample: () => pm.load(w) });
  // Two steps from the same weights: the losses agree only if forward, backward and update do.
  const outs = {};
  for (const impl of impls) {
    await impl.beforeSample();
    outs[impl.name] = [impl.run(), impl.run()];
  }
  return { impls, check: () => maxRelDiff(outs, 1e-4) };
}

async function fitWorkload(ll) {
  const d = JSON.parse(readFileSync(new URL('web/data/digits.json', root), 'utf8'));
  const n = d.nSamples;
  const nIn = d.nFeatures;
  const nOut = d.classNames.length;
  const x = Float32Array.from(d.x, (v) => v / 16);  // pixel counts 0..16 -> [0, 1]
  const y = Int32Array.from(d.y);
  const cfg = { nIn, nHidden: 128, nOut, lr: 0.1 };
  const batchSize = 32;
  const w = initWeights(nIn, cfg.nHidden, nOut, 41);
  const impls = [];
  const hist = {};
  if (hasMlp(ll)) {
    const { net, reset } = llNet(ll, cfg, w);
    const xt = ll.tensor(x, { shape: [n, nIn] });
    const yt = ll.tensor(y);
    let seed = 0;
    impls.push({ name: NAMES.ll, beforeSample: reset, dispose: () => net.dispose(),
      runAsync: async () => {
        const h = await net.fit(xt, yt, { epochs: 1, batchSize, shuffle: true, seed: seed++ });
        hist[NAMES.ll] = h[0];
      } });
  }
  // TF.js: a manual epoch (tfjs-core has no model.fit; tfjs-layers is not a dependency):
  // shuffle, tf.gather each batch, the same minimize step as above; yields between batches
  // like LogitLab's fit and tfjs-layers' fit do.
  for (const b of ['wasm', 'cpu']) {
    impls.push(await withBackend(b, () => tfImpl(b, () => {
      const m = new TfMlp(nIn, cfg.nHidden, nOut, cfg.lr);
      const xt = tf.tensor2d(x, [n, nIn]);
      const yt = tf.tensor2d(oneHot(y, nOut), [n, nOut]);
      const labels = tf.tensor1d(y, 'int32');
      const r = rng(51);
      return {
        reset: () => m.load(w),
        dispose: () => { m.dispose(); tf.dispose([xt, yt, labels]); },
        runAsync: async () => {
          const perm = permutation(n, r);
          let loss = 0;
          let correct = 0;
          let batches = 0;
          for (let s = 0; s < n; s += batchSize) {
            const idx = tf.tensor1d(perm.subarray(s, Math.min(n, s + batchSize)), 'int32');
            const [xb, yb, lb] = [tf.gather(xt, idx), tf.gather(yt, idx), tf.gather(labels, idx)];
            const res = m.trainStep(xb, yb, lb);
            tf.dispose([idx, xb, yb, lb]);
            loss += res.loss;
            correct += res.correct;
            ++batches;
            await yieldToEventLoop();
          }
          hist[NAMES[b]] = { loss: loss / batches, accuracy: correct / n };
        },
      };
    })));
  }
  const pm = new plain.Mlp(nIn, cfg.nHidden, nOut, batchSize, cfg.lr);
  const xb = new Float32Array(batchSize * nIn);
  const yb = new Int32Array(batchSize);
  const r = rng(61);
  impls.push({ name: NAMES.js, beforeSample: () => pm.load(w), runAsync: async () => {
    const perm = permutation(n, r);
    let loss = 0;
    let correct = 0;
    let batches = 0;
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      for (let i = 0; i < m; ++i) {
        xb.set(x.subarray(perm[s + i] * nIn, (perm[s + i] + 1) * nIn), i * nIn);
        yb[i] = y[perm[s + i]];
      }
      loss += pm.trainStep(xb, yb, m);
      correct += pm.correct;
      ++batches;
      await yieldToEventLoop();
    }
    hist[NAMES.js] = { loss: loss / batches, accuracy: correct / n };
  } });
  // A sample may run several epochs in a row; keep each implementation's FIRST epoch after the
  // reset in beforeSample, so every implementation is compared on one epoch from the same weights.
  for (const impl of impls) {
    const { beforeSample, runAsync } = impl;
    let fresh = false;
    impl.beforeSample = async () => {
      if (beforeSample) await beforeSample();
      fresh = true;
    };
    impl.runAsync = async () => {
      const first = fresh;
      const kept = hist[impl.name];
      fresh = false;
      await runAsync();
      if (!first && kept) hist[impl.name] = kept;
    };
  }
  // One epoch from the same weights: shuffles differ, so compare loosely: every implementation
  // learned (mean loss below the initial ~ln 10, accuracy above chance) and they are close.
  const check = () => {
    const losses = Object.values(hist).map((h) => h.loss);
    const accs = Object.values(hist).map((h) => h.accuracy);
    const ok = losses.length === impls.length && losses.every((l) => l < 2.2) &&
               accs.every((a) => a > 0.3) && Math.max(...losses) - Math.min(...losses) < 0.1;
    const detail = Object.entries(hist).map(([k, h]) =>
      `${k} loss ${h.loss.toFixed(3)} acc ${h.accuracy.toFixed(3)}`).join('; ');
    return { ok, detail: `one epoch: ${detail}` };
  };
  return { impls, check, warmCheck: true };
}

function maxAbsDiff(outs, tol) {
  const names = Object.keys(outs);
  const ref = outs[NAMES.js];
  let worst = 0;
  for (const k of names) for (let i = 0; i < ref.length; ++i) {
    worst = Math.max(worst, Math.abs(outs[k][i] - ref[i]));
  }
  return { ok: worst <= tol, detail: `max |diff| vs plain JS ${worst.toExponential(2)} (tol ${tol})` };
}
function maxRelDiff(outs, tol) {
  const ref = outs[NAMES.js];
  let worst = 0;
  for (const v of Object.values(outs)) for (let i = 0; i < ref.length; ++i) {
    worst = Math.max(worst, Math.abs(v[i] - ref[i]) / Math.abs(ref[i]));
  }
  const vals = Object.entries(outs).map(([k, v]) => `${k} ${v.map((e) => e.toFixed(6)).join('/')}`);
  return { ok: worst <= tol, detail: `max rel diff ${worst.toExponential(2)} (tol ${tol}): ${vals.join('; ')}` };
}

// FLOPs of one 784-128-10 train step at batch B, nominal: forward 2B(784*128 + 128*10), backward
// ~2x that. The work LogitLab really does is less: it skips the first layer's input gradient, so
// forward + both weight gradients + the hidden layer's input gradient.
const mlpStepFlops = (B) => 3 * 2 * B * (MLP.nIn * MLP.nHidden + MLP.nHidden * MLP.nOut);
const mlpStepFlopsDone = (B) => 2 * B * (2 * MLP.nIn * MLP.nHidden + 3 * MLP.nHidden * MLP.nOut);

const WORKLOADS = [
  { name: 'softmax 1024x1000', goal: 1.0, make: (ll) => softmaxWorkload(ll, 1024, 1000),
    probe: (raw, k) => raw._probeSoftmax(1024, 1000, k) },
  { name: 'softmax 64x10', goal: 3, make: (ll) => softmaxWorkload(ll, 64, 10),
    probe: (raw, k) => raw._probeSoftmax(64, 10, k), probeCalls: 100 },
  { name: 'crossEntropyLoss 1024x1000', goal: 10, make: (ll) => crossEntropyWorkload(ll, 1024, 1000),
    probe: (raw, k) => raw._probeCrossEntropy(1024, 1000, k) },
  { name: 'MLP trainStep b64', goal: 8, flops: mlpStepFlops(64), flopsDone: mlpStepFlopsDone(64), make: (ll) => mlpStepWorkload(ll, 64),
    probe: (raw, k) => raw._probeMlpTrainStep(64, k) },
  { name: 'MLP trainStep b1', goal: 25, flops: mlpStepFlops(1), flopsDone: mlpStepFlopsDone(1), make: (ll) => mlpStepWorkload(ll, 1),
    probe: (raw, k) => raw._probeMlpTrainStep(1, k), probeCalls: 10 },
  { name: 'fit digits 1 epoch b32', goal: null, make: (ll) => fitWorkload(ll) },
];

function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = (cpuinfo.match(/^model name\s*:\s*(.*)$/m) || [])[1] || os.cpus()[0]?.model;
  const flags = (cpuinfo.match(/^flags\s*:\s*(.*)$/m) || [])[1] || '';
  let emcc = null;
  try {
    emcc = execFileSync('em++', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch { /* not installed: the wasm was built elsewhere */ }
  return {
    cpu: model, logicalCpus: os.cpus().length,
    simdFlags: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f'].filter((f) => flags.split(' ').includes(f)),
    node: process.version, v8: process.versions.v8, platform: `${os.platform()} ${os.release()}`,
    emscripten: emcc,
  };
}

const fmt = (v) => (v == null ? '-' : Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));
function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main() {
  const machine = machineInfo();
  console.log(`LogitLab bench ${QUICK ? '(--quick: indicative only) ' : ''}on ${machine.cpu}, ` +
              `node ${machine.node}, ${new Date().toISOString()}`);
  const tfInfo = await initTf();
  console.log(`TF.js ${tfInfo.version}: wasm backend binary ${tfInfo.wasmBinary} ` +
              `(SIMD ${tfInfo.simd}, threads ${tfInfo.threads}); cpu backend`);
  const { ll, raw } = await loadLogitLab();
  const peak = simdPeak(raw);
  if (peak) {
    console.log(`SIMD peak in LogitLab's wasm (f32x4 mul+add loop, ${peak.simd ? 'SIMD' : 'scalar'}): ` +
                `${peak.gflops.toFixed(2)} GFLOP/s`);
  } else {
    console.log('SIMD peak: not available yet (LogitLab wasm without _simdPeakFlops)');
  }
  console.log(`timing: warm-up ${TIMING.warmupMs} ms per implementation, ${TIMING.samples} ` +
              `interleaved samples of ~${TIMING.sampleMs} ms, median ms per call\n`);

  const results = [];
  let allChecksOk = true;
  for (const wl of WORKLOADS) {
    if (ONLY && !wl.name.includes(ONLY)) continue;
    const { impls, check, warmCheck } = await wl.make(ll);
    // The same C++ function alone (tests/bench/cpp/peak.cpp probes: inputs already in wasm memory, no
    // JS conversion), interleaved with the others; calls batched inside one probe call for tiny
    // workloads so the JS-to-wasm boundary does not dominate.
    if (wl.probe && impls.some((i) => i.name === NAMES.ll) && typeof raw?._probeSoftmax === 'function') {
      const k = wl.probeCalls || 1;
      impls.push({ name: KERNEL, run: () => wl.probe(raw, k), callsPerRun: k });
    }
    // For FLOP-counted workloads, the peak loop runs interleaved too, so the fraction of peak
    // compares numbers taken under the same machine load.
    let peakFlops = 0;  // FLOPs of one peak call, as the C++ loop reports them
    if (wl.flops && typeof raw?._simdPeakFlops === 'function') {
      peakFlops = raw._simdPeakFlops(PEAK_ITERS);
      impls.push({ name: PEAK, run: () => raw._simdPeakFlops(PEAK_ITERS) });
    }
    let verdict = warmCheck ? null : check();
    const tensorsBefore = tf.memory().numTensors;
    const stats = await measure(impls, TIMING);
    const tfLeak = tf.memory().numTensors - tensorsBefore;  // TF.js tensors left by the timed calls
    if (warmCheck) verdict = check();  // fit: from the last timed epochs' histories
    if (tfLeak !== 0) verdict = { ok: false, detail: `TF.js leaked ${tfLeak} tensors; ${verdict.detail}` };
    for (const impl of impls) {
      if (impl.dispose) {
        if (impl.name.startsWith('TF.js')) await use(impl.name === NAMES.wasm ? 'wasm' : 'cpu');
        impl.dispose();
      }
    }
    allChecksOk &&= verdict.ok;
    const t = (name) => stats[name]?.median;
    const ratio = t(NAMES.ll) ? t(NAMES.wasm) / t(NAMES.ll) : null;
    const entry = {
      workload: wl.name, ms: stats, ratioTfWasmOverLogitLab: ratio, goal: wl.goal,
      met: wl.goal == null || ratio == null ? null : ratio >= wl.goal, check: verdict,
    };
    if (wl.flops) {
      entry.flops = wl.flops;
      entry.gflops = Object.fromEntries(Object.entries(stats).filter(([k]) => k !== PEAK)
        .map(([k, s]) => [k, wl.flops / s.median / 1e6]));
      if (stats[PEAK]) {
        entry.peakGflopsInterleaved = peakFlops / stats[PEAK].median / 1e6;
        if (t(NAMES.ll)) {
          entry.logitLabFractionOfPeak = entry.gflops[NAMES.ll] / entry.peakGflopsInterleaved;
          entry.flopsDone = wl.flopsDone;
          entry.logitLabFractionOfPeakWorkDone = wl.flopsDone / t(NAMES.ll) / 1e6 / entry.peakGflopsInterleaved;
        }
      }
    }
    if (stats[KERNEL]) entry.logitLabKernelOnlyMs = stats[KERNEL].median;
    results.push(entry);
    console.log(`${wl.name}: ${Object.entries(stats).map(([k, s]) => `${k} ${fmt(s.median)}`).join(', ')} ms` +
                `  [check ${verdict.ok ? 'ok' : 'FAILED'}: ${verdict.detail}]`);
  }
  const memTf = tf.memory().numTensors;

  console.log('');
  printTable(
    ['workload', 'LogitLab ms', 'TF.js-wasm ms', 'TF.js-cpu ms', 'plain JS ms', 'TF-wasm/LL', 'goal', 'met?'],
    results.map((r) => [
      r.workload, fmt(r.ms[NAMES.ll]?.median), fmt(r.ms[NAMES.wasm]?.median),
      fmt(r.ms[NAMES.cpu]?.median), fmt(r.ms[NAMES.js]?.median),
      r.ratioTfWasmOverLogitLab == null ? '-' : `${r.ratioTfWasmOverLogitLab.toFixed(2)}x`,
      r.goal == null ? '-' : `>= ${r.goal}x`, r.met == null ? '-' : r.met ? 'yes' : 'NO',
    ]));
  console.log('');
  for (const r of results.filter((e) => e.flops)) {
    const g = r.gflops;
    console.log(`${r.workload}: ${(r.flops / 1e6).toFixed(2)} MFLOP/step; GFLOP/s ` +
      Object.entries(g).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') +
      (r.logitLabFractionOfPeak != null ? `; LogitLab at ${(100 * r.logitLabFractionOfPeak).toFixed(1)} % ` +
        `of the SIMD peak (${r.peakGflopsInterleaved.toFixed(2)} GFLOP/s, measured interleaved) on the nominal ` +
        `count; on the ${(r.flopsDone / 1e6).toFixed(2)} MFLOP it really computes, ` +
        `${(100 * r.logitLabFractionOfPeakWorkDone).toFixed(1)} %` : ''));
  }
  const withKernel = results.filter((r) => r.logitLabKernelOnlyMs != null);
  if (withKernel.length) {
    console.log('\nLogitLab breakdown: public JS API call vs the same C++ function alone (no conversion)');
    printTable(['workload', 'public API ms', 'C++ kernel ms', 'overhead ms', 'overhead %'],
      withKernel.map((r) => {
        const api = r.ms[NAMES.ll].median;
        const kern = r.logitLabKernelOnlyMs;
        return [r.workload, fmt(api), fmt(kern), fmt(api - kern), `${(100 * (api - kern) / api).toFixed(0)} %`];
      }));
    console.log('');
  }
  console.log(`TF.js tensors still allocated after disposing every workload: ${memTf}`);
  if (ll) console.log(`LogitLab memory after the run: ${JSON.stringify(ll.memory())}`);

  const out = {
    date: new Date().toISOString(), quick: QUICK, only: ONLY || null, timing: TIMING, machine, tfjs: tfInfo,
    logitLabMissing: [...missing], simdPeak: peak,
    notes: {
      tfCrossEntropy: 'tf.losses.softmaxCrossEntropy(oneHotLabels, logits) (mean over the batch), read with dataSync()',
      tfMlp: 'tf.variable weights, tf.fused.matMul with bias (+relu), tf.losses.softmaxCrossEntropy, tf.train.sgd(lr).minimize(f, true), loss read with dataSync()',
      tfFit: 'manual epoch: shuffle, tf.gather per batch of 32, the same minimize step, accuracy from the same forward, yield (setImmediate) between batches',
      plainFit: 'same loop in plain JS, yield (setImmediate) between batches',
      fitModel: 'digits (x/16) 64-128-10 ReLU, SGD lr 0.1, batch 32, one epoch from identical weights',
      mlpFlops: 'nominal: forward 2B(784*128+128*10), backward 2x forward; the input gradient of layer 1 is not needed, so the minimal count is ~2x forward',
      kernelOnly: "'LogitLab C++ only' = the same core function called from the bench module's binding (tests/bench/cpp/peak.cpp probes, same core library and flags as web/wasm/logitlab.wasm) on inputs already in wasm memory",
      tfProdMode: 'tf.enableProdMode() (only silences warnings in 4.22)',
    },
    results, tfTensorsLeft: memTf,
  };
  const file = new URL('tests/bench/results.json', root);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file.pathname}`);
  if (missing.size) {
    console.error(`bench: incomplete, LogitLab parts not available: ${[...missing].join(', ')}`);
    process.exitCode = 1;
  }
  if (!allChecksOk) {
    console.error('bench: some implementations disagree (see "check FAILED" above)');
    process.exitCode = 1;
  }
}

await main();
