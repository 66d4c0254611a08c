// TensorFlow.js 4.22 side of the benchmark: backend setup (wasm SIMD, 1 thread; cpu) and workloads.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import './tfjs-gradients.mjs';  // gradients for optimizer.minimize (see that file)
import '@tensorflow/tfjs-backend-cpu';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';

export { tf };

// Registers both backends. In Node, tfjs-backend-wasm's Emscripten loader reads the .wasm with
// fs.readFileSync from the prefix given to setWasmPaths (a plain directory path with a trailing
// slash works; fetch is not used). We wrap readFileSync during init to record which binary it
// actually loaded. WASM_HAS_MULTITHREAD_SUPPORT is false in Node (flags_wasm.js), so the
// SIMD binary (not the threaded one) is chosen when WASM_HAS_SIMD_SUPPORT is true.
export async function initTf() {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);  // single-threaded, explicitly
  tf.enableProdMode();  // production setting; in 4.22 it only silences warnings (no checks skipped)
  tfwasm.setWasmPaths(dist);
  const loaded = [];
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) loaded.push(String(file));
    return readFileSync.call(this, file, ...rest);
  };
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('bench: TF.js wasm backend failed to init');
  } finally {
    fs.readFileSync = readFileSync;
  }
  await tf.ready();
  const info = {
    version: tf.version_core,
    wasmBinary: loaded.map((f) => path.basename(f)).join(', ') || 'unknown',
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    threads: tfwasm.getThreadsCount(),
  };
  if (!info.wasmBinary.includes('simd') || info.threads !== 1) {
    throw new Error(`bench: expected the SIMD wasm binary on 1 thread, got ${JSON.stringify(info)}`);
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('bench: TF.js cpu backend failed to init');
  return info;
}

// Makes `tf` use `backend` for what follows (both are already initialized, so this is cheap).
export async function use(backend) {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}

// Softmax: the input lives in the backend; the result is read back as a Float32Array, as
// LogitLab's result Tensor has its data in JS.
export function softmaxImpl(x2d, rows, cols) {
  const x = tf.tensor2d(x2d, [rows, cols]);
  return {
    run() {
      const y = tf.softmax(x);
      const out = y.dataSync();
      y.dispose();
      return out;
    },
    dispose: () => x.dispose(),
  };
}

// Cross-entropy on logits with one-hot labels: tf.losses.softmaxCrossEntropy (reduction
// SUM_BY_NONZERO_WEIGHTS, i.e. the mean over the batch), read back as a number.
export function crossEntropyImpl(x2d, target, rows, cols) {
  const x = tf.tensor2d(x2d, [rows, cols]);
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(target, 'int32'), cols));
  return {
    run() {
      const l = tf.losses.softmaxCrossEntropy(onehot, x);
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    },
    dispose: () => tf.dispose([x, onehot]),
  };
}

// Torch layout (out, in) -> TF.js layout (in, out).
function transpose(w, rows, cols) {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; ++r) for (let c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
  return t;
}

// The MLP the idiomatic tfjs-core way: tf.variable weights, tf.fused.matMul (bias + ReLU fused,
// as tfjs-layers' Dense does), tf.losses.softmaxCrossEntropy, tf.train.sgd(lr).minimize(f, true).
export class TfMlp {
  constructor(nIn, nHidden, nOut, lr) {
    Object.assign(this, { nIn, nHidden, nOut });
    // tidy frees the zeros tensors; the variables (not tracked by tidy) keep their own copy.
    [this.w1, this.b1, this.w2, this.b2] = tf.tidy(() => [[nIn, nHidden], [nHidden], [nHidden, nOut],
      [nOut]].map((shape) => tf.variable(tf.zeros(shape))));
    this.opt = tf.train.sgd(lr);
  }

  // Loads { w1, b1, w2, b2 } typed arrays in torch layout.
  load({ w1, b1, w2, b2 }) {
    const { nIn, nHidden, nOut } = this;
    tf.tidy(() => {
      this.w1.assign(tf.tensor2d(transpose(w1, nHidden, nIn), [nIn, nHidden]));
      this.b1.assign(tf.tensor1d(b1));
      this.w2.assign(tf.tensor2d(transpose(w2, nOut, nHidden), [nHidden, nOut]));
      this.b2.assign(tf.tensor1d(b2));
    });
  }

  logits(x) {
    const h = tf.fused.matMul({ a: x, b: this.w1, bias: this.b1, activation: 'relu' });
    return tf.fused.matMul({ a: h, b: this.w2, bias: this.b2 });
  }

  // One SGD step on x (n, nIn) and one-hot labels; returns the loss as a number. With
  // `labels` (int32 tensor), also returns how many argmax predictions matched, from the
  // same forward pass.
  trainStep(x, onehot, labels) {
    let hits = null;
    const cost = this.opt.minimize(() => {
      const z = this.logits(x);
      if (labels) hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), labels), 'int32')));
      return tf.losses.softmaxCrossEntropy(onehot, z);
    }, true);
    const loss = cost.dataSync()[0];
    cost.dispose();
    if (!hits) return { loss, correct: 0 };
    const correct = hits.dataSync()[0];
    hits.dispose();
    return { loss, correct };
  }

  dispose() {
    tf.dispose([this.w1, this.b1, this.w2, this.b2]);
    this.opt.dispose();
  }
}
