// Loads the LogitLab core and KaTeX; the standalone build supplies the wasm bytes inline.
import { load } from '../src/index.js';
import { loadKatex } from './katex.js';

function inlineWasm() {
  const el = document.getElementById('ll-wasm-base64');
  if (!el) return undefined;
  const bin = atob(el.textContent.trim());
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Resolves to the ll instance once both the core and KaTeX are ready. */
export async function loadAll() {
  const wasmBinary = inlineWasm();
  const [ll] = await Promise.all([load(wasmBinary ? { wasmBinary } : undefined), loadKatex()]);
  return ll;
}
