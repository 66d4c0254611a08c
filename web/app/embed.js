// Iframe embed: renders one section chosen by #widget=..., mirrors its state to the hash, talks to the parent.
// Messages to the parent: { source: 'logitlab', type: 'ready' | 'change' | 'resize', widget, state, height }.
// Messages from the parent: { source: 'logitlab-host', type: 'set', state: { key: value, ... } };
// anything of another shape is ignored, and values go through the same parsers as the hash.
import { createStore, sanitize } from './state.js';
import { SECTIONS } from './sections/index.js';
import { loadAll } from './loader.js';

const ALIASES = { softmax: 'softmax', 'cross-entropy': 'ce', ce: 'ce', 'cross-entropy-loss': 'batch', batch: 'batch', mlp: 'mlp', binary: 'binary' };
const params = new URLSearchParams(location.hash.slice(1));
const widget = ALIASES[params.get('widget')] || 'softmax';
const hide = (params.get('hide') || '').split(',');
const main = document.getElementById('widget');
const post = (msg) => { if (window.parent !== window) window.parent.postMessage({ source: 'logitlab', widget, ...msg }, '*'); };

try {
  const ll = await loadAll();
  const def = SECTIONS[widget];
  const store = createStore(def.schema, { hash: true });
  const view = def.create({ ll, store, onStep: (detail) => post({ type: 'step', ...detail }) });
  main.replaceChildren(view.el);
  main.classList.toggle('hide-code', hide.includes('code'));
  view.update(store.get());
  store.subscribe((state) => {
    view.update(state);
    post({ type: 'change', state: { ...state } });
  });
  addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object' || m.source !== 'logitlab-host' || m.type !== 'set') return;
    if (!m.state || typeof m.state !== 'object' || Array.isArray(m.state)) return;
    store.set(sanitize(def.schema, m.state));
  });
  new ResizeObserver(() => post({ type: 'resize', height: document.documentElement.scrollHeight })).observe(document.body);
  document.body.dataset.ready = '1';
  post({ type: 'ready', state: { ...store.get() } });
} catch (e) {
  main.textContent = `Could not start LogitLab: ${e.message}`;
  throw e;
}
