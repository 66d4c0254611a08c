// Tensor printing exactly like torch 1.13's repr (tensor(...)) and numpy 1.x's str ([...]).
//
// Every decimal is produced from the exact binary value with round-half-even, as Python's
// '{:.4f}' / '{:.4e}' and numpy's Dragon4 do (JS toFixed rounds ties away from zero).

const TORCH = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 };
const NUMPY = { precision: 8, threshold: 1000, edgeitems: 3, linewidth: 75 };

// ---------- exact decimal arithmetic on doubles ----------

const pow5Cache = [1n];
function pow5(k) {
  while (pow5Cache.length <= k) pow5Cache.push(pow5Cache[pow5Cache.length - 1] * 5n);
  return pow5Cache[k];
}
const pow10 = (k) => 10n ** BigInt(k);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// |x| (finite) = D / 10^k exactly, as { D: BigInt, k }.
function exactDecimal(x) {
  f64[0] = Math.abs(x);
  const hi = u32[LITTLE ? 1 : 0];
  const lo = u32[LITTLE ? 0 : 1];
  const e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let p;
  if (e === 0) p = -1074;
  else {
    m += 1n << 52n;
    p = e - 1075;
  }
  if (m === 0n) return { D: 0n, k: 0 };
  if (p >= 0) return { D: m << BigInt(p), k: 0 };
  return { D: m * pow5(-p), k: -p };
}

// Round-half-even of D / 10^s for s >= 0 (s < 0 multiplies).
function roundDiv(D, s) {
  if (s <= 0) return D * pow10(-s);
  const q = pow10(s);
  let n = D / q;
  const r2 = (D % q) * 2n;
  if (r2 > q || (r2 === q && (n & 1n) === 1n)) n += 1n;
  return n;
}

const isNeg = (x) => x < 0 || Object.is(x, -0);

// Python's '{:.Pf}'.format(x).
export function pyFixed(x, P) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const { D, k } = exactDecimal(x);
  const s = roundDiv(D, k - P).toString().padStart(P + 1, '0');
  const body = P > 0 ? `${s.slice(0, s.length - P)}.${s.slice(s.length - P)}` : s;
  return (isNeg(x) ? '-' : '') + body;
}

// Mantissa digits (P + 1 of them) and decimal exponent of |x| rounded half-even.
function sciDigits(x, P) {
  const { D, k } = exactDecimal(x);
  if (D === 0n) return { digits: '0'.repeat(P + 1), exp: 0 };
  const len = D.toString().length;
  let exp = len - 1 - k;
  let n = roundDiv(D, len - (P + 1));
  if (n === pow10(P + 1)) {
    n /= 10n;
    exp += 1;
  }
  return { digits: n.toString(), exp };
}

const expStr = (e, minDigits) => (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(minDigits, '0');

// Python's '{:.Pe}'.format(x).
export function pySci(x, P) {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const { digits, exp } = sciDigits(x, P);
  const mant = P > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${isNeg(x) ? '-' : ''}${mant}e${expStr(exp, 2)}`;
}

// Shortest digits that read back as x in its dtype: |x| ~= d1.d2d3... * 10^exp.
function shortestDigits(x, dtype) {
  const a = Math.abs(x);
  if (a === 0) return { digits: '0', exp: 0 };
  let s;
  if (dtype === 'float32') {
    for (let p = 1; p <= 9; p++) {
      s = a.toExponential(p - 1);
      if (Math.fround(Number(s)) === a) break;
    }
  } else {
    s = a.toExponential();
  }
  const [mant, e] = s.split('e');
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

// numpy's Dragon4 in unique mode with a cap of `precision` fraction digits (positional):
// returns [intPart, fracPart] without sign, trailing zeros trimmed.
function npPositionalParts(x, dtype, precision) {
  const { digits, exp } = shortestDigits(x, dtype);
  let intPart;
  let frac;
  if (digits === '0') return ['0', ''];
  if (exp >= 0) {
    const padded = digits.padEnd(exp + 1, '0');
    intPart = padded.slice(0, exp + 1);
    frac = padded.slice(exp + 1);
  } else {
    intPart = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  }
  if (precision !== null && frac.length > precision) {
    // Too many digits: round the exact value to `precision` fraction digits.
    const { D, k } = exactDecimal(x);
    const s = roundDiv(D, k - precision).toString().padStart(precision + 1, '0');
    intPart = s.slice(0, s.length - precision);
    frac = s.slice(s.length - precision);
  }
  return [intPart, frac.replace(/0+$/, '')];
}

// numpy's Dragon4 scientific in unique mode with a cap of `precision` mantissa fraction digits:
// returns { mant: [int, frac] (trailing zeros trimmed), exp } without sign.
function npSciParts(x, dtype, precision) {
  let { digits, exp } = shortestDigits(x, dtype);
  if (precision !== null && digits.length - 1 > precision) {
    ({ digits, exp } = sciDigits(x, precision));
  }
  return { int: digits[0], frac: digits.slice(1).replace(/0+$/, ''), exp };
}

// ---------- shared helpers ----------

// Row-major nested access: the elements of `data` under index prefix, as a view description.
function strides(shape) {
  const st = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

// Values a printer looks at to choose its format: all, or the edge items when summarizing.
function summarizedValues(data, shape, edge) {
  const out = [];
  const st = strides(shape);
  const rec = (axis, off) => {
    if (axis === shape.length) {
      out.push(data[off]);
      return;
    }
    const n = shape[axis];
    const idx = [];
    if (n > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      for (let i = n - edge; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    for (const i of idx) rec(axis + 1, off + i * st[axis]);
  };
  rec(0, 0);
  return out;
}

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

// ---------- torch ----------

class TorchFormatter {
  constructor(values, dtype) {
    this.floating = dtype !== 'int32';
    this.intMode = true;
    this.sciMode = false;
    this.maxWidth = 1;
    const P = TORCH.precision;
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, String(v).length);
      return;
    }
    const nz = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (nz.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of nz) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    this.intMode = nz.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pySci(v, P).length);
      } else {
        for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pySci(v, P).length);
    } else {
      for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, P).length);
    }
  }

  format(v) {
    let ret;
    if (!this.floating) ret = String(v);
    else if (this.sciMode) ret = pySci(v, TORCH.precision);
    else if (this.intMode) {
      ret = pyFixed(v, 0);
      if (Number.isFinite(v)) ret += '.';
    } else ret = pyFixed(v, TORCH.precision);
    return ret.padStart(this.maxWidth, ' ');
  }
}

function torchBody(data, shape, indent, summarize, fmt) {
  const st = strides(shape);
  const E = TORCH.edgeitems;
  const rec = (axis, off, ind) => {
    const n = shape[axis];
    const dimLeft = shape.length - axis;
    const cut = summarize && n > 2 * E;
    if (dimLeft === 1) {
      const perLine = Math.max(1, Math.floor((TORCH.linewidth - ind) / (fmt.maxWidth + 2)));
      const items = [];
      if (cut) {
        for (let i = 0; i < E; i++) items.push(fmt.format(data[off + i * st[axis]]));
        items.push(' ...');
        for (let i = n - E; i < n; i++) items.push(fmt.format(data[off + i * st[axis]]));
      } else for (let i = 0; i < n; i++) items.push(fmt.format(data[off + i * st[axis]]));
      const lines = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(ind + 1)}`)}]`;
    }
    const slices = [];
    const sub = (i) => rec(axis + 1, off + i * st[axis], ind + 1);
    if (cut) {
      for (let i = 0; i < E; i++) slices.push(sub(i));
      slices.push('...');
      for (let i = n - E; i < n; i++) slices.push(sub(i));
    } else for (let i = 0; i < n; i++) slices.push(sub(i));
    return `[${slices.join(`,${'\n'.repeat(dimLeft - 1)}${' '.repeat(ind + 1)}`)}]`;
  };
  return rec(0, 0, indent);
}

function addSuffixes(str, suffixes, indent) {
  const parts = [str];
  let last = str.length - str.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > TORCH.linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${s}`);
      last = indent + s.length;
    } else {
      parts.push(`, ${s}`);
      last += s.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** torch 1.13's repr of a tensor; int32 prints as torch's default int64 does (no dtype suffix). */
export function formatTorch({ data, shape, dtype }) {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes = [];
  const n = sizeOf(shape);
  let body;
  if (n === 0) {
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
    if (dtype === 'float64') suffixes.push('dtype=torch.float64');
    else if (dtype === 'int32') suffixes.push('dtype=torch.int64');
    body = '[]';
  } else {
    if (dtype === 'float64') suffixes.push('dtype=torch.float64');
    const summarize = n > TORCH.threshold;
    const values = summarize ? summarizedValues(data, shape, TORCH.edgeitems) : Array.from(data);
    const fmt = new TorchFormatter(values, dtype);
    body = shape.length === 0 ? fmt.format(data[0]).trimStart() : torchBody(data, shape, indent, summarize, fmt);
  }
  return addSuffixes(prefix + body, suffixes, indent);
}

// ---------- numpy ----------

class NumpyFloatFormat {
  constructor(values, dtype) {
    const P = NUMPY.precision;
    this.dtype = dtype;
    const finite = values.filter(Number.isFinite);
    const nz = finite.filter((v) => v !== 0).map(Math.abs);
    this.exp = false;
    if (nz.length) {
      const max = Math.max(...nz);
      const min = Math.min(...nz);
      if (max >= 1e8 || min < 0.0001 || max / min > 1000) this.exp = true;
    }
    if (finite.length === 0) {
      this.padLeft = 0;
      this.padRight = 0;
      this.precision = P;
    } else if (this.exp) {
      const parts = finite.map((v) => npSciParts(v, dtype, P));
      this.expSize = Math.max(...parts.map((p) => Math.max(2, String(Math.abs(p.exp)).length)));
      this.precision = Math.max(...parts.map((p) => p.frac.length));
      this.padLeft = Math.max(...finite.map((v, i) => parts[i].int.length + (isNeg(v) ? 1 : 0)));
      this.padRight = this.expSize + 2 + this.precision;
    } else {
      const parts = finite.map((v) => npPositionalParts(v, dtype, P));
      this.precision = P;
      this.padLeft = Math.max(...finite.map((v, i) => parts[i][0].length + (isNeg(v) ? 1 : 0)));
      this.padRight = Math.max(...parts.map((p) => p[1].length));
    }
    if (finite.length !== values.length) {
      const neginf = values.some((v) => v === -Infinity);
      const offset = this.padRight + 1;
      this.padLeft = Math.max(this.padLeft, 3 - offset, 3 + (neginf ? 1 : 0) - offset);
    }
  }

  format(v) {
    if (!Number.isFinite(v)) {
      const ret = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
      return ret.padStart(this.padLeft + this.padRight + 1, ' ');
    }
    const sign = isNeg(v) ? '-' : '';
    if (this.exp) {
      // min_digits = precision: Dragon4 prints the exact value's digits past the unique ones.
      const { digits, exp } = sciDigits(v, this.precision);
      const s = `${sign}${digits[0]}.${digits.slice(1)}e${expStr(exp, this.expSize)}`;
      return s.padStart(this.padLeft + s.length - (sign.length + 1), ' ');
    }
    const [i, f] = npPositionalParts(v, this.dtype, this.precision);
    return `${(sign + i).padStart(this.padLeft, ' ')}.${f.padEnd(this.padRight, ' ')}`;
  }
}

class NumpyIntFormat {
  constructor(values) {
    this.width = values.length ? Math.max(...values.map((v) => String(v).length)) : 0;
  }
  format(v) {
    return String(v).padStart(this.width, ' ');
  }
}

// numpy's str() of a 0-d array (the scalar's str).
function numpyScalar(v, dtype) {
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v < 0 ? '-inf' : 'inf';
  const sign = isNeg(v) ? '-' : '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const p = npSciParts(v, dtype, null);
    return `${sign}${p.int}${p.frac ? `.${p.frac}` : ''}e${expStr(p.exp, 2)}`;
  }
  const [i, f] = npPositionalParts(v, dtype, null);
  return `${sign}${i}.${f || '0'}`;
}

function extendLine(s, line, word, width, prefix) {
  let wrap = line.length + word.length > width;
  if (line.length <= prefix.length) wrap = false;
  if (wrap) {
    s += `${line.trimEnd()}\n`;
    line = prefix;
  }
  return [s, line + word];
}

/** numpy 1.x's str() of an array: precision 8, floatmode 'maxprec', linewidth 75. */
export function formatNumpy({ data, shape, dtype }) {
  const n = sizeOf(shape);
  if (shape.length === 0) return numpyScalar(data[0], dtype);
  if (n === 0) return '[]';
  const summarize = n > NUMPY.threshold;
  const E = NUMPY.edgeitems;
  const values = summarize ? summarizedValues(data, shape, E) : Array.from(data);
  const fmt = dtype === 'int32' ? new NumpyIntFormat(values) : new NumpyFloatFormat(values, dtype);
  const st = strides(shape);
  const sep = ' ';
  const rec = (axis, off, hanging, width) => {
    if (axis === shape.length) return fmt.format(data[off]);
    const nextHanging = `${hanging} `;
    const nextWidth = width - 1;
    const len = shape[axis];
    const cut = summarize && 2 * E < len;
    const lead = cut ? E : 0;
    const trail = cut ? E : len;
    const left = shape.length - axis;
    const at = (i) => off + (i < 0 ? len + i : i) * st[axis];
    let s = '';
    if (left === 1) {
      const elemWidth = width - 1;
      let line = hanging;
      for (let i = 0; i < lead; i++) {
        [s, line] = extendLine(s, line, rec(axis + 1, at(i), nextHanging, nextWidth), elemWidth, hanging);
        line += sep;
      }
      if (cut) {
        [s, line] = extendLine(s, line, '...', elemWidth, hanging);
        line += sep;
      }
      for (let i = trail; i > 1; i--) {
        [s, line] = extendLine(s, line, rec(axis + 1, at(-i), nextHanging, nextWidth), elemWidth, hanging);
        line += sep;
      }
      [s, line] = extendLine(s, line, rec(axis + 1, at(-1), nextHanging, nextWidth), elemWidth, hanging);
      s += line;
    } else {
      const lineSep = '\n'.repeat(left - 1);
      for (let i = 0; i < lead; i++) s += hanging + rec(axis + 1, at(i), nextHanging, nextWidth) + lineSep;
      if (cut) s += `${hanging}...${lineSep}`;
      for (let i = trail; i > 1; i--) s += hanging + rec(axis + 1, at(-i), nextHanging, nextWidth) + lineSep;
      s += hanging + rec(axis + 1, at(-1), nextHanging, nextWidth);
    }
    return `[${s.slice(hanging.length)}]`;
  };
  return rec(0, 0, ' ', NUMPY.linewidth);
}
