// Line chart (SVG) of training curves, with a data table of every point.
import { dataTable, fmt, h, replace, s } from '../dom.js';

/** render(el, { series: [{ name, color, dash, points: [[x, y]] }], title, yMax, xLabel }) */
export function renderLines(el, { series, title = 'Line chart', yMin = 0, yMax, xLabel = 'step', digits = 3 }) {
  const W = 320;
  const H = 150;
  const L = 34;
  const R = 8;
  const T = 10;
  const B = 22;
  const all = series.flatMap((sr) => sr.points);
  const finite = all.filter((p) => Number.isFinite(p[1]));
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const top = yMax ?? Math.max(1e-6, ...finite.map((p) => p[1]));
  const X = (x) => L + (x / xMax) * (W - L - R);
  const Y = (y) => T + (1 - (Math.min(Math.max(y, yMin), top) - yMin) / (top - yMin || 1)) * (H - T - B);
  const paths = series.map((sr) => {
    const pts = sr.points.filter((p) => Number.isFinite(p[1]));
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join('');
    const last = pts[pts.length - 1];
    // A dot on the latest point, so a curve with one point (before training) still shows.
    return s('g', {},
      s('path', { d: d || 'M0,0', fill: 'none', stroke: sr.color, 'stroke-width': 2, 'stroke-dasharray': sr.dash || undefined }),
      last ? s('circle', { cx: X(last[0]).toFixed(1), cy: Y(last[1]).toFixed(1), r: 3, fill: sr.color }) : null);
  });
  const legend = h('ul', { class: 'legend' }, series.map((sr) => h('li', {},
    h('span', { class: `swatch${sr.dash ? ' swatch-dash' : ''}`, style: { borderColor: sr.color } }),
    `${sr.name}${sr.points.length ? `: ${fmt(sr.points[sr.points.length - 1][1], digits)}` : ''}`)));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-lines', role: 'img', 'aria-label': title },
    s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }),
    s('line', { x1: L, x2: L, y1: T, y2: H - B, class: 'axis' }),
    s('text', { x: L - 4, y: T + 4, 'text-anchor': 'end', class: 'tick' }, fmt(top, 2)),
    s('text', { x: L - 4, y: H - B, 'text-anchor': 'end', class: 'tick' }, fmt(yMin, 0)),
    s('text', { x: W - R, y: H - 6, 'text-anchor': 'end', class: 'tick' }, `${xLabel} ${xMax}`),
    paths);
  // Table: one row per x with every series' value (only the last 50 rows to stay small).
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b).slice(-50);
  const rows = xs.map((x) => [String(x), ...series.map((sr) => {
    const p = sr.points.find((q) => q[0] === x);
    return p ? String(p[1]) : '';
  })]);
  return replace(el, svg, legend, dataTable(title, [xLabel, ...series.map((sr) => sr.name)], rows));
}
