// ll.datasets: the bundled real datasets (web/data/*.json), the C++ toy generators and split/scale helpers.

const REAL = { digits: 'digits', iris: 'iris', wine: 'wine', breastCancer: 'breast_cancer' };
const TOYS = ['blobs', 'circles', 'xor', 'spiral'];
const isNode = typeof process !== 'undefined' && !!process.versions?.node;

// Reads web/data/<file>.json next to this module: fs in Node, fetch in browsers.
async function readJson(file, fn) {
  const url = new URL(`../data/${file}.json`, import.meta.url);
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return JSON.parse(await readFile(url, 'utf8'));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${fn}: fetching ${url} failed with HTTP ${res.status}`);
  return res.json();
}

export function attachDatasets(ll, core, internals) {
  const { Tensor, toTensor } = internals;
  const cache = new Map();

  const real = (name, file) => async () => {
    const fn = `datasets.${name}`;
    if (!cache.has(file)) {
      const p = readJson(file, fn);
      cache.set(file, p);
      p.catch(() => cache.delete(file));
    }
    const d = await cache.get(file);
    return {
      x: new Tensor(Float64Array.from(d.x), [d.nSamples, d.nFeatures], 'float64'),
      y: new Tensor(Int32Array.from(d.y), [d.nSamples], 'int32'),
      featureNames: [...d.featureNames],
      classNames: [...d.classNames],
      source: d.source,
      license: d.license,
    };
  };

  // A seeded permutation from the C++ PRNG (stream 0).
  const permutation = (n, seed) => core._permutation(n, seed, 0);

  const rows = (t, idx) => {
    const w = t.shape.length > 1 ? t.size / t.shape[0] : 1;
    const out = new t.data.constructor(idx.length * w);
    idx.forEach((i, r) => out.set(t.data.subarray(i * w, (i + 1) * w), r * w));
    return new Tensor(out, [idx.length, ...t.shape.slice(1)], t.dtype);
  };

  const checkSeed = (v, fn) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${fn}: seed must be a non-negative integer; got ${String(v)}`);
    return v;
  };

  ll.datasets = {
    ...Object.fromEntries(Object.entries(REAL).map(([name, file]) => [name, real(name, file)])),

    /** toy(name, { n = 200, noise = 0.1, seed = 0, classes = 3 }) -> { x: (n, 2) float64, y: int32 (n), classes } */
    toy(name, opts = {}) {
      const fn = 'datasets.toy';
      if (!TOYS.includes(name)) throw new RangeError(`${fn}: unknown dataset ${JSON.stringify(name)}; expected 'blobs', 'circles', 'xor' or 'spiral'`);
      if (opts === null || typeof opts !== 'object') throw new TypeError(`${fn}: options must be an object`);
      for (const k of Object.keys(opts)) {
        if (!['n', 'noise', 'seed', 'classes'].includes(k)) throw new TypeError(`${fn}: unknown option '${k}'; expected n, noise, seed or classes`);
      }
      const { n = 200, noise = 0.1, seed = 0, classes = name === 'blobs' || name === 'spiral' ? 3 : 2 } = opts;
      if (!Number.isInteger(n) || n < 1 || n > 1e7) throw new RangeError(`${fn}: n must be a positive integer; got ${String(n)}`);
      if (typeof noise !== 'number' || !(noise >= 0) || !Number.isFinite(noise)) throw new RangeError(`${fn}: noise must be a finite number >= 0; got ${String(noise)}`);
      if (!Number.isInteger(classes) || classes < 2 || classes > 1000) throw new RangeError(`${fn}: classes must be an integer >= 2; got ${String(classes)}`);
      if ((name === 'circles' || name === 'xor') && classes !== 2) throw new RangeError(`${fn}: '${name}' has 2 classes; got classes = ${classes}`);
      checkSeed(seed, fn);
      const r = core._toy_dataset(name, n, noise, classes, seed);
      return { x: new Tensor(r.x.data, r.x.shape, 'float64'), y: new Tensor(r.y.data, r.y.shape, 'int32'), classes: r.classes };
    },

    /** Shuffles rows with a seed and splits them: { xTrain, xTest, yTrain, yTest }. */
    trainTestSplit(x, y, { testFraction = 0.2, seed = 0, ...rest } = {}) {
      const fn = 'datasets.trainTestSplit';
      if (Object.keys(rest).length) throw new TypeError(`${fn}: unknown option '${Object.keys(rest)[0]}'; expected testFraction or seed`);
      const X = toTensor(x, fn, 'x');
      const Y = toTensor(y, fn, 'y');
      if (X.shape.length < 1 || Y.shape.length < 1 || X.shape[0] !== Y.shape[0]) {
        throw new RangeError(`${fn}: x has ${X.shape[0] ?? 0} rows and y has ${Y.shape[0] ?? 0}; expected the same number of rows`);
      }
      if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) throw new RangeError(`${fn}: testFraction must be in (0, 1); got ${String(testFraction)}`);
      checkSeed(seed, fn);
      const n = X.shape[0];
      const nTest = Math.round(n * testFraction);
      if (nTest < 1 || nTest >= n) throw new RangeError(`${fn}: testFraction ${testFraction} of ${n} rows leaves an empty split`);
      const p = Array.from(permutation(n, seed));
      const test = p.slice(0, nTest);
      const train = p.slice(nTest);
      return { xTrain: rows(X, train), xTest: rows(X, test), yTrain: rows(Y, train), yTest: rows(Y, test) };
    },

    /** Scales columns by the training set's mean and (population) std: { xTrain, xTest?, mean, std }. */
    standardize(xTrain, xTest) {
      const fn = 'datasets.standardize';
      const A = toTensor(xTrain, fn, 'xTrain');
      if (A.shape.length !== 2 || A.shape[0] < 1) throw new RangeError(`${fn}: xTrain has shape [${A.shape.join(', ')}]; expected (N, D)`);
      const [N, D] = A.shape;
      const dtype = A.dtype === 'float32' ? 'float32' : 'float64';
      const mean = new Float64Array(D);
      const std = new Float64Array(D);
      for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += A.data[i * D + j];
      for (let j = 0; j < D; j++) mean[j] /= N;
      for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) std[j] += (A.data[i * D + j] - mean[j]) ** 2;
      // A constant column keeps std 1 so it maps to 0 instead of NaN.
      for (let j = 0; j < D; j++) std[j] = Math.sqrt(std[j] / N) || 1;
      const scale = (t, arg) => {
        const T = toTensor(t, fn, arg);
        if (T.shape.length !== 2 || T.shape[1] !== D) throw new RangeError(`${fn}: ${arg} has shape [${T.shape.join(', ')}]; expected (M, ${D})`);
        const out = new (dtype === 'float32' ? Float32Array : Float64Array)(T.size);
        for (let k = 0; k < T.size; k++) out[k] = (T.data[k] - mean[k % D]) / std[k % D];
        return new Tensor(out, [...T.shape], dtype);
      };
      const res = { xTrain: scale(A, 'xTrain'), mean: new Tensor(mean, [D], 'float64'), std: new Tensor(std, [D], 'float64') };
      if (xTest !== undefined) res.xTest = scale(xTest, 'xTest');
      return res;
    },
  };
}
