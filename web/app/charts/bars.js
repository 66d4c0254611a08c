// Bar chart (SVG) of values in [0, max], with a data table for screen readers.
import { dataTable, fmt, h, replace, s } from '../dom.js';
import { color } from '../palette.js';

/** render(el, { labels, values, max, title, digits, highlight }) */
export function renderBars(el, { labels, values, max = 1, title = 'Bar chart', digits = 4, highlight = -1 }) {
  const W = 320;
  const H = 170;
  const top = 18;
  const bottom = 24;
  const n = values.length;
  const slot = W / Math.max(n, 1);
  const bw = Math.min(56, slot * 0.7);
  const plotH = H - top - bottom;
  const bars = values.map((v, i) => {
    const ok = Number.isFinite(v);
    const hgt = ok ? Math.max(0, Math.min(1, v / max)) * plotH : 0;
    const x = i * slot + (slot - bw) / 2;
    return s('g', { class: `bar${i === highlight ? ' bar-hl' : ''}` },
      s('rect', { x, y: top + plotH - hgt, width: bw, height: Math.max(hgt, 0.5), fill: color(i), rx: 2 }),
      s('text', { x: x + bw / 2, y: top + plotH - hgt - 4, 'text-anchor': 'middle', class: 'bar-val' }, ok ? fmt(v, digits) : String(v)),
      s('text', { x: x + bw / 2, y: H - 6, 'text-anchor': 'middle', class: 'bar-label' }, labels[i]));
  });
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-bars', role: 'img', 'aria-label': title },
    s('line', { x1: 0, x2: W, y1: top + plotH, y2: top + plotH, class: 'axis' }),
    bars);
  return replace(el, svg, dataTable(title, ['', 'value'], values.map((v, i) => [labels[i], String(v)])));
}
