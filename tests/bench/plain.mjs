// Plain-JS Float32Array reference implementations for the benchmark: straightforward loops.

// Row-wise softmax of x (rows, cols) into a new Float32Array.
export function softmax(x, rows, cols) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; ++r) {
    const o = r * cols;
    let m = x[o];
    for (let j = 1; j < cols; ++j) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < cols; ++j) {
      const e = Math.exp(x[o + j] - m);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; ++j) out[o + j] *= inv;
  }
  return out;
}

// Mean cross-entropy of logits x (rows, cols) against class indices `target` (Int32Array).
export function crossEntropy(x, target, rows, cols) {
  let total = 0;
  for (let r = 0; r < rows; ++r) {
    const o = r * cols;
    let m = x[o];
    for (let j = 1; j < cols; ++j) if (x[o + j] > m) m = x[o + j];
    let s = 0;
    for (let j = 0; j < cols; ++j) s += Math.exp(x[o + j] - m);
    total += m + Math.log(s) - x[o + target[r]];
  }
  return total / rows;
}

// A two-layer MLP (in -> hidden, ReLU, -> out) trained with softmax cross-entropy and plain SGD.
// Weights use torch's layout: w1 (hidden, in), w2 (out, hidden).
export class Mlp {
  constructor(nIn, nHidden, nOut, maxBatch, lr) {
    Object.assign(this, { nIn, nHidden, nOut, lr });
    this.w1 = new Float32Array(nHidden * nIn);
    this.b1 = new Float32Array(nHidden);
    this.w2 = new Float32Array(nOut * nHidden);
    this.b2 = new Float32Array(nOut);
    this.h = new Float32Array(maxBatch * nHidden);   // ReLU activations, kept for backward
    this.p = new Float32Array(maxBatch * nOut);      // logits, then softmax probabilities
    this.dh = new Float32Array(maxBatch * nHidden);
    this.correct = 0;                                // argmax hits of the last trainStep
  }

  // Copies weights from { w1, b1, w2, b2 } typed arrays in the same layout.
  load(weights) {
    for (const k of ['w1', 'b1', 'w2', 'b2']) this[k].set(weights[k]);
  }

  // One SGD step on batch x (n, nIn), class indices y; returns the mean loss before the update.
  trainStep(x, y, n) {
    const { nIn, nHidden: nh, nOut: no, w1, b1, w2, b2, h, p, dh, lr } = this;
    for (let b = 0; b < n; ++b) {   // h = relu(x w1^T + b1)
      const xo = b * nIn;
      for (let j = 0; j < nh; ++j) {
        const wo = j * nIn;
        let s = b1[j];
        for (let i = 0; i < nIn; ++i) s += x[xo + i] * w1[wo + i];
        h[b * nh + j] = s > 0 ? s : 0;
      }
    }
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < n; ++b) {   // logits, softmax, loss, dlogits = (p - onehot) / n
      const po = b * no;
      for (let k = 0; k < no; ++k) {
        let s = b2[k];
        for (let j = 0; j < nh; ++j) s += h[b * nh + j] * w2[k * nh + j];
        p[po + k] = s;
      }
      let m = p[po];
      let arg = 0;
      for (let k = 1; k < no; ++k) if (p[po + k] > m) { m = p[po + k]; arg = k; }
      if (arg === y[b]) ++correct;
      let s = 0;
      for (let k = 0; k < no; ++k) s += Math.exp(p[po + k] - m);
      loss += m + Math.log(s) - p[po + y[b]];
      for (let k = 0; k < no; ++k) p[po + k] = Math.exp(p[po + k] - m) / s / n;
      p[po + y[b]] -= 1 / n;
    }
    this.correct = correct;
    for (let b = 0; b < n; ++b) {   // dh = dlogits w2, masked by the ReLU (before w2 changes)
      for (let j = 0; j < nh; ++j) {
        let s = 0;
        if (h[b * nh + j] > 0) for (let k = 0; k < no; ++k) s += p[b * no + k] * w2[k * nh + j];
        dh[b * nh + j] = s;
      }
    }
    for (let k = 0; k < no; ++k) {  // w2 -= lr * dlogits^T h, b2 -= lr * sum dlogits
      let gb = 0;
      for (let b = 0; b < n; ++b) {
        const g = p[b * no + k];
        gb += g;
        const a = lr * g;
        for (let j = 0; j < nh; ++j) w2[k * nh + j] -= a * h[b * nh + j];
      }
      b2[k] -= lr * gb;
    }
    for (let j = 0; j < nh; ++j) {  // w1 -= lr * dh^T x, b1 -= lr * sum dh
      let gb = 0;
      const wo = j * nIn;
      for (let b = 0; b < n; ++b) {
        const g = dh[b * nh + j];
        if (g === 0) continue;
        gb += g;
        const a = lr * g;
        const xo = b * nIn;
        for (let i = 0; i < nIn; ++i) w1[wo + i] -= a * x[xo + i];
      }
      b1[j] -= lr * gb;
    }
    return loss / n;
  }
}
