// Registry of the page's sections: id -> { schema, create }, shared by the page, embeds and elements.
import * as softmax from './softmax.js';
import * as ce from './crossentropy.js';
import * as batch from './batch.js';
import * as mlp from './mlp.js';
import * as binary from './binary.js';

export const SECTIONS = {
  softmax: { schema: softmax.schema, create: softmax.softmaxSection },
  ce: { schema: ce.schema, create: ce.crossEntropySection },
  batch: { schema: batch.schema, create: batch.batchSection },
  mlp: { schema: mlp.schema, create: mlp.mlpSection },
  binary: { schema: binary.schema, create: binary.binarySection },
};

/**
 * Mounts section `id` into `slot`, updating it whenever one of its keys changes. ctx: { ll, store }
 * plus optional { persist, notice } (the page's localStorage of trained weights and its notice area).
 */
export function mountSection(id, slot, ctx) {
  const { store } = ctx;
  const def = SECTIONS[id];
  const view = def.create(ctx);
  slot.replaceChildren(view.el);
  view.update(store.get());
  const keys = Object.keys(def.schema);
  store.subscribe((state, changed) => {
    if (changed.some((k) => keys.includes(k))) view.update(state);
  });
  return view;
}
