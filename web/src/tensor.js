// The JS Tensor (plain typed arrays, no wasm memory) and the validating conversion every function uses.
import { formatTorch } from './format.js';

export const DTYPES = Object.freeze({
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
});
const DTYPE_LIST = "'float32', 'float64' or 'int32'";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)})`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v === 'undefined' ? '' : 'a '}${typeof v}${typeof v === 'boolean' ? ` (${v})` : ''}`;
}

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

// Marks Tensors across copies of this module (Symbol.for is shared by every copy in a realm): a
// page or bundle that ends up with two copies of the package still passes Tensors between them.
const TENSOR_BRAND = Symbol.for('logitlab.Tensor');

/** A dense row-major tensor: shape, dtype and a typed array it owns. Holds no wasm memory. */
export class Tensor {
  get [TENSOR_BRAND]() {
    return true;
  }

  constructor(data, shape, dtype) {
    const Ctor = DTYPES[dtype];
    if (!Ctor) throw new RangeError(`Tensor: dtype is ${JSON.stringify(dtype)}; expected ${DTYPE_LIST}`);
    if (!(data instanceof Ctor)) throw new TypeError(`Tensor: data must be a ${Ctor.name} for dtype '${dtype}'`);
    if (sizeOf(shape) !== data.length) {
      throw new RangeError(`Tensor: shape [${shape.join(', ')}] does not match ${data.length} elements`);
    }
    this.shape = shape;
    this.dtype = dtype;
    this.data = data;
  }

  get size() {
    return this.data.length;
  }

  /** Nested arrays of numbers (a number for a 0-d tensor), like torch's tolist(). */
  tolist() {
    const { data, shape } = this;
    if (shape.length === 0) return data[0];
    let off = 0;
    const rec = (axis) => {
      const out = new Array(shape[axis]);
      for (let i = 0; i < shape[axis]; i++) out[i] = axis === shape.length - 1 ? data[off++] : rec(axis + 1);
      return out;
    };
    return rec(0);
  }

  /** The value of a one-element tensor. */
  item() {
    if (this.data.length !== 1) {
      throw new RangeError(`item: the tensor has ${this.data.length} elements; expected exactly one`);
    }
    return this.data[0];
  }

  /** torch 1.13's print style, e.g. tensor([0.6590, 0.2424, 0.0986]). */
  toString() {
    return formatTorch(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString();
  }
}

/** A Tensor of this copy of the module or of another copy loaded next to it. */
export function isTensor(v) {
  return v instanceof Tensor || (typeof v === 'object' && v !== null && v[TENSOR_BRAND] === true);
}

function isTypedArray(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function checkShape(shape, fn, arg) {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${fn}: ${arg} shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${fn}: ${arg} shape [${shape.join(', ')}] must hold non-negative integers`);
    }
  }
  return shape.slice();
}

// Infers the shape of nested arrays and checks they are rectangular and hold only numbers.
function nestedShape(data, fn, arg) {
  const shape = [];
  for (let v = data; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const flat = new Array(sizeOf(shape));
  let k = 0;
  const rec = (v, axis, path) => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        const what = Array.isArray(v) ? `an array, expected a number (${arg} is ragged)` : `${describe(v)}, expected a number`;
        throw new TypeError(`${fn}: ${arg}${path} is ${what}`);
      }
      flat[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      const where = axis === 1 ? `row ${path.slice(1, -1)}` : `${arg}${path}`;
      const has = Array.isArray(v) ? `has ${v.length} elements` : `is ${describe(v)}`;
      throw new RangeError(`${fn}: ${arg} is ragged: ${where} ${has}, expected ${shape[axis]}`);
    }
    for (let i = 0; i < v.length; i++) rec(v[i], axis + 1, `${path}[${i}]`);
  };
  rec(data, 0, '');
  return { shape, flat };
}

// Copies values into the dtype's typed array (or, with copy = false, keeps a typed array that
// already has the dtype); int32 requires integers in range.
function castData(src, dtype, fn, arg, copy = true) {
  const Ctor = DTYPES[dtype];
  if (dtype === 'int32' && !(src instanceof Int32Array)) {
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
        throw new RangeError(`${fn}: ${arg}[${i}] = ${v} is not an int32 integer; expected whole numbers for dtype 'int32'`);
      }
    }
  }
  if (src instanceof Ctor) return copy ? src.slice() : src;
  return Ctor.from(src);
}

// A Tensor's fields are plain properties a caller can overwrite: check they still agree (O(rank)).
function checkTensor(t, fn, arg) {
  const Ctor = DTYPES[t.dtype];
  if (!Ctor) {
    throw new RangeError(`${fn}: ${arg} is a Tensor with dtype ${JSON.stringify(t.dtype)}; expected ${DTYPE_LIST}`);
  }
  if (!(t.data instanceof Ctor)) {
    throw new TypeError(`${fn}: ${arg} is a Tensor whose data is ${describe(t.data)}; expected a ${Ctor.name} for dtype '${t.dtype}'`);
  }
  checkShape(t.shape, fn, `${arg}`);
  if (sizeOf(t.shape) !== t.data.length) {
    throw new RangeError(`${fn}: ${arg} is a Tensor of shape [${t.shape.join(', ')}] but holds ${t.data.length} elements; expected ${sizeOf(t.shape)}`);
  }
}

/** Checks that an options argument is a plain object (or absent) and returns it. */
export function optionsObject(options, fn, arg = 'options') {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${fn}: ${arg} is ${describe(options)}; expected an object such as { dtype: 'float32' }`);
  }
  return options;
}

/**
 * Converts anything ll.tensor accepts into a Tensor, validating it. `fn`/`arg` name the public
 * function and argument in error messages. With `dtype`, the result has that dtype (a Tensor of
 * that dtype is returned as is, without a copy); otherwise the default dtype of the input.
 * `shape` reshapes (the element count must match). copy = false lets the Tensor share a typed
 * array of its dtype instead of copying it: only for arguments that are read and not kept.
 */
export function toTensor(x, fn = 'tensor', arg = 'data', dtype = undefined, shape = undefined, copy = true) {
  if (dtype !== undefined && !DTYPES[dtype]) {
    throw new RangeError(`${fn}: dtype is ${JSON.stringify(dtype)}; expected ${DTYPE_LIST}`);
  }
  if (shape !== undefined && shape !== null) shape = checkShape(shape, fn, arg);
  else shape = undefined;
  let data;
  let inferred;
  let srcDtype;
  if (isTensor(x)) {
    checkTensor(x, fn, arg);
    if ((dtype === undefined || dtype === x.dtype) && shape === undefined) return x;
    data = x.data;
    inferred = x.shape;
    srcDtype = x.dtype;
  } else if (typeof x === 'number') {
    data = [x];
    inferred = [];
    srcDtype = 'float64';
  } else if (isTypedArray(x)) {
    if (x instanceof BigInt64Array || x instanceof BigUint64Array) {
      throw new TypeError(`${fn}: ${arg} is a ${x.constructor.name}; expected numbers, nested arrays, a Float32Array, Float64Array, Int32Array or a Tensor`);
    }
    data = x;
    inferred = [x.length];
    srcDtype = x instanceof Float32Array ? 'float32' : x instanceof Int32Array ? 'int32' : 'float64';
  } else if (Array.isArray(x)) {
    const r = nestedShape(x, fn, arg);
    data = r.flat;
    inferred = r.shape;
    srcDtype = 'float64';
  } else {
    throw new TypeError(`${fn}: ${arg} is ${describe(x)}; expected a number, nested arrays of numbers, a Float32Array, Float64Array, Int32Array or a Tensor`);
  }
  const outShape = shape ?? inferred.slice();
  if (sizeOf(outShape) !== data.length) {
    throw new RangeError(`${fn}: ${arg} has ${data.length} elements, which does not fit shape [${outShape.join(', ')}] (${sizeOf(outShape)} elements)`);
  }
  const outDtype = dtype ?? srcDtype;
  // A typed array of the target dtype is taken over with one bulk copy (slice), never element by element.
  return new Tensor(castData(data, outDtype, fn, arg, copy), outShape, outDtype);
}

/** ll.tensor(data, { dtype, shape }): always a new Tensor owning its data. */
export function tensor(data, options) {
  const { dtype, shape, ...rest } = optionsObject(options, 'tensor');
  const extra = Object.keys(rest);
  if (extra.length) throw new TypeError(`tensor: unknown option '${extra[0]}'; expected dtype or shape`);
  const t = toTensor(data, 'tensor', 'data', dtype, shape);
  return t === data ? new Tensor(t.data.slice(), t.shape.slice(), t.dtype) : t;
}
