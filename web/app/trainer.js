// Model-side code for the MLP sections (no DOM): data preparation, chunked training, evaluation.
// Every loss, probability and prediction comes from the core (net.*, ll.*Loss, ll.softmax).

/** Datasets offered by the page: id -> how to get { x, y, featureNames, classNames } from ll.datasets. */
export const DATASETS = {
  spiral: { name: 'Spiral (2-D)', toy: true },
  circles: { name: 'Circles (2-D)', toy: true },
  xor: { name: 'XOR (2-D)', toy: true },
  blobs: { name: 'Blobs (2-D)', toy: true },
  iris: { name: 'Iris (4 features)', fn: 'iris' },
  wine: { name: 'Wine (13 features)', fn: 'wine' },
  digits: { name: 'Digits 8×8 (64 features)', fn: 'digits' },
  breastCancer: { name: 'Breast cancer (30 features)', fn: 'breastCancer' },
};

const f32 = (ll, t) => (t.dtype === 'float32' ? t : ll.tensor(Float32Array.from(t.data), { shape: t.shape }));

/**
 * Loads a dataset (the real ones are fetched, so this is async), splits it 75/25 and standardizes
 * it with the training statistics, both through ll.datasets. Returns float32 tensors for the net.
 */
export async function prepareData(ll, id, { n = 300, noise = 0.15, seed = 0 } = {}) {
  const def = DATASETS[id];
  if (!ll.datasets) throw new Error('ll.datasets is not available in this build of LogitLab');
  const raw = def.toy ? ll.datasets.toy(id, { n, noise, seed }) : await ll.datasets[def.fn]();
  const split = ll.datasets.trainTestSplit(raw.x, raw.y, { testFraction: 0.25, seed });
  const std = ll.datasets.standardize(split.xTrain, split.xTest);
  const classes = raw.classNames?.length || raw.classes;
  return {
    id, toy: !!def.toy, features: raw.x.shape[1], classes,
    classNames: raw.classNames || Array.from({ length: classes }, (_, i) => `class ${i}`),
    featureNames: raw.featureNames || [],
    xTrain: f32(ll, std.xTrain), xTest: f32(ll, std.xTest), yTrain: split.yTrain, yTest: split.yTest,
    /** The test rows before scaling (e.g. digit pixels 0..16 to show on the drawing pad). */
    xTestRaw: split.xTest,
    /** Scales new raw rows (e.g. a drawn digit) with the training statistics. */
    scale: (x) => f32(ll, ll.datasets.standardize(split.xTrain, x).xTest),
  };
}

const OPTIMIZERS = {
  sgd: (lr) => ({ type: 'sgd', lr }),
  momentum: (lr) => ({ type: 'sgd', lr, momentum: 0.9 }),
  adam: (lr) => ({ type: 'adam', lr }),
};

/**
 * createTrainer(ll, data, { hidden, activation, optimizer, lr, batchSize, seed, binary, loss })
 * binary: one output; loss 'bce' (sigmoid output + BCELoss) or 'bce_with_logits' (logit output).
 */
export function createTrainer(ll, data, cfg) {
  const binary = !!cfg.binary;
  const out = binary ? 1 : data.classes;
  const output = binary && cfg.loss === 'bce' ? 'sigmoid' : 'logits';
  const loss = binary ? cfg.loss : 'cross_entropy';
  const net = ll.mlp({
    sizes: [data.features, cfg.hidden, out], activation: cfg.activation, output, loss,
    optimizer: OPTIMIZERS[cfg.optimizer](cfg.lr), seed: cfg.seed ?? 0, dtype: 'float32',
  });
  const N = data.yTrain.size;
  const F = data.features;
  const bs = Math.min(cfg.batchSize, N);
  let order = Array.from({ length: N }, (_, i) => i);
  let cursor = N;
  let rng = (cfg.seed ?? 0) + 1;
  const rand = () => { rng = (rng * 1103515245 + 12345) % 2147483648; return rng / 2147483648; };
  const yTarget = (t) => (binary ? ll.tensor(Float32Array.from(t.data), { shape: [t.size, 1] }) : t);
  const yTrainT = yTarget(data.yTrain);
  const yTestT = yTarget(data.yTest);

  /** The next minibatch (rows of the shuffled training set). */
  function nextBatch() {
    if (cursor >= N) {
      for (let i = N - 1; i > 0; i -= 1) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      cursor = 0;
    }
    const idx = order.slice(cursor, cursor + bs);
    cursor += bs;
    const xb = new Float32Array(idx.length * F);
    const yb = binary ? new Float32Array(idx.length) : new Int32Array(idx.length);
    idx.forEach((r, k) => { xb.set(data.xTrain.data.subarray(r * F, (r + 1) * F), k * F); yb[k] = data.yTrain.data[r]; });
    return {
      x: ll.tensor(xb, { shape: [idx.length, F] }),
      y: binary ? ll.tensor(yb, { shape: [idx.length, 1] }) : ll.tensor(yb),
    };
  }

  let good = null; // { steps, dict }: the weights of the last finite evaluation
  const t = {
    net, steps: 0, epochs: 0, history: [],
    get epoch() { return (t.steps * bs) / N; },
    /** One optimizer step on the next minibatch; returns { loss, batch }. Throws on NaN. */
    step() {
      const batch = nextBatch();
      const l = net.trainStep(batch.x, batch.y);
      t.steps += 1;
      if (!Number.isFinite(l)) throw new Error(`trainStep: the loss became ${l} at step ${t.steps}.`);
      return { loss: l, batch };
    },
    /** Peeks at the next minibatch's update with net.explain, then takes that step. */
    explainStep() {
      const batch = nextBatch();
      const ex = net.explain(batch.x, batch.y);
      const l = net.trainStep(batch.x, batch.y);
      t.steps += 1;
      if (!Number.isFinite(l)) throw new Error(`trainStep: the loss became ${l} at step ${t.steps}.`);
      return { explain: ex, loss: l, batch };
    },
    /**
     * Loss and accuracy on train and test, from the core. A finite result is recorded in the history
     * and its weights become the checkpoint that rollback() returns to; a non-finite loss throws.
     */
    evaluate() {
      const res = {};
      for (const [name, x, y, yt] of [['train', data.xTrain, data.yTrain, yTrainT], ['test', data.xTest, data.yTest, yTestT]]) {
        const o = net.forward(x);
        const l = !binary ? ll.crossEntropyLoss(o, y) : loss === 'bce' ? ll.bceLoss(o, yt) : ll.bceWithLogitsLoss(o, yt);
        const pred = net.predict(x);
        let ok = 0;
        for (let i = 0; i < pred.size; i += 1) ok += pred.data[i] === y.data[i] ? 1 : 0;
        res[name] = { loss: l, accuracy: ok / y.size };
      }
      if (!Number.isFinite(res.train.loss) || !Number.isFinite(res.test.loss)) {
        throw new Error(`evaluate: the ${Number.isFinite(res.train.loss) ? 'test' : 'training'} loss became ${Number.isFinite(res.train.loss) ? res.test.loss : res.train.loss} after step ${t.steps}`);
      }
      t.history.push({ step: t.steps, ...res });
      if (t.history.length > 400) t.history.splice(0, t.history.length - 400);
      good = { steps: t.steps, dict: net.stateDict() };
      return res;
    },
    /** Puts back the weights of the last finite evaluation (the last good weights); returns its step. */
    rollback() {
      if (!good) return t.steps;
      net.loadStateDict(good.dict);
      t.steps = good.steps;
      while (t.history.length && t.history[t.history.length - 1].step > good.steps) t.history.pop();
      return good.steps;
    },
    /** Class probabilities of rows x (N, F): softmax of the logits, or [1 - p, p] for one output. */
    probabilities(x) {
      const o = net.forward(x);
      if (!binary) return ll.softmax(o, 1).data;
      const p = output === 'sigmoid' ? o.data : ll.sigmoid(o).data;
      const two = new Float32Array(p.length * 2);
      for (let i = 0; i < p.length; i += 1) { two[2 * i] = 1 - p[i]; two[2 * i + 1] = p[i]; }
      return two;
    },
    setOptimizer(name, lr) { net.setOptimizer(OPTIMIZERS[name](lr)); },
    dispose() { net.dispose(); },
  };
  return t;
}

/** A res×res grid over the standardized 2-D training data's extent, rows top to bottom. */
export function gridFor(ll, data, res) {
  const xs = data.xTrain.data;
  let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
  for (let i = 0; i < xs.length; i += 2) {
    x0 = Math.min(x0, xs[i]); x1 = Math.max(x1, xs[i]); y0 = Math.min(y0, xs[i + 1]); y1 = Math.max(y1, xs[i + 1]);
  }
  const pad = 0.3;
  x0 -= pad; x1 += pad; y0 -= pad; y1 += pad;
  const g = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r += 1) {
    for (let c = 0; c < res; c += 1) {
      g[(r * res + c) * 2] = x0 + ((c + 0.5) / res) * (x1 - x0);
      g[(r * res + c) * 2 + 1] = y1 - ((r + 0.5) / res) * (y1 - y0);
    }
  }
  return { x: ll.tensor(g, { shape: [res * res, 2] }), extent: [x0, x1, y0, y1] };
}
