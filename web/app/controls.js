// Form controls bound to a store key: text fields with inline errors, sliders, selects, buttons.
import { h, uid } from './dom.js';
import { parse, serialize } from './state.js';

/** A text field for store key `key`; bad input shows a message beside it and keeps the last good state. */
export function textField(store, key, { label, hint, size } = {}) {
  const spec = store.schema[key];
  const id = uid(key);
  const errId = `${id}-err`;
  const input = h('input', {
    id, type: 'text', class: 'field-input', 'data-field': key, spellcheck: 'false', autocomplete: 'off',
    inputmode: spec.type === 'nums' ? 'decimal' : undefined, size,
    'aria-describedby': errId,
  });
  input.value = serialize(spec, store.get()[key]);
  const err = h('span', { id: errId, class: 'field-error', role: 'status', 'data-error-for': key });
  const apply = () => {
    const r = parse(spec, input.value);
    if (r.ok) {
      err.textContent = '';
      input.removeAttribute('aria-invalid');
      store.set({ [key]: r.value });
    } else {
      err.textContent = r.error;
      input.setAttribute('aria-invalid', 'true');
    }
  };
  input.addEventListener('input', apply);
  store.subscribe((state, changed) => {
    if (changed.includes(key) && document.activeElement !== input && input.getRootNode().activeElement !== input) {
      input.value = serialize(spec, state[key]);
      err.textContent = '';
      input.removeAttribute('aria-invalid');
    }
  });
  return h('div', { class: 'field' },
    h('label', { for: id }, label || spec.label || key),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
    err);
}

/** A range slider with its value shown beside it. */
export function slider(store, key, { label, min, max, step, format = String } = {}) {
  const spec = store.schema[key];
  const id = uid(key);
  const out = h('output', { for: id, class: 'slider-value' }, format(store.get()[key]));
  const input = h('input', {
    id, type: 'range', min: min ?? spec.min, max: max ?? spec.max, step: step ?? 'any', 'data-field': key,
  });
  input.value = String(store.get()[key]);
  input.addEventListener('input', () => {
    const r = parse(spec, input.value);
    if (r.ok) store.set({ [key]: r.value });
  });
  store.subscribe((state, changed) => {
    if (!changed.includes(key)) return;
    input.value = String(state[key]);
    out.textContent = format(state[key]);
  });
  return h('div', { class: 'field field-slider' },
    h('div', { class: 'slider-head' }, h('label', { for: id }, label || spec.label), out), input);
}

/** A <select> over spec.values (or the given [value, text] options). */
export function select(store, key, { label, options } = {}) {
  const spec = store.schema[key];
  const id = uid(key);
  const opts = options || spec.values.map((v) => [v, v]);
  const sel = h('select', { id, 'data-field': key }, opts.map(([v, t]) => h('option', { value: v }, t)));
  sel.value = String(store.get()[key]);
  sel.addEventListener('change', () => {
    const r = parse(spec, sel.value);
    if (r.ok) store.set({ [key]: r.value });
  });
  store.subscribe((state, changed) => { if (changed.includes(key)) sel.value = String(state[key]); });
  return h('div', { class: 'field' }, h('label', { for: id }, label || spec.label), sel);
}

export function button(text, onclick, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', onclick, ...attrs }, text);
}

/** A code block with a caption ("PyTorch (notebook)" / "LogitLab JS"). */
export function codeBlock(caption, text, kind) {
  const code = h('code', {}, text);
  return h('figure', { class: `code code-${kind}`, 'data-code': kind },
    h('figcaption', {}, caption), h('pre', {}, code));
}
