// Registers TF.js's own gradient definitions (what the @tensorflow/tfjs umbrella package imports)
// for the bench, which depends on @tensorflow/tfjs-core alone.
//
// tfjs-core 4.22 ships them only as unbundled ESM whose relative imports have no file
// extension (dist/register_all_gradients.js -> './gradients/Abs_grad') or name a folder, which
// Node's ESM loader rejects. A resolve hook scoped to tfjs-core's dist folder retries such
// specifiers with '.js' or '/index.js'. The gradients land in tfjs's global registry (globalThis._tfGlobals), shared with the
// CJS copy of tfjs-core the backends use.
import { register } from 'node:module';

const HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const inCore = context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/');
    const retry = e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'ERR_UNSUPPORTED_DIR_IMPORT';
    if (inCore && retry && specifier.startsWith('.')) {
      try {
        return await next(specifier + '.js', context);  // './gradients' is gradients.js, not the folder
      } catch {
        return next(specifier + '/index.js', context);
      }
    }
    throw e;
  }
}`;

register(`data:text/javascript,${encodeURIComponent(HOOK)}`, import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
