// Renders an explain() result generically: one row per step (title, KaTeX formula, value from the core).
import { h, replace } from './dom.js';
import { tex } from './katex.js';

export const isTensor = (v) => v !== null && typeof v === 'object' && Array.isArray(v.shape);

/** Text of a step value exactly as the core formats it (numpy style for tensors). */
export function valueText(ll, v, style = 'numpy') {
  if (isTensor(v)) return style === 'torch' ? v.toString() : ll.format(v, { style: 'numpy' });
  if (typeof v === 'number') return String(v);
  return String(v);
}

/**
 * render(el, { ll, steps, highlight }) — pure view: an ordered list of steps; ids become
 * data-step attributes so readers (and tests) can find a step without depending on its position.
 */
export function renderSteps(el, { ll, steps, caption, highlight = [] }) {
  const rows = steps.map((st, i) => h('li', {
    class: `step${highlight.includes(st.id) ? ' step-hl' : ''}`, 'data-step': st.id,
  },
  h('span', { class: 'step-n', 'aria-hidden': 'true' }, String(i + 1)),
  h('span', { class: 'step-head' },
    h('span', { class: 'step-title' }, st.title),
    h('span', { class: 'step-formula' }, st.formula ? tex(st.formula) : '')),
  h('span', { class: 'step-value' }, h('code', {}, valueText(ll, st.value)),
    isTensor(st.value) && st.value.shape.length > 0
      ? h('span', { class: 'step-shape' }, `shape [${st.value.shape.join(', ')}]`) : null)));
  return replace(el,
    caption ? h('p', { class: 'steps-caption' }, caption) : null,
    h('ol', { class: 'steps' }, rows));
}
