// Loads the locally vendored KaTeX (web/vendor/katex) once; falls back to showing the LaTeX source.
let katex = null;
let loading = null;

export function loadKatex(base = new URL('../vendor/katex/', import.meta.url)) {
  if (!loading) {
    loading = import(new URL('katex.mjs', base).href)
      .then((m) => { katex = m.default; return katex; })
      .catch(() => null);
  }
  return loading;
}

/** Renders LaTeX into a new span with katex.render (DOM + CSSOM styles only: CSP-safe). */
export function tex(latex, { display = false } = {}) {
  const span = document.createElement('span');
  span.className = 'tex';
  if (katex) {
    try {
      katex.render(latex, span, { displayMode: display, throwOnError: false, output: 'htmlAndMathml' });
      return span;
    } catch { /* fall through to the source */ }
  }
  span.textContent = latex;
  span.classList.add('tex-source');
  return span;
}
