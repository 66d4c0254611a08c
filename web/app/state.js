// The one UI state module: typed fields, parsing of user text, subscriptions, and the URL-hash mirror.

/**
 * Field specs: { type: 'nums' | 'num' | 'int' | 'enum', def, min, max, values, minLen, maxLen, label }.
 * parse(spec, text) -> { ok: true, value } | { ok: false, error }. Text from the URL hash, element
 * attributes and input fields all go through here; nothing else reaches the state.
 */
export function parse(spec, text) {
  const label = spec.label || 'value';
  const raw = String(text ?? '').trim();
  if (spec.type === 'enum') {
    return spec.values.includes(raw) ? { ok: true, value: raw }
      : { ok: false, error: `${label}: expected one of ${spec.values.join(', ')}` };
  }
  if (spec.type === 'nums') {
    if (raw === '' && spec.minLen === 0) return { ok: true, value: [] };
    // Commas separate items (spaces alone also work); an empty item between commas is an error.
    const parts = (raw.includes(',') ? raw.split(',').map((p) => p.trim()) : raw.split(/\s+/))
      .filter((p, i, a) => !(p === '' && (i === 0 || i === a.length - 1)));
    const out = [];
    for (const [i, p] of parts.entries()) {
      const v = toNumber(p);
      if (v === null) {
        return { ok: false, error: `${label}: item ${i + 1} ${p === '' ? 'is empty' : `"${clip(p)}" is not a number`}; expected numbers separated by commas, e.g. 2, 1, 0.1` };
      }
      if (spec.min !== undefined && v < spec.min) return { ok: false, error: `${label}: item ${i + 1} must be ≥ ${spec.min}` };
      if (spec.max !== undefined && v > spec.max) return { ok: false, error: `${label}: item ${i + 1} must be ≤ ${spec.max}` };
      if (spec.integer && !Number.isInteger(v)) return { ok: false, error: `${label}: item ${i + 1} must be an integer` };
      out.push(v);
    }
    const minLen = spec.minLen ?? 1;
    if (out.length < minLen) return { ok: false, error: `${label}: expected at least ${minLen} number${minLen > 1 ? 's' : ''}` };
    if (spec.maxLen && out.length > spec.maxLen) return { ok: false, error: `${label}: expected at most ${spec.maxLen} numbers` };
    return { ok: true, value: out };
  }
  // num / int
  const v = toNumber(raw);
  if (v === null) return { ok: false, error: `${label}: "${clip(raw)}" is not a number` };
  if (spec.type === 'int' && !Number.isInteger(v)) return { ok: false, error: `${label}: expected an integer` };
  if (spec.min !== undefined && v < spec.min) return { ok: false, error: `${label}: expected a value ≥ ${spec.min}` };
  if (spec.max !== undefined && v > spec.max) return { ok: false, error: `${label}: expected a value ≤ ${spec.max}` };
  return { ok: true, value: v };
}

function toNumber(p) {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(p)) return null;
  const v = Number(p);
  return Number.isFinite(v) ? v : null;
}
const clip = (t) => (t.length > 20 ? `${t.slice(0, 20)}…` : t);

/** Text form of a value, as typed in a field and written to the hash. */
export function serialize(spec, value) {
  if (spec.type === 'nums') return value.join(', ');
  return String(value);
}
const hashForm = (spec, value) => (spec.type === 'nums' ? value.join(',') : String(value));

const same = (a, b) => (Array.isArray(a) ? Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]) : a === b);

/**
 * createStore(schema, { hash, initial }) -> { get(), set(patch), subscribe(fn), schema }.
 * With hash: true the store reads location.hash at start and on hashchange, and writes every
 * non-default value back (history.replaceState, so typing does not flood the history).
 * Unknown keys and values that do not parse are ignored.
 */
export function createStore(schema, { hash = false, initial = {} } = {}) {
  let state = {};
  for (const [k, spec] of Object.entries(schema)) state[k] = spec.def;
  state = { ...state, ...sanitize(schema, initial) };
  if (hash) state = { ...state, ...fromHash(schema, location.hash) };
  const subs = new Set();

  const notify = (changed) => { for (const fn of subs) fn(state, changed); };
  const store = {
    schema,
    get: () => state,
    set(patch) {
      const changed = [];
      const next = { ...state };
      for (const [k, v] of Object.entries(patch)) {
        if (!(k in schema) || same(state[k], v)) continue;
        next[k] = v;
        changed.push(k);
      }
      if (!changed.length) return;
      state = next;
      if (hash) writeHash();
      notify(changed);
    },
    subscribe(fn) { subs.add(fn); return () => subs.delete(fn); },
  };

  function writeHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const [k, spec] of Object.entries(schema)) {
      if (same(state[k], spec.def)) params.delete(k);
      else params.set(k, hashForm(spec, state[k]));
    }
    const text = params.toString().replace(/%2C/gi, ',');
    const url = `${location.pathname}${location.search}${text ? `#${text}` : ''}`;
    history.replaceState(history.state, '', url);
  }
  if (hash) {
    addEventListener('hashchange', () => {
      if (!location.hash.includes('=')) return; // a plain #anchor, not a state link
      const fromUrl = fromHash(schema, location.hash);
      const patch = {};
      for (const k of Object.keys(schema)) patch[k] = k in fromUrl ? fromUrl[k] : schema[k].def;
      store.set(patch);
    });
  }
  return store;
}

/** Parses a "#a=1&b=2,3" hash with the schema; bad values are dropped. */
export function fromHash(schema, hashText) {
  const params = new URLSearchParams(String(hashText || '').replace(/^#/, ''));
  const out = {};
  for (const [k, v] of params) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) continue;
    const r = parse(schema[k], v);
    if (r.ok) out[k] = r.value;
  }
  return out;
}

/** Keeps only keys of the schema whose values parse (values may be given as text or typed). */
export function sanitize(schema, obj) {
  const out = {};
  if (!obj || typeof obj !== 'object') return out;
  for (const [k, v] of Object.entries(obj)) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) continue;
    const spec = schema[k];
    const text = Array.isArray(v) ? v.join(',') : v;
    if (typeof text !== 'string' && typeof text !== 'number') continue;
    const r = parse(spec, text);
    if (r.ok) out[k] = r.value;
  }
  return out;
}
