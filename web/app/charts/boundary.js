// Decision-boundary heatmap (canvas): each cell coloured by the predicted class, shaded by its probability.
import { dataTable, h, replace } from '../dom.js';
import { PALETTE, RGB } from '../palette.js';

/**
 * render(el, { probs, classes, res, extent: [x0, x1, y0, y1], points: { x: [[a, b]], y: [c] }, title })
 * probs: Float32Array/Float64Array of res*res*classes (row 0 = top), from the core's softmax/sigmoid.
 */
export function renderBoundary(el, { probs, classes, res, extent, points, title = 'Decision boundary' }) {
  const size = 280;
  let canvas = el.querySelector('canvas');
  if (!canvas) {
    canvas = h('canvas', { width: size, height: size, class: 'chart chart-boundary', role: 'img' });
  }
  canvas.setAttribute('aria-label', title);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(res, res);
  const cls = new Array(res * res);
  for (let i = 0; i < res * res; i += 1) {
    let best = 0;
    for (let c = 1; c < classes; c += 1) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    cls[i] = best;
    // Shade from white (p = 1/C, undecided) to the class colour (p = 1).
    const p = probs[i * classes + best];
    const a = classes > 1 && Number.isFinite(p) ? Math.max(0, Math.min(1, (p - 1 / classes) / (1 - 1 / classes))) : 0;
    const t = 0.15 + 0.6 * a;
    const [r, g, b] = RGB[best % RGB.length];
    img.data.set([255 + (r - 255) * t, 255 + (g - 255) * t, 255 + (b - 255) * t, 255], i * 4);
  }
  // Draw the small image scaled up, then the points.
  const off = new OffscreenCanvas(res, res);
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, size, size);
  ctx.drawImage(off, 0, 0, size, size);
  const [x0, x1, y0, y1] = extent;
  if (points) {
    for (let i = 0; i < points.y.length; i += 1) {
      const [a, b] = points.x[i];
      const px = ((a - x0) / (x1 - x0)) * size;
      const py = (1 - (b - y0) / (y1 - y0)) * size;
      ctx.beginPath();
      ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = PALETTE[points.y[i] % PALETTE.length];
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = points.test?.[i] ? '#000' : '#fff';
      ctx.stroke();
    }
  }
  // Screen-reader table: predicted class on a coarse 6x6 grid of the same cells.
  const k = 6;
  const rows = [];
  for (let r = 0; r < k; r += 1) {
    const gy = Math.floor(((r + 0.5) / k) * res);
    const row = [((y1 - ((r + 0.5) / k) * (y1 - y0))).toFixed(2)];
    for (let c = 0; c < k; c += 1) {
      const gx = Math.floor(((c + 0.5) / k) * res);
      const i = gy * res + gx;
      row.push(`class ${cls[i]} (p=${probs[i * classes + cls[i]].toFixed(2)})`);
    }
    rows.push(row);
  }
  const head = ['y \\ x', ...Array.from({ length: k }, (_, c) => (x0 + ((c + 0.5) / k) * (x1 - x0)).toFixed(2))];
  if (!el.contains(canvas)) replace(el, canvas, h('div', { class: 'boundary-table' }));
  replace(el.querySelector('.boundary-table'), dataTable(`${title}: predicted class on a coarse grid`, head, rows));
  return el;
}
