// Custom elements for embedding LogitLab widgets: <ll-softmax>, <ll-cross-entropy>, <ll-cross-entropy-loss>, <ll-mlp>.
// Usage: import 'logitlab/elements'; then <ll-softmax logits="2,1,0.1"></ll-softmax>.
// Each element renders in a shadow root, is configured by attributes, and emits
// `ll-change` (detail: { state }) and, for <ll-mlp>, `ll-step` (detail: { steps, loss, accuracy }).
import { load } from './src/index.js';
import { loadKatex } from './app/katex.js';
import { createStore, parse } from './app/state.js';
import { SECTIONS } from './app/sections/index.js';

const KATEX_CSS = new URL('vendor/katex/katex.min.css', import.meta.url).href;
const STYLE_CSS = new URL('app/style.css', import.meta.url).href;

// element -> section id and attribute -> state key
const WIDGETS = {
  'll-softmax': { section: 'softmax', attrs: { logits: 'logits', temperature: 'T', 'large-logits': 'big' } },
  'll-cross-entropy': { section: 'ce', attrs: { target: 'cls', good: 'good', bad: 'bad' } },
  'll-cross-entropy-loss': {
    section: 'batch',
    attrs: { good: 'lgood', bad: 'lbad', targets: 'tgt', weight: 'weight', 'ignore-index': 'ii', 'label-smoothing': 'ls', reduction: 'red' },
  },
  'll-mlp': {
    section: 'mlp',
    attrs: { dataset: 'ds', lr: 'lr', hidden: 'hid', activation: 'act', optimizer: 'opt', 'batch-size': 'bs', noise: 'noise' },
  },
};

let ready = null;
function loadOnce() {
  if (!ready) {
    // @font-face rules do not apply inside shadow roots: KaTeX's fonts must be declared in the document.
    if (!document.querySelector(`link[href="${KATEX_CSS}"]`)) {
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: KATEX_CSS }));
    }
    ready = Promise.all([load(), loadKatex(new URL('vendor/katex/', import.meta.url))]).then(([ll]) => ll);
  }
  return ready;
}

function define(tag, { section, attrs }) {
  const def = SECTIONS[section];
  class Widget extends HTMLElement {
    static get observedAttributes() { return [...Object.keys(attrs), 'hide']; }

    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.store = null;
      this.view = null;
    }

    async connectedCallback() {
      if (this.store) return;
      const root = this.shadowRoot;
      const box = document.createElement('div');
      box.className = 'widget';
      box.setAttribute('part', 'widget');
      root.append(
        Object.assign(document.createElement('link'), { rel: 'stylesheet', href: KATEX_CSS }),
        Object.assign(document.createElement('link'), { rel: 'stylesheet', href: STYLE_CSS }),
        box);
      box.textContent = 'Loading LogitLab…';
      let ll;
      try {
        ll = await loadOnce();
      } catch (e) {
        box.textContent = `Could not load LogitLab: ${e.message}`;
        return;
      }
      this.store = createStore(def.schema, { initial: this.attrState() });
      this.view = def.create({ ll, store: this.store, onStep: (detail) => this.emit('ll-step', detail) });
      box.replaceChildren(this.view.el);
      this.view.update(this.store.get());
      this.store.subscribe((state) => {
        this.view.update(state);
        this.emit('ll-change', { state: { ...state } });
      });
      this.applyHide();
      this.dataset.ready = '1';
      this.emit('ll-ready', { state: { ...this.store.get() } });
    }

    disconnectedCallback() { this.view?.view?.pause?.(); }

    /** The state keys given by attributes; values that do not parse are ignored. */
    attrState() {
      const out = {};
      for (const [attr, key] of Object.entries(attrs)) {
        if (!this.hasAttribute(attr)) continue;
        const r = parse(def.schema[key], this.getAttribute(attr));
        if (r.ok) out[key] = r.value;
      }
      return out;
    }

    attributeChangedCallback(name) {
      if (!this.store) return;
      if (name === 'hide') { this.applyHide(); return; }
      const key = attrs[name];
      if (!key) return;
      const r = parse(def.schema[key], this.getAttribute(name) ?? '');
      if (r.ok) this.store.set({ [key]: r.value });
    }

    applyHide() {
      const hide = (this.getAttribute('hide') || '').split(',').map((s) => s.trim());
      this.shadowRoot.querySelector('.widget')?.classList.toggle('hide-code', hide.includes('code'));
    }

    /** Current state (a copy). */
    get state() { return this.store ? { ...this.store.get() } : null; }

    emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true })); }
  }
  if (!customElements.get(tag)) customElements.define(tag, Widget);
}

for (const [tag, w] of Object.entries(WIDGETS)) define(tag, w);

export { WIDGETS };
