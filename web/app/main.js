// Page entry: loads the core, creates the one hash- and localStorage-mirrored store, mounts every section.
import { createStore, storage } from './state.js';
import { SECTIONS, mountSection } from './sections/index.js';
import { loadAll } from './loader.js';
import { h } from './dom.js';

const STATE_KEY = 'logitlab:page:v1';
const status = document.getElementById('status');
const noticesEl = document.getElementById('notices');

/** Shows a plain-text notice (never HTML) with a button to dismiss it. */
function notice(text, kind = 'warn') {
  const item = h('p', { class: `notice notice-${kind}`, 'data-notice': kind },
    h('span', {}, text),
    h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Dismiss this notice', onclick: () => item.remove() }, 'Dismiss'));
  noticesEl.append(item);
}

/** Trained weights kept in localStorage under one key per training section. */
const persist = {
  load: (name) => storage.get(`${STATE_KEY}:${name}`),
  save: (name, text) => storage.set(`${STATE_KEY}:${name}`, text),
  remove: (name) => storage.remove(`${STATE_KEY}:${name}`),
};

// Table-of-contents links scroll without touching the hash, which holds the state.
for (const a of document.querySelectorAll('.toc a')) {
  a.addEventListener('click', (ev) => {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target) return;
    ev.preventDefault();
    target.scrollIntoView({ behavior: 'smooth', block: 'start' });
    const heading = target.querySelector('h2');
    heading?.setAttribute('tabindex', '-1');
    heading?.focus({ preventScroll: true });
  });
}
try {
  const t0 = performance.now();
  const ll = await loadAll();
  const schema = Object.assign({}, ...Object.values(SECTIONS).map((s) => s.schema));
  const store = createStore(schema, { hash: true, storageKey: STATE_KEY });
  for (const text of store.notices) notice(text);
  for (const slot of document.querySelectorAll('[data-section]')) {
    try {
      mountSection(slot.dataset.section, slot, { ll, store, persist, notice });
    } catch (e) {
      // One broken section must not take the others down.
      slot.replaceChildren(Object.assign(document.createElement('p'), { className: 'core-error', textContent: e.message }));
      console.error(e);
    }
  }
  status.textContent = '';
  status.hidden = true;
  document.body.dataset.ready = '1';
  document.body.dataset.readyMs = String(Math.round(performance.now() - t0));
} catch (e) {
  status.textContent = `Could not start LogitLab: ${e.message}`;
  status.classList.add('core-error');
  throw e;
}
