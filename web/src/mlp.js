// ll.mlp: option checks, tensor conversion and fit() around the C++ MLP (_MlpF32/_MlpF64).
import { attachDatasets } from './datasets.js';

const ACTIVATIONS = ['relu', 'sigmoid', 'tanh'];
const OUTPUTS = ['logits', 'sigmoid'];
const LOSSES = ['cross_entropy', 'bce', 'bce_with_logits', 'mse'];
const DTYPES = ['float32', 'float64'];
const TENSOR_DTYPES = ['float32', 'float64', 'int32'];
const MLP_KEYS = ['sizes', 'activation', 'output', 'loss', 'lossOptions', 'optimizer', 'seed', 'dtype'];
const LOSS_OPTION_KEYS = {
  cross_entropy: ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'],
  bce: ['weight', 'reduction'],
  bce_with_logits: ['weight', 'posWeight', 'reduction'],
  mse: ['reduction'],
};
// torch.optim defaults (lr for SGD is ours: torch.optim.SGD has none).
const OPTIM_DEFAULTS = {
  sgd: { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  adam: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 },
  adamw: { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 },
};
const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'seed', 'onEpochEnd'];

const quote = (list) => list.map((s) => `'${s}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');
const show = (v) => (typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? 'an array' : String(v));

function checkObject(o, fn, what, allowed) {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError(`${fn}: ${what} must be an object; got ${Array.isArray(o) ? 'an array' : typeof o}`);
  }
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new TypeError(`${fn}: unknown ${what} key '${k}'; expected ${quote(allowed)}`);
  }
  return o;
}

function checkChoice(v, list, fn, what) {
  if (!list.includes(v)) throw new RangeError(`${fn}: ${what} is ${show(v)}; expected ${quote(list)}`);
  return v;
}

function checkNumber(v, fn, what) {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${fn}: ${what} must be a finite number; got ${show(v)}`);
  return v;
}

function checkSeed(v, fn, what) {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${fn}: ${what} must be a non-negative integer; got ${show(v)}`);
  return v;
}

// A complete optimizer description {type, lr, ...} with torch.optim's defaults filled in.
function optimizerConfig(opts, fn) {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${fn}: optimizer must be an object like { type: 'sgd', lr: 0.1 }`);
  const type = checkChoice(opts.type ?? 'sgd', Object.keys(OPTIM_DEFAULTS), fn, 'optimizer.type');
  const defaults = OPTIM_DEFAULTS[type];
  checkObject(opts, fn, 'optimizer', ['type', ...Object.keys(defaults)]);
  const c = { type, ...defaults, ...opts };
  for (const k of ['lr', 'momentum', 'dampening', 'weightDecay', 'eps']) {
    if (k in defaults) checkNumber(c[k], fn, `optimizer.${k}`);
  }
  if (type === 'sgd' && typeof c.nesterov !== 'boolean') throw new TypeError(`${fn}: optimizer.nesterov must be true or false`);
  if (type !== 'sgd') {
    if (!Array.isArray(c.betas) || c.betas.length !== 2) throw new TypeError(`${fn}: optimizer.betas must be an array of two numbers`);
    c.betas.forEach((b, i) => checkNumber(b, fn, `optimizer.betas[${i}]`));
    c.betas = [...c.betas];
  }
  return c;
}

export function attachMlp(ll, core, internals) {
  const { Tensor, isTensor, toTensor, netCounter } = internals;
  attachDatasets(ll, core, internals);

  // Frees the C++ side of nets that were never disposed.
  const registry = new FinalizationRegistry((held) => {
    if (!held.disposed) {
      held.disposed = true;
      held.handle.delete();
      netCounter.live -= 1;
    }
  });

  const lossConfig = (loss, opts, fn, dtype) => {
    checkChoice(loss, LOSSES, fn, 'loss');
    const o = checkObject(opts, fn, 'lossOptions', LOSS_OPTION_KEYS[loss]);
    const out = {};
    if (o.reduction !== undefined) {
      if (o.reduction === 'none') throw new RangeError(`${fn}: lossOptions.reduction 'none' is not supported for a net; expected 'mean' or 'sum'`);
      out.reduction = checkChoice(o.reduction, ['mean', 'sum'], fn, 'lossOptions.reduction');
    }
    if (o.ignoreIndex !== undefined) {
      if (!Number.isInteger(o.ignoreIndex) || Math.abs(o.ignoreIndex) > 2147483647) throw new TypeError(`${fn}: lossOptions.ignoreIndex must be an integer; got ${show(o.ignoreIndex)}`);
      out.ignoreIndex = o.ignoreIndex;
    }
    if (o.labelSmoothing !== undefined) {
      if (typeof o.labelSmoothing !== 'number' || !(o.labelSmoothing >= 0 && o.labelSmoothing <= 1)) {
        throw new RangeError(`${fn}: lossOptions.labelSmoothing is ${show(o.labelSmoothing)}; expected a number in [0, 1]`);
      }
      out.labelSmoothing = o.labelSmoothing;
    }
    for (const k of ['weight', 'posWeight']) {
      if (o[k] !== undefined && o[k] !== null) out[k] = toTensor(o[k], fn, `lossOptions.${k}`, dtype);
    }
    return out;
  };

  class Net {
    #held;
    #cfg;
    // Views of the net's input and target buffers in the wasm heap (see mlp_bindings.cpp); a view
    // detaches (length 0) when the heap grows and is then fetched again.
    #xView = null;
    #yView = [null, null];  // [values, class indices]

    constructor(held, cfg) {
      this.#held = held;
      this.#cfg = cfg;
    }

    #h(fn) {
      if (this.#held.disposed) throw new Error(`${fn}: this net has been disposed; create a new one with ll.mlp()`);
      return this.#held.handle;
    }

    get sizes() { return [...this.#cfg.sizes]; }
    get dtype() { return this.#cfg.dtype; }
    get activation() { return this.#cfg.activation; }
    get output() { return this.#cfg.output; }
    get loss() { return this.#cfg.loss; }
    get optimizer() { return { ...this.#cfg.optimizer }; }
    get disposed() { return this.#held.disposed; }

    // x as (N, in) or (in) -> { data, n, single }
    #input(x, fn) {
      const { dtype, sizes } = this.#cfg;
      if (isTensor(x) && !TENSOR_DTYPES.includes(x.dtype)) {
        throw new TypeError(`${fn}: x is a Tensor with dtype ${show(x.dtype)}; expected 'float32', 'float64' or 'int32'`);
      }
      const t = toTensor(x, fn, 'x', dtype);
      const inF = sizes[0];
      if (t.shape.length === 1 && t.shape[0] === inF) return { data: t.data, n: 1, single: true };
      if (t.shape.length === 2 && t.shape[1] === inF && t.shape[0] > 0) return { data: t.data, n: t.shape[0], single: false };
      throw new RangeError(`${fn}: x has shape [${t.shape.join(', ')}]; expected (N, ${inF}) or (${inF})`);
    }

    // Targets for n rows -> { data, isIndex, width } (width = values per row).
    #target(y, n, single, fn) {
      const { dtype, sizes, loss } = this.#cfg;
      const C = sizes[sizes.length - 1];
      const t = isTensor(y) ? y : toTensor(y, fn, 'y');
      const rowShape = single ? [] : [n];
      const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
      if (loss === 'cross_entropy') {
        if (same(t.shape, rowShape)) {
          const idx = t.dtype === 'int32' ? t : toTensor(t, fn, 'y', 'int32');
          return { data: idx.data, isIndex: true, width: 1 };
        }
        if (same(t.shape, [...rowShape, C])) return { data: toTensor(t, fn, 'y', dtype).data, isIndex: false, width: C };
        throw new RangeError(`${fn}: y has shape [${t.shape.join(', ')}]; expected class indices of shape [${rowShape.join(', ')}] or class probabilities of shape [${[...rowShape, C].join(', ')}]`);
      }
      if (same(t.shape, [...rowShape, C]) || (C === 1 && same(t.shape, rowShape))) {
        return { data: toTensor(t, fn, 'y', dtype).data, isIndex: false, width: C };
      }
      const alt = C === 1 ? ` or [${rowShape.join(', ')}]` : '';
      throw new RangeError(`${fn}: y has shape [${t.shape.join(', ')}]; expected [${[...rowShape, C].join(', ')}]${alt} for loss '${loss}'`);
    }

    // Views with room for n input rows and ySize targets. Fetching one view may grow the heap and
    // detach the other, so the first is checked again (a second fetch of the same size allocates
    // nothing).
    #buffers(h, n, ySize, isIndex, fn) {
      const k = isIndex ? 1 : 0;
      const need = n * this.#cfg.sizes[0];
      for (let round = 0; round < 2; round++) {
        if (this.#xView === null || this.#xView.length < need) this.#xView = h.inputView(n, fn);
        if (ySize > 0 && (this.#yView[k] === null || this.#yView[k].length < ySize)) this.#yView[k] = h.targetView(ySize, isIndex);
      }
      return [this.#xView, this.#yView[k]];
    }

    // Writes x (n rows) and the targets into the net's heap buffers: one TypedArray.set each.
    #load(h, data, n, t, fn) {
      const [xv, yv] = this.#buffers(h, n, t ? t.data.length : 0, t ? t.isIndex : false, fn);
      xv.set(data);
      if (t) yv.set(t.data);
    }

    #dict(flat) {
      const out = {};
      for (const v of this.#cfg.views) {
        out[v.name] = new Tensor(flat.slice(v.offset, v.offset + v.size), [...v.shape], this.#cfg.dtype);
      }
      return out;
    }

    /** Outputs (N, out) for x (N, in); (out) for x (in), as nn.Linear does. */
    forward(x) {
      const h = this.#h('forward');
      const { data, n, single } = this.#input(x, 'forward');
      const out = this.#cfg.sizes[this.#cfg.sizes.length - 1];
      this.#load(h, data, n, null, 'forward');
      return new Tensor(h.forward(n), single ? [out] : [n, out], this.#cfg.dtype);
    }

    /** One step of zero_grad, forward, loss, backward, optimizer step; returns the loss. */
    trainStep(x, y) {
      const h = this.#h('trainStep');
      const { data, n, single } = this.#input(x, 'trainStep');
      const t = this.#target(y, n, single, 'trainStep');
      this.#load(h, data, n, t, 'trainStep');
      return h.trainStep(n, t.data.length, t.isIndex);
    }

    /** Gradients of the last step under the stateDict keys. */
    grads() {
      return this.#dict(this.#h('grads').grads());
    }

    stateDict() {
      return this.#dict(this.#h('stateDict').params());
    }

    /** Loads { 'linear1.weight': (out, in), 'linear1.bias': (out), ... } (Tensors or nested arrays). */
    loadStateDict(dict) {
      const h = this.#h('loadStateDict');
      const fn = 'loadStateDict';
      if (dict === null || typeof dict !== 'object' || Array.isArray(dict)) throw new TypeError(`${fn}: expected an object of tensors keyed 'linear1.weight', 'linear1.bias', ...`);
      const { views, dtype } = this.#cfg;
      const names = views.map((v) => v.name);
      for (const k of Object.keys(dict)) {
        if (!names.includes(k)) throw new RangeError(`${fn}: unexpected key '${k}'; this net has ${quote(names)}`);
      }
      const flat = new (dtype === 'float32' ? Float32Array : Float64Array)(views.reduce((s, v) => s + v.size, 0));
      for (const v of views) {
        if (!(v.name in dict)) throw new RangeError(`${fn}: missing key '${v.name}' (shape [${v.shape.join(', ')}])`);
        const t = toTensor(dict[v.name], fn, `'${v.name}'`, dtype);
        if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
          throw new RangeError(`${fn}: '${v.name}' has shape [${t.shape.join(', ')}]; expected [${v.shape.join(', ')}]`);
        }
        for (let i = 0; i < t.data.length; i++) {
          if (!Number.isFinite(t.data[i])) throw new RangeError(`${fn}: '${v.name}' contains ${t.data[i]}; expected finite numbers`);
        }
        flat.set(t.data, v.offset);
      }
      h.setParams(flat);
    }

    /** Replaces the optimizer (its state starts afresh, like a new torch optimizer). */
    setOptimizer(opts) {
      const h = this.#h('setOptimizer');
      const c = optimizerConfig(opts, 'setOptimizer');
      h.setOptimizer(c, 'setOptimizer');
      this.#cfg.optimizer = c;
    }

    setLoss(name, lossOptions) {
      const h = this.#h('setLoss');
      const o = lossConfig(name, lossOptions, 'setLoss', this.#cfg.dtype);
      h.setLoss(name, o, 'setLoss');
      this.#cfg.loss = name;
    }

    /** Int32 predictions: argmax over outputs; for one output 1 where sigmoid > 0.5 (logit > 0). */
    predict(x) {
      const h = this.#h('predict');
      const { data, n, single } = this.#input(x, 'predict');
      this.#load(h, data, n, null, 'predict');
      return new Tensor(h.predict(n), single ? [] : [n], 'int32');
    }

    /** The steps of one training step on (x, y) and the update it would make; changes nothing. */
    explain(x, y) {
      const h = this.#h('explain');
      const { data, n, single } = this.#input(x, 'explain');
      const t = this.#target(y, n, single, 'explain');
      this.#load(h, data, n, t, 'explain');
      return { steps: internals.steps(h.explain(n, t.data.length, t.isIndex), this.#cfg.dtype) };
    }

    /** Shuffled mini-batch training; yields to the event loop between batches. */
    async fit(x, y, opts = {}) {
      const fn = 'fit';
      this.#h(fn);
      const o = checkObject(opts, fn, 'option', FIT_KEYS);
      const epochs = o.epochs ?? 1;
      const batchSize = o.batchSize ?? 32;
      const shuffle = o.shuffle ?? true;
      const seed = checkSeed(o.seed ?? 0, fn, 'seed');
      if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`${fn}: epochs must be a positive integer; got ${show(epochs)}`);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${fn}: batchSize must be a positive integer; got ${show(batchSize)}`);
      if (typeof shuffle !== 'boolean') throw new TypeError(`${fn}: shuffle must be true or false`);
      if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') throw new TypeError(`${fn}: onEpochEnd must be a function`);
      const X = this.#input(x, fn);
      if (X.single) throw new RangeError(`${fn}: x must be a batch of shape (N, ${this.#cfg.sizes[0]})`);
      const Y = this.#target(y, X.n, false, fn);
      // Check every row once up front, so a bad target is reported by fit, not by a later batch.
      this.#h(fn).check(X.data, X.n, Y.data, Y.isIndex, fn);
      const N = X.n;
      const D = this.#cfg.sizes[0];
      const W = Y.width;
      const B = Math.min(batchSize, N);
      const history = [];
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const order = shuffle ? core._permutation(N, seed, epoch - 1) : null;
        let lossSum = 0;
        let batches = 0;
        let correct = 0;
        let counted = 0;
        for (let start = 0; start < N; start += B) {
          const m = Math.min(B, N - start);
          const h = this.#h(fn);
          // Gather the batch's rows straight into the net's heap buffers (views re-fetched if the
          // heap grew while we yielded).
          const [xv, yv] = this.#buffers(h, B, B * W, Y.isIndex, fn);
          for (let r = 0; r < m; r++) {
            const i = order ? order[start + r] : start + r;
            xv.set(X.data.subarray(i * D, (i + 1) * D), r * D);
            for (let k = 0; k < W; k++) yv[r * W + k] = Y.data[i * W + k];
          }
          lossSum += h.trainStep(m, m * W, Y.isIndex);
          batches += 1;
          correct += h.lastCorrect();
          counted += h.lastCounted();
          await yieldToEventLoop();
        }
        const entry = { epoch, loss: lossSum / batches, accuracy: counted > 0 ? correct / counted : NaN };
        history.push(entry);
        if (o.onEpochEnd) await o.onEpochEnd(entry);
      }
      return history;
    }

    /** Frees the C++ side; any later call throws. */
    dispose() {
      const held = this.#held;
      if (held.disposed) return;
      held.disposed = true;
      this.#xView = null;
      this.#yView = [null, null];
      registry.unregister(held);
      held.handle.delete();
      netCounter.live -= 1;
    }
  }

  /** ll.mlp(opts): a new net; only `sizes` is required (see MlpOptions in index.d.ts). */
  ll.mlp = function mlp(opts) {
    const fn = 'mlp';
    if (opts === undefined || opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
      throw new TypeError(`${fn}: expected an options object like { sizes: [784, 5, 3] }`);
    }
    checkObject(opts, fn, 'option', MLP_KEYS);
    const { sizes } = opts;
    if (!Array.isArray(sizes)) throw new TypeError(`${fn}: sizes must be an array of positive integers like [784, 5, 3]; got ${show(sizes)}`);
    if (sizes.length < 2) throw new RangeError(`${fn}: sizes must have at least 2 entries (inputs and outputs); got ${sizes.length}`);
    sizes.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 1 || s > 2 ** 31 - 1) throw new RangeError(`${fn}: sizes[${i}] = ${show(s)} is not a positive integer`);
    });
    const activation = checkChoice(opts.activation ?? 'relu', ACTIVATIONS, fn, 'activation');
    const output = checkChoice(opts.output ?? 'logits', OUTPUTS, fn, 'output');
    const loss = opts.loss ?? (output === 'sigmoid' ? 'bce' : 'cross_entropy');
    const dtype = checkChoice(opts.dtype ?? 'float32', DTYPES, fn, 'dtype');
    const seed = checkSeed(opts.seed ?? 0, fn, 'seed');
    const lossOpts = lossConfig(loss, opts.lossOptions, fn, dtype);
    const optimizer = optimizerConfig(opts.optimizer, fn);
    const handle = core[dtype === 'float32' ? '_mlp_f32' : '_mlp_f64'](sizes, activation, output, seed);
    try {
      handle.setLoss(loss, lossOpts, fn);
      handle.setOptimizer(optimizer, fn);
    } catch (e) {
      handle.delete();
      throw e;
    }
    const views = handle.views();
    const held = { handle, disposed: false };
    const net = new Net(held, { sizes: [...sizes], activation, output, loss, optimizer, dtype, views });
    registry.register(net, held, held);
    netCounter.live += 1;
    return net;
  };
}

// setImmediate in Node; a MessageChannel tick in browsers (setTimeout(0) is clamped to 4 ms there).
function yieldToEventLoop() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
