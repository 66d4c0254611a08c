// Tiny DOM helpers for the page: build elements with textContent only (never innerHTML).
let counter = 0;

/** A unique id for label/for pairs, so several widgets can live on one page. */
export function uid(base) {
  counter += 1;
  return `ll-${base}-${counter}`;
}

/**
 * h('div', { class: 'x', onclick: fn, style: { width: '3px' } }, 'text', child, [more])
 * Strings become text nodes; `on*` keys become listeners; `style` goes through the CSSOM
 * (allowed under a strict CSP, unlike style attributes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Same as h() for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A visually hidden (screen-reader only) data table inside <details> for a chart's numbers. */
export function dataTable(caption, header, rows) {
  return h('details', { class: 'chart-data' },
    h('summary', {}, 'Numbers in this chart'),
    h('table', { class: 'num-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, header.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

/** Formats a JS number for display without computing anything new. */
export function fmt(x, digits = 4) {
  if (typeof x !== 'number') return String(x);
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

/** Shortest text of element i of a core Tensor: float32 values print as float32 (0.3, not 0.30000001192092896). */
export function cell(t, i) {
  const x = t.data[i];
  if (t.dtype !== 'float32' || !Number.isFinite(x)) return String(x);
  for (let p = 1; p <= 9; p += 1) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(x);
}
