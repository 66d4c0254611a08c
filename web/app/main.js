// Page entry: loads the core, creates the one hash-mirrored store, mounts every section.
import { createStore } from './state.js';
import { SECTIONS, mountSection } from './sections/index.js';
import { loadAll } from './loader.js';

const status = document.getElementById('status');

// Table-of-contents links scroll without touching the hash, which holds the state.
for (const a of document.querySelectorAll('.toc a')) {
  a.addEventListener('click', (ev) => {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target) return;
    ev.preventDefault();
    target.scrollIntoView({ behavior: 'smooth', block: 'start' });
    target.querySelector('h2')?.focus?.();
  });
}
try {
  const ll = await loadAll();
  const schema = Object.assign({}, ...Object.values(SECTIONS).map((s) => s.schema));
  const store = createStore(schema, { hash: true });
  for (const slot of document.querySelectorAll('[data-section]')) {
    try {
      mountSection(slot.dataset.section, slot, { ll, store });
    } catch (e) {
      // One broken section must not take the others down.
      slot.replaceChildren(Object.assign(document.createElement('p'), { className: 'core-error', textContent: e.message }));
      console.error(e);
    }
  }
  status.textContent = '';
  status.hidden = true;
  document.body.dataset.ready = '1';
} catch (e) {
  status.textContent = `Could not start LogitLab: ${e.message}`;
  status.classList.add('core-error');
  throw e;
}
