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
 * Safe access to localStorage: it may be missing, blocked (sandboxed iframes, some file:// setups)
 * or full; every failure is swallowed and reported as "not stored".
 */
export const storage = {
  get(key) {
    try { return globalThis.localStorage?.getItem(key) ?? null; } catch { return null; }
  },
  set(key, text) {
    try { globalThis.localStorage?.setItem(key, text); return true; } catch { return false; }
  },
  remove(key) {
    try { globalThis.localStorage?.removeItem(key); } catch { /* nothing to remove */ }
  },
};

const hasStateKeys = (schema, hashText) => {
  const params = new URLSearchParams(String(hashText || '').replace(/^#/, ''));
  for (const k of params.keys()) if (Object.prototype.hasOwnProperty.call(schema, k)) return true;
  return false;
};

/**
 * createStore(schema, { hash, storageKey, initial }) -> { get(), set(patch), subscribe(fn), schema, notices }.
 * With hash: true the store reads location.hash at start and on hashchange, and writes every
 * non-default value back (history.replaceState, so typing does not flood the history).
 * With storageKey, the same text form is also kept in localStorage and used when the hash holds no
 * state (a link with state wins over what this browser remembered).
 * Values that do not parse are ignored; each ignored value adds a line to `notices` (plain text).
 */
export function createStore(schema, { hash = false, storageKey = null, initial = {} } = {}) {
  let state = {};
  for (const [k, spec] of Object.entries(schema)) state[k] = spec.def;
  state = { ...state, ...sanitize(schema, initial) };
  const notices = [];
  const useHash = hash && hasStateKeys(schema, location.hash);
  if (storageKey && !useHash) {
    const stored = readStored(schema, storage.get(storageKey));
    state = { ...state, ...stored.values };
    if (stored.problem) notices.push(`The settings saved in this browser were ignored: ${stored.problem}.`);
  }
  if (hash) {
    const fromUrl = readHash(schema, location.hash);
    state = { ...state, ...fromUrl.values };
    if (fromUrl.rejected.length) {
      notices.push(`Ignored ${fromUrl.rejected.length === 1 ? 'a value' : `${fromUrl.rejected.length} values`} in the link: ${fromUrl.rejected.map((r) => r.error).join('; ')}.`);
    }
  }
  const subs = new Set();

  const notify = (changed) => { for (const fn of subs) fn(state, changed); };
  const store = {
    schema,
    notices,
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
      if (storageKey) writeStored();
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
  function writeStored() {
    const out = {};
    for (const [k, spec] of Object.entries(schema)) if (!same(state[k], spec.def)) out[k] = hashForm(spec, state[k]);
    if (Object.keys(out).length) storage.set(storageKey, JSON.stringify({ v: 1, state: out }));
    else storage.remove(storageKey);
  }
  if (hash) {
    addEventListener('hashchange', () => {
      if (!location.hash.includes('=')) return; // a plain #anchor, not a state link
      const fromUrl = readHash(schema, location.hash).values;
      const patch = {};
      for (const k of Object.keys(schema)) patch[k] = k in fromUrl ? fromUrl[k] : schema[k].def;
      store.set(patch);
    });
  }
  return store;
}

/**
 * Parses what createStore wrote to localStorage: { v: 1, state: { key: text } }. Anything else
 * (bad JSON, another shape, values that do not parse) -> { values, problem } with a plain-text reason.
 */
export function readStored(schema, text) {
  if (text === null || text === undefined) return { values: {}, problem: '' };
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    return { values: {}, problem: 'they are not valid JSON' };
  }
  if (!obj || typeof obj !== 'object' || obj.v !== 1 || !obj.state || typeof obj.state !== 'object' || Array.isArray(obj.state)) {
    return { values: {}, problem: 'they do not have the expected form' };
  }
  const values = {};
  const bad = [];
  for (const [k, v] of Object.entries(obj.state)) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) continue; // e.g. a key from an older version
    const r = typeof v === 'string' ? parse(schema[k], v) : { ok: false, error: `${schema[k].label || k}: not text` };
    if (r.ok) values[k] = r.value;
    else bad.push(r.error);
  }
  return { values, problem: bad.length ? bad.join('; ') : '' };
}

/** Parses a "#a=1&b=2,3" hash with the schema: { values, rejected: [{ key, error }] }. */
export function readHash(schema, hashText) {
  const params = new URLSearchParams(String(hashText || '').replace(/^#/, ''));
  const values = {};
  const rejected = [];
  for (const [k, v] of params) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) continue;
    const r = parse(schema[k], v);
    if (r.ok) values[k] = r.value;
    else rejected.push({ key: k, error: r.error });
  }
  return { values, rejected };
}

/** Parses a "#a=1&b=2,3" hash with the schema; bad values are dropped. */
export function fromHash(schema, hashText) {
  return readHash(schema, hashText).values;
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
