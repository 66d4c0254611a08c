// The logitlab package entry: load() the wasm core and get the idiomatic JS API (see index.d.ts).
import { formatNumpy, formatTorch } from './format.js';
import { Tensor, isTensor, optionsObject, tensor, toTensor } from './tensor.js';
import { attachMlp } from './mlp.js';

export { Tensor, tensor };

/** Prints a tensor in torch's style (default) or numpy's ({ style: 'numpy' }). */
export function format(t, options) {
  const { style = 'torch', ...rest } = optionsObject(options, 'format');
  const extra = Object.keys(rest);
  if (extra.length) throw new TypeError(`format: unknown option '${extra[0]}'; expected style`);
  const x = toTensor(t, 'format', 't');
  if (style === 'torch') return formatTorch(x);
  if (style === 'numpy') return formatNumpy(x);
  throw new RangeError(`format: style is ${JSON.stringify(style)}; expected 'torch' or 'numpy'`);
}

// ---------- argument checks shared by the wrappers ----------

const REDUCTIONS = ['none', 'mean', 'sum'];

const floatDtype = (t) => (t.dtype === 'float32' ? 'float32' : 'float64');
const suffix = (dtype) => (dtype === 'float32' ? '_f32' : '_f64');

function checkDim(dim, rank, fn) {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new TypeError(`${fn}: dim must be an integer, got ${typeof dim === 'number' ? dim : typeof dim}`);
  }
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) {
    throw new RangeError(`${fn}: dim ${dim} is out of range; expected a dim in [${-r}, ${r - 1}] for a ${rank}-D input`);
  }
  return dim;
}

function checkNonEmpty(t, fn, arg) {
  if (t.size === 0) throw new RangeError(`${fn}: ${arg} is empty (shape [${t.shape.join(', ')}]); expected at least one element`);
  return t;
}

// Validates a loss's options object against the names it accepts; returns the options for the core.
function lossOptions(opts, allowed, fn, dtype) {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${fn}: options must be an object with ${allowed.join(', ')}; got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw new TypeError(`${fn}: unknown option '${k}'; expected one of ${allowed.join(', ')}`);
  }
  const out = {};
  if (opts.reduction !== undefined) {
    if (!REDUCTIONS.includes(opts.reduction)) {
      throw new RangeError(`${fn}: options.reduction is ${JSON.stringify(opts.reduction)}; expected 'none', 'mean' or 'sum'`);
    }
    out.reduction = opts.reduction;
  }
  if (opts.ignoreIndex !== undefined) {
    if (!Number.isInteger(opts.ignoreIndex) || Math.abs(opts.ignoreIndex) > 2147483647) {
      throw new TypeError(`${fn}: options.ignoreIndex must be an integer, got ${String(opts.ignoreIndex)}`);
    }
    out.ignoreIndex = opts.ignoreIndex;
  }
  if (opts.labelSmoothing !== undefined) {
    const ls = opts.labelSmoothing;
    if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) {
      throw new RangeError(`${fn}: options.labelSmoothing is ${String(ls)}; expected a number in [0, 1]`);
    }
    out.labelSmoothing = ls;
  }
  for (const k of ['weight', 'posWeight']) {
    if (opts[k] !== undefined && opts[k] !== null) out[k] = toTensor(opts[k], fn, `options.${k}`, dtype);
  }
  return out;
}

// Class-index targets: integers, converted to int32 with a message naming the bad element.
function indexTarget(target, fn) {
  const t = toTensor(target, fn, 'target');
  if (t.dtype === 'int32') return t;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (!Number.isInteger(v) || Math.abs(v) > 2147483647) {
      throw new RangeError(`${fn}: target[${i}] = ${v} is not a class index; expected an integer`);
    }
  }
  return toTensor(t, fn, 'target', 'int32');
}

// ---------- loading ----------

let instance = null;
let loading = null;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function readWasmInNode(wasmUrl) {
  const { readFile } = await import('node:fs/promises');
  const url = wasmUrl ?? new URL('../wasm/logitlab.wasm', import.meta.url);
  const u = url instanceof URL ? url : new URL(String(url), import.meta.url);
  if (u.protocol === 'file:') return readFile(u);
  const res = await fetch(u);
  if (!res.ok) throw new Error(`load: fetching ${u} failed with HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Instantiates the wasm core once and returns the API object; later calls return the same one.
 * Options: wasmUrl (where the .wasm is), wasmBinary (its bytes, skips fetching).
 */
export function load({ wasmUrl, wasmBinary, ...rest } = {}) {
  const extra = Object.keys(rest);
  if (extra.length) return Promise.reject(new TypeError(`load: unknown option '${extra[0]}'; expected wasmUrl or wasmBinary`));
  if (instance) return Promise.resolve(instance);
  if (!loading) {
    loading = (async () => {
      const { default: createLogitLab } = await import('../wasm/logitlab.mjs');
      const moduleArgs = {};
      if (wasmBinary) moduleArgs.wasmBinary = wasmBinary;
      else if (isNode) moduleArgs.wasmBinary = await readWasmInNode(wasmUrl);
      else {
        const href = String(wasmUrl ?? new URL('../wasm/logitlab.wasm', import.meta.url));
        moduleArgs.locateFile = (path) => (path.endsWith('.wasm') ? href : path);
      }
      const core = await createLogitLab(moduleArgs);
      instance = makeApi(core);
      return instance;
    })().catch((e) => {
      loading = null; // let a later call retry
      throw e;
    });
  }
  return loading;
}

// ---------- one-copy raw calls ----------

const up8 = (n) => (n + 7) & ~7;
// Elements per chunk of a large softmax / logSoftmax (256 KB of float32: fits the CPU's L2).
const CHUNK = 65536;
const REDUCTION_CODE = { none: 0, mean: 1, sum: 2 };

// Result arrays of at least this many bytes are allocated without zero-filling in Node (below).
const UNFILLED_MIN_BYTES = 1 << 16;
const NodeBuffer = isNode ? globalThis.Buffer : undefined;
// A new typed array of n elements that the caller overwrites completely before anyone sees it. In
// Node, a large one takes Buffer.allocUnsafeSlow's memory: an ArrayBuffer of its own (offset 0,
// exactly n elements, never a shared pool), without the zero-fill `new Float32Array(n)` pays for
// bytes about to be overwritten (a 4 MB result: about 0.4 ms -> 0.2 ms to allocate and fill).
const skipsZeroFill = (bytes) => NodeBuffer !== undefined && bytes >= UNFILLED_MIN_BYTES;
function unfilled(Ctor, n) {
  const bytes = n * Ctor.BYTES_PER_ELEMENT;
  return skipsZeroFill(bytes) ? new Ctor(NodeBuffer.allocUnsafeSlow(bytes).buffer, 0, n) : new Ctor(n);
}
// A copy of heap[start, start + n) as a new array of the heap's type. Small ones keep slice, which
// measured 4-6 % faster than new + set for a 64 x 10 softmax call.
function copyOut(heap, start, n) {
  if (!skipsZeroFill(n * heap.BYTES_PER_ELEMENT)) return heap.slice(start, start + n);
  const out = unfilled(heap.constructor, n);
  out.set(heap.subarray(start, start + n));
  return out;
}

// The hot paths (softmax / logSoftmax, crossEntropyLoss and its grad with class indices) skip
// Embind: one wasm heap block is malloc'ed per call, the inputs are copied in with one
// TypedArray.set each, an extern "C" ll_* function (cpp/bindings/core_bindings.cpp) computes in
// place, the result is copied out with one slice, and the block is freed (so ll.memory() stays
// flat). A non-zero return is the JS error class (1 Error, 2 TypeError, 3 RangeError) of a C++
// exception whose message is read from ll_error_message().
function rawCalls(core) {
  const decoder = new TextDecoder();
  const fail = (code) => {
    const heap = core.HEAPU8;
    const p = core._ll_error_message();
    let end = p;
    while (heap[end] !== 0) end++;
    const msg = decoder.decode(heap.subarray(p, end));
    throw new (code === 2 ? TypeError : code === 3 ? RangeError : Error)(msg);
  };
  const alloc = (bytes, fn) => {
    const p = core._ll_alloc(bytes);  // 64-byte aligned
    if (!p) throw new RangeError(`${fn}: out of memory; the sizes ask for more than the wasm heap can hold`);
    return p;
  };
  const heapOf = (f32) => (f32 ? core.HEAPF32 : core.HEAPF64);  // re-read: memory may have grown

  return {
    /**
     * softmax (log = false) or logSoftmax of a float Tensor along a checked dim. Inputs of up to
     * CHUNK elements take one heap block and one slice. Larger ones run in chunks of whole
     * slices along the dim (each chunk: copy in, compute in place, copy out into the result), so
     * the data stays in the CPU cache between the three steps and the heap block stays small.
     */
    softmax(t, dim, log, fn) {
      const f32 = t.dtype === 'float32';
      const B = f32 ? 4 : 8;
      const n = t.size;
      const shape = t.shape;
      const rank = shape.length;
      const d = rank === 0 ? 0 : dim < 0 ? dim + rank : dim;
      let inner = 1;
      for (let k = d + 1; k < rank; k++) inner *= shape[k];
      const slice = (rank === 0 ? 1 : shape[d]) * inner;  // elements of one outer index
      const outer = slice === 0 ? 0 : n / slice;
      const perChunk = Math.max(1, Math.floor(CHUNK / Math.max(slice, 1)));
      const kernel = f32 ? core._ll_softmax_f32 : core._ll_softmax_f64;
      if (perChunk >= outer) {
        const xBytes = up8(n * B);
        const p = alloc(xBytes + 4 * rank, fn);
        try {
          heapOf(f32).set(t.data, p / B);
          const h32 = core.HEAP32;
          for (let k = 0; k < rank; k++) h32[((p + xBytes) >> 2) + k] = shape[k];
          const rc = kernel(p, p, p + xBytes, rank, dim, log ? 1 : 0);
          if (rc) fail(rc);
          return new Tensor(copyOut(heapOf(f32), p / B, n), shape.slice(), t.dtype);
        } finally {
          core._ll_free(p);
        }
      }
      // Chunks as (k, shape[d], inner) tensors along dim 1.
      const xBytes = up8(perChunk * slice * B);
      const p = alloc(xBytes + 12, fn);
      try {
        const out = unfilled(f32 ? Float32Array : Float64Array, n);
        const dims = (p + xBytes) >> 2;
        for (let o = 0; o < outer; o += perChunk) {
          const k = Math.min(perChunk, outer - o);
          const heap = heapOf(f32);
          heap.set(t.data.subarray(o * slice, (o + k) * slice), p / B);
          const h32 = core.HEAP32;
          h32[dims] = k;
          h32[dims + 1] = rank === 0 ? 1 : shape[d];
          h32[dims + 2] = inner;
          const rc = kernel(p, p, p + xBytes, 3, 1, log ? 1 : 0);
          if (rc) fail(rc);
          out.set(heapOf(f32).subarray(p / B, p / B + k * slice), o * slice);
        }
        return new Tensor(out, shape.slice(), t.dtype);
      } finally {
        core._ll_free(p);
      }
    },

    /**
     * A large (N, C) mean / sum crossEntropyLoss in chunks of rows: each chunk's row losses with
     * reduction 'none' (copy in, compute while the chunk is in the CPU cache), then one reduction
     * of all N row losses in torch's cascade order, so the result is bit for bit the one-block
     * call's. Returns undefined when a chunk's checks fail (the caller then reports the error).
     */
    crossEntropyChunked(x, y, opts, f32, B) {
      const [N, C] = x.shape;
      const w = opts.weight;
      const perChunk = Math.max(1, Math.floor(CHUNK / C));
      const xBytes = up8(perChunk * C * B);
      const lossBytes = up8(N * B);
      const wBytes = w ? up8(w.size * B) : 0;
      const p = alloc(xBytes + lossBytes + wBytes + 4 * N + 16, 'crossEntropyLoss');
      const lossPtr = p + xBytes;
      const wPtr = lossPtr + lossBytes;
      const tPtr = wPtr + wBytes;
      const dPtr = tPtr + 4 * N;
      const ignore = opts.ignoreIndex ?? -100;
      try {
        if (w) heapOf(f32).set(w.data, wPtr / B);
        core.HEAP32.set(y.data, tPtr >> 2);
        const ce = f32 ? core._ll_ce_index_f32 : core._ll_ce_index_f64;
        for (let r = 0; r < N; r += perChunk) {
          const k = Math.min(perChunk, N - r);
          heapOf(f32).set(x.data.subarray(r * C, (r + k) * C), p / B);
          const h32 = core.HEAP32;
          h32[dPtr >> 2] = k;
          h32[(dPtr >> 2) + 1] = C;
          h32[(dPtr >> 2) + 2] = k;
          if (w) h32[(dPtr >> 2) + 3] = C;
          const rc = ce(lossPtr + r * B, p, dPtr, 2, tPtr + 4 * r, 1, w ? wPtr : 0, w ? 1 : -1,
            ignore, REDUCTION_CODE.none, 0, 0);
          if (rc) return undefined;
        }
        const reduce = f32 ? core._ll_nll_reduce_f32 : core._ll_nll_reduce_f64;
        const rc = reduce(p, lossPtr, tPtr, N, w ? wPtr : 0, C, ignore, REDUCTION_CODE[opts.reduction ?? 'mean']);
        if (rc) fail(rc);
        return heapOf(f32)[p / B];
      } finally {
        core._ll_free(p);
      }
    },

    /**
     * crossEntropyLoss with an int32 class-index target y: the loss (a number, or a Tensor for
     * reduction 'none') or, with grad, dLoss/dx as a Tensor.
     */
    crossEntropyIndex(x, y, opts, grad) {
      const f32 = x.dtype === 'float32';
      const B = f32 ? 4 : 8;
      const n = x.size;
      const reduction = opts.reduction ?? 'mean';
      if (!grad && reduction !== 'none' && !(opts.labelSmoothing > 0) && n > CHUNK &&
          x.shape.length === 2 && y.shape.length === 1 && y.size === x.shape[0]) {
        const loss = this.crossEntropyChunked(x, y, opts, f32, B);
        if (loss !== undefined) return loss;
        // A chunk failed its checks: the one-block call below throws the error with its message.
      }
      const w = opts.weight;
      const outN = grad ? n : reduction === 'none' ? y.size : 1;
      const xBytes = up8(Math.max(n, outN) * B);  // the result is written over x
      const wBytes = w ? up8(w.size * B) : 0;
      const tBytes = up8(y.size * 4);
      const nDims = x.shape.length + y.shape.length + (w ? w.shape.length : 0);
      const p = alloc(xBytes + wBytes + tBytes + 4 * nDims, grad ? 'grad.crossEntropyLoss' : 'crossEntropyLoss');
      try {
        const heap = heapOf(f32);
        heap.set(x.data, p / B);
        if (w) heap.set(w.data, (p + xBytes) / B);
        const tPtr = p + xBytes + wBytes;
        const dPtr = tPtr + tBytes;
        core.HEAP32.set(y.data, tPtr >> 2);
        core.HEAP32.set(x.shape, dPtr >> 2);
        core.HEAP32.set(y.shape, (dPtr >> 2) + x.shape.length);
        if (w) core.HEAP32.set(w.shape, (dPtr >> 2) + x.shape.length + y.shape.length);
        const rc = (f32 ? core._ll_ce_index_f32 : core._ll_ce_index_f64)(
          p, p, dPtr, x.shape.length, tPtr, y.shape.length, w ? p + xBytes : 0, w ? w.shape.length : -1,
          opts.ignoreIndex ?? -100, REDUCTION_CODE[reduction], opts.labelSmoothing ?? 0, grad ? 1 : 0);
        if (rc) fail(rc);
        const out = heapOf(f32);
        if (grad) return new Tensor(copyOut(out, p / B, n), x.shape.slice(), x.dtype);
        if (reduction !== 'none') return out[p / B];
        return new Tensor(copyOut(out, p / B, outN), y.shape.slice(), x.dtype);
      } finally {
        core._ll_free(p);
      }
    },
  };
}

// ---------- the API object ----------

function makeApi(core) {
  const fast = rawCalls(core);
  // Turns a core result {shape, data} into a Tensor of `dtype` (data is already a JS-owned copy).
  const fromCore = (r, dtype) => new Tensor(r.data, r.shape, dtype);
  // A loss result: a number when reduced, a Tensor for reduction 'none'.
  const lossResult = (r, dtype, reduction) => (reduction === 'none' ? fromCore(r, dtype) : r.data[0]);
  // Explain steps: value is a number for a 0-d step, else a Tensor of the op's dtype.
  const steps = (raw, dtype) =>
    raw.map((s) => ({
      id: s.id,
      title: s.title,
      formula: s.formula,
      value: s.shape.length === 0 ? s.data[0] : new Tensor(dtype === 'float32' ? Float32Array.from(s.data) : s.data, s.shape, dtype),
    }));

  const floatInput = (x, fn, arg) => {
    const t = toTensor(x, fn, arg);
    return t.dtype === 'int32' ? toTensor(t, fn, arg, 'float64') : t;
  };
  // Like floatInput for an argument that is only read and copied into wasm: a typed array of a
  // float dtype is wrapped as is (no JS-side copy).
  const floatArg = (x, fn, arg) => {
    const t = toTensor(x, fn, arg, undefined, undefined, false);
    return t.dtype === 'int32' ? toTensor(t, fn, arg, 'float64') : t;
  };

  // Ops with a dim: softmax / logSoftmax, through the one-copy raw call.
  const dimOp = (fn, log) => (x, dim = -1) => {
    const t = floatArg(x, fn, 'x');
    checkDim(dim, t.shape.length, fn);
    return fast.softmax(t, dim, log, fn);
  };
  const unaryOp = (fn, raw) => (x) => {
    const t = floatInput(x, fn, 'x');
    return fromCore(core[raw + suffix(t.dtype)](t), t.dtype);
  };

  // Losses with a float target of the input's shape.
  const PAIR_OPTS = {
    bceLoss: ['weight', 'reduction'],
    bceWithLogitsLoss: ['weight', 'posWeight', 'reduction'],
    mseLoss: ['reduction'],
  };
  const pairArgs = (base, fn, input, target, options) => {
    const x = checkNonEmpty(floatInput(input, fn, 'input'), fn, 'input');
    const dtype = x.dtype;
    const y = toTensor(target, fn, 'target', dtype);
    const opts = lossOptions(options, PAIR_OPTS[base], fn, dtype);
    return { x, y, opts, dtype };
  };

  const CE_OPTS = ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'];
  const NLL_OPTS = ['weight', 'ignoreIndex', 'reduction'];
  // crossEntropyLoss: the target's rank decides between class indices and class probabilities.
  const ceArgs = (base, fn, input, target, options) => {
    const x = checkNonEmpty(floatArg(input, fn, 'input'), fn, 'input');
    if (x.shape.length !== 1 && x.shape.length !== 2) {
      throw new RangeError(`${fn}: input has shape [${x.shape.join(', ')}]; expected logits of shape (C) or (N, C)`);
    }
    const dtype = x.dtype;
    const opts = lossOptions(options, CE_OPTS, fn, dtype);
    const t = isTensor(target) ? target : toTensor(target, fn, 'target');
    let y;
    if (t.shape.length === x.shape.length - 1) y = indexTarget(t, fn);
    else if (t.shape.length === x.shape.length) y = toTensor(t, fn, 'target', dtype);
    else {
      throw new RangeError(`${fn}: target has shape [${t.shape.join(', ')}]; expected class indices of shape [${x.shape.slice(0, -1).join(', ')}] or class probabilities of shape [${x.shape.join(', ')}]`);
    }
    return { x, y, opts, dtype };
  };
  const nllArgs = (base, fn, input, target, options) => {
    const x = checkNonEmpty(floatInput(input, fn, 'input'), fn, 'input');
    const dtype = x.dtype;
    const opts = lossOptions(options, NLL_OPTS, fn, dtype);
    return { x, y: indexTarget(target, fn), opts, dtype };
  };
  const manualArgs = (fn, yTrue, yPred) => {
    const p = checkNonEmpty(floatInput(yPred, fn, 'yPred'), fn, 'yPred');
    return { p, y: toTensor(yTrue, fn, 'yTrue', p.dtype) };
  };

  // The core names the loss in its messages; grad./explain. calls report their own public name.
  const as = (fn, base, call) => {
    try {
      return call();
    } catch (e) {
      if (e instanceof Error && e.message.startsWith(`${base}:`)) e.message = fn + e.message.slice(base.length);
      throw e;
    }
  };

  const losses = {
    crossEntropyLoss: [ceArgs, '_ce_loss'],
    nllLoss: [nllArgs, '_nll_loss'],
    bceLoss: [pairArgs, '_bce_loss'],
    bceWithLogitsLoss: [pairArgs, '_bce_with_logits_loss'],
    mseLoss: [pairArgs, '_mse_loss'],
  };

  const ll = {
    Tensor,
    tensor,
    format,

    softmax: dimOp('softmax', false),
    logSoftmax: dimOp('logSoftmax', true),
    sigmoid: unaryOp('sigmoid', '_sigmoid'),
    relu: unaryOp('relu', '_relu'),
    argmax(x, dim = -1) {
      const t = checkNonEmpty(floatInput(x, 'argmax', 'x'), 'argmax', 'x');
      checkDim(dim, t.shape.length, 'argmax');
      return fromCore(core['_argmax' + suffix(t.dtype)](t, dim), 'int32');
    },
    max(x, dim) {
      const t0 = toTensor(x, 'max', 'x');
      const t = checkNonEmpty(floatInput(t0, 'max', 'x'), 'max', 'x');
      if (dim === undefined) return core['_max_all' + suffix(t.dtype)](t);
      checkDim(dim, t.shape.length, 'max');
      const r = core['_max' + suffix(t.dtype)](t, dim);
      // int32 input: the values are whole numbers computed in float64; give them back as int32.
      const values = t0.dtype === 'int32' ? new Tensor(Int32Array.from(r.values.data), r.values.shape, 'int32') : fromCore(r.values, t.dtype);
      return { values, indices: fromCore(r.indices, 'int32') };
    },

    crossEntropy(yTrue, yPred) {
      const { p, y } = manualArgs('crossEntropy', yTrue, yPred);
      return core['_cross_entropy' + suffix(p.dtype)](y, p);
    },

    grad: {
      crossEntropy(yTrue, yPred) {
        const { p, y } = manualArgs('grad.crossEntropy', yTrue, yPred);
        return fromCore(as('grad.crossEntropy', 'crossEntropy', () => core['_cross_entropy_grad' + suffix(p.dtype)](y, p)), p.dtype);
      },
    },

    explain: {
      softmax(x, dim = -1) {
        const t = floatInput(x, 'explain.softmax', 'x');
        checkDim(dim, t.shape.length, 'explain.softmax');
        const r = as('explain.softmax', 'softmax', () => core['_softmax_explain' + suffix(t.dtype)](t, dim));
        return { result: fromCore(r.result, t.dtype), steps: steps(r.steps, t.dtype) };
      },
      logSoftmax(x, dim = -1) {
        const t = floatInput(x, 'explain.logSoftmax', 'x');
        checkDim(dim, t.shape.length, 'explain.logSoftmax');
        const r = as('explain.logSoftmax', 'logSoftmax', () => core['_log_softmax_explain' + suffix(t.dtype)](t, dim));
        return { result: fromCore(r.result, t.dtype), steps: steps(r.steps, t.dtype) };
      },
      crossEntropy(yTrue, yPred) {
        const { p, y } = manualArgs('explain.crossEntropy', yTrue, yPred);
        const r = as('explain.crossEntropy', 'crossEntropy', () => core['_cross_entropy_explain' + suffix(p.dtype)](y, p));
        return { result: r.result.data[0], steps: steps(r.steps, p.dtype) };
      },
    },

    /** { heapBytes, liveNets }: wasm heap bytes in use and nets not yet disposed. */
    memory() {
      return { heapBytes: core._heap_bytes(), liveNets: netCounter.live };
    },
  };

  for (const [name, [args, raw]] of Object.entries(losses)) {
    // crossEntropyLoss with class indices runs the fused kernel through the one-copy raw call.
    const indexCe = name === 'crossEntropyLoss';
    ll[name] = (input, target, options) => {
      const { x, y, opts, dtype } = args(name, name, input, target, options);
      if (indexCe && y.dtype === 'int32') return fast.crossEntropyIndex(x, y, opts, false);
      return lossResult(core[raw + suffix(dtype)](x, y, opts), dtype, opts.reduction ?? 'mean');
    };
    ll.grad[name] = (input, target, options) => {
      const fn = `grad.${name}`;
      const { x, y, opts, dtype } = args(name, fn, input, target, options);
      if (indexCe && y.dtype === 'int32') return as(fn, name, () => fast.crossEntropyIndex(x, y, opts, true));
      return fromCore(as(fn, name, () => core[`${raw}_grad${suffix(dtype)}`](x, y, opts)), dtype);
    };
    ll.explain[name] = (input, target, options) => {
      const fn = `explain.${name}`;
      const { x, y, opts, dtype } = args(name, fn, input, target, options);
      const r = as(fn, name, () => core[`${raw}_explain${suffix(dtype)}`](x, y, opts));
      return { result: lossResult(r.result, dtype, opts.reduction ?? 'mean'), steps: steps(r.steps, dtype) };
    };
  }

  // For web/src/mlp.js: the core module and the conversion helpers (documented in index.d.ts).
  const netCounter = { live: 0 };
  const internals = { core, Tensor, isTensor, toTensor, fromCore, floatInput, floatDtype, suffix, checkDim, lossOptions, indexTarget, steps, netCounter };
  attachMlp(ll, core, internals);
  return ll;
}
