// The bad-input table of issue #6: every public function x every class of bad input, built programmatically.
//
// buildTable(ll) returns cases { fn, cls, arg, type?, net?, run(ctx) }:
//   fn    the public name the error message must mention ('grad.nllLoss', 'trainStep', ...)
//   cls   a short label of the bad input ('target: class index 3 out of range')
//   arg   RegExp the message must match: the argument (or option) at fault
//   type  'TypeError' / 'RangeError' when the error class is fixed by the kind of input
//   net   true when the case calls a method of ctx.net (the test then checks the net is unchanged)
//   run   (ctx) => the call; ctx = { ll, net, disposedNet }. May return a promise (fit).
// Only inputs that PyTorch 1.13 rejects (or that the API contract calls errors) are listed; inputs that
// torch accepts (NaN propagating through softmax, targets outside [0, 1] in bceLoss, ...) are not.

// ---- valid arguments (N = 2 rows, C = 3 classes) ----
export const X = [[1, 2, 3], [1, 0, -1]];
export const IDX = [0, 2];
export const PROBS = [[0.2, 0.3, 0.5], [1, 0, 0]];
export const P = [[0.2, 0.7, 0.9], [0.5, 0.1, 0.3]];
export const T01 = [[0, 1, 1], [1, 0, 0]];
export const YTRUE = [[0, 1, 0], [1, 0, 0]];
export const YPRED = [[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]];
export const NET_SIZES = [4, 5, 3];
export const NET_X = [[0.5, -1, 2, 0.25], [1, 0, -0.5, 3]];
export const NET_Y = [0, 2];

const re = (s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

// Values of the wrong JS type where a tensor is required: TypeError.
const WRONG_TYPES = [
  ['a string', () => 'abc'],
  ['a numeric string', () => '1,2,3'],
  ['a plain object', () => ({ a: 1 })],
  ['a {shape, data} look-alike', () => ({ shape: [1e9], data: [1, 2, 3] })],
  ['a function', () => () => 1],
  ['a symbol', () => Symbol('s')],
  ['a boolean', () => true],
  ['null', () => null],
  ['undefined', () => undefined],
  ['a bigint', () => 10n],
  ['a Map', () => new Map([[0, 1]])],
  ['a BigInt64Array', () => new BigInt64Array(3)],
];

// Nested arrays that are not a rectangular block of numbers.
const BAD_STRUCTURE = [
  ['ragged rows', () => [[1, 2, 3], [4, 5]]],
  ['ragged deep', () => [[[1, 2], [3]], [[4, 5], [6, 7]]]],
  ['a row that is a number', () => [[1, 2, 3], 4]],
  ['a string element', () => [[1, '2', 3], [4, 5, 6]]],
  ['a null element', () => [[1, null, 3], [4, 5, 6]]],
  ['a hole (undefined) element', () => [[1, , 3], [4, 5, 6]]], // eslint-disable-line no-sparse-arrays
  ['an object element', () => [[1, {}, 3], [4, 5, 6]]],
  ['a boolean element', () => [[1, true, 3], [4, 5, 6]]],
];

// A real Tensor whose fields a reader overwrote (e.g. `t.shape = [2, 2]` to "reshape" it).
function mutatedTensors(ll, value, dtype) {
  const mk = (f) => () => {
    const t = ll.tensor(value, { dtype });
    f(t);
    return t;
  };
  return [
    ['a Tensor whose shape no longer fits its data', mk((t) => { t.shape = [t.size + 1]; })],
    ['a Tensor with a negative dimension', mk((t) => { t.shape = [-1, -t.size]; })],
    // [rows + 0.5, ...]: truncating it to an integer would silently fit the data again.
    ['a Tensor with a fractional dimension', mk((t) => { t.shape = [t.shape[0] + 0.5, ...t.shape.slice(1)]; })],
    ['a Tensor with an unknown dtype', mk((t) => { t.dtype = 'float16'; })],
    ['a Tensor whose data is a string', mk((t) => { t.data = 'abc'; })],
  ];
}

const EMPTY = [
  ['an empty array', () => []],
  ['an empty row', () => [[]]],
  ['an empty Float64Array', () => new Float64Array(0)],
];

// Bad values for a tensor argument: [cls, make, type]. mutatedOnly: just the dtype-specific ones.
function badTensors(ll, value, { empty = true, dtype = 'float64', mutatedOnly = false } = {}) {
  const mutated = mutatedTensors(ll, value, dtype).map(([c, m]) => [`${c} (${dtype})`, m]);
  if (mutatedOnly) return mutated;
  return [
    ...WRONG_TYPES.map(([c, m]) => [c, m, 'TypeError']),
    ...BAD_STRUCTURE,
    ...mutated,
    ...(empty ? EMPTY : []),
  ];
}

const BAD_DIMS = [
  ['dim out of range (2 for a 2-d x)', 2],
  ['dim out of range (-3 for a 2-d x)', -3],
  ['a fractional dim', 1.5],
  ['dim NaN', NaN],
  ['dim Infinity', Infinity],
  ['dim as a string', '0'],
  ['dim as an object', {}],
  ['dim as a boolean', true],
];

// Bad option values per option name, for the class losses (weight per class) and the pair losses.
const BAD_OPTION_VALUES = {
  reduction: [['avg'], ['Mean'], [''], [5], [{}], [true]],
  ignoreIndex: [[1.5], [NaN], [Infinity], ['a'], [1e10], [{}]],
  labelSmoothing: [[-0.1], [1.1], [NaN], [Infinity], [-Infinity], ['a'], [{}]],
  weightClass: [[[1, 2]], [[[1, 2, 3]]], ['abc'], [{}], [[1, 'a', 3]], [[[1, 2, 3], [4]]]],
  weightPair: [[[1, 2]], [[[1, 2], [3, 4]]], ['abc'], [{}], [[1, 'a', 3]]],
  posWeight: [[[1, 2]], [[[1, 2, 3], [1, 2, 3], [1, 2, 3]]], ['abc'], [{}]],
};
const ALL_OPTIONS = ['weight', 'posWeight', 'ignoreIndex', 'reduction', 'labelSmoothing'];
const MISSPELT_OPTIONS = ['reductio', 'label_smoothing', 'ignore_index', 'pos_weight', 'size_average'];

const show = (v) => {
  if (typeof v === 'symbol') return 'Symbol';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

// The losses: positional tensor args, the options each accepts, and how targets work.
const LOSSES = {
  crossEntropy: { args: [['yTrue', YTRUE], ['yPred', YPRED]], options: null },
  crossEntropyLoss: {
    args: [['input', X], ['target', IDX]],
    classTarget: true,
    options: ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'],
  },
  nllLoss: { args: [['input', X], ['target', IDX]], classTarget: true, options: ['weight', 'ignoreIndex', 'reduction'] },
  bceLoss: { args: [['input', P], ['target', T01]], probInput: true, options: ['weight', 'reduction'] },
  bceWithLogitsLoss: { args: [['input', X], ['target', T01]], options: ['weight', 'posWeight', 'reduction'] },
  mseLoss: { args: [['input', X], ['target', T01]], options: ['reduction'] },
};

function lossCases(ll, name, call, fn, dtype) {
  const spec = LOSSES[name];
  const cases = [];
  const conv = (v, i) => (spec.classTarget && i === 1 ? v : ll.tensor(v, { dtype }));
  const valid = () => spec.args.map(([, v], i) => conv(v, i));
  const add = (cls, arg, make, type) => cases.push({ fn, cls: `${cls} [${dtype} partners]`, arg, type, run: () => call(...make()) });

  // Every tensor argument, with each bad value, the others valid.
  spec.args.forEach(([argName, v], i) => {
    const argDtype = spec.classTarget && i === 1 ? 'int32' : dtype;
    for (const [cls, bad, type] of badTensors(ll, v, { dtype: argDtype })) {
      add(`${argName}: ${cls}`, re(argName), () => {
        const a = valid();
        a[i] = bad();
        return a;
      }, type);
    }
  });

  const withTarget = (target, opts) => () => [ll.tensor(spec.args[0][1], { dtype }), target, ...(opts ? [opts] : [])];
  const withInput = (input) => () => [input, conv(spec.args[1][1], 1)];

  if (name === 'crossEntropy') {
    add('yPred: shape mismatch (2, 2) vs yTrue (2, 3)', /yPred|yTrue|shape/, () => [ll.tensor(YTRUE, { dtype }), [[0.5, 0.5], [0.5, 0.5]]]);
    add('yTrue: shape mismatch (3) vs yPred (2, 3)', /yPred|yTrue|shape/, () => [[0, 1, 0], ll.tensor(YPRED, { dtype })]);
  }
  if (spec.classTarget) {
    add('input: rank 3 (contract: (C) or (N, C))', /input/, withInput([[[1, 2, 3]]]));
    add('input: 0-d number', /input/, withInput(5));
    const badIdx = [
      ['class index 3 out of range [0, 3)', [0, 3]],
      ['negative class index -1 (ignoreIndex is -100)', [0, -1]],
      ['class index -101', [-101, 0]],
      ['fractional class index 1.5', [0, 1.5]],
      ['class index NaN', [0, NaN]],
      ['class index Infinity', [0, Infinity]],
      ['class index -Infinity', [0, -Infinity]],
      ['class index 1e10 (beyond int32)', [0, 1e10]],
      ['Int32Array class index 3', Int32Array.of(0, 3)],
      ['Int32Array class index -5', Int32Array.of(-5, 0)],
      ['int32 Tensor class index 7', ll.tensor([7, 0], { dtype: 'int32' })],
      ['3 indices for 2 rows', [0, 1, 2]],
      ['1 index for 2 rows', [0]],
      ['indices shaped (2, 1)', [[0], [2]]],
      ['0-d index for 2 rows', 1],
      ['probabilities of the wrong shape (2, 2)', [[0.5, 0.5], [0.5, 0.5]]],
      ['probabilities of shape (1, 3) for 2 rows', [[0.2, 0.3, 0.5]]],
    ];
    for (const [cls, t] of badIdx) add(`target: ${cls}`, /target/, withTarget(t));
    // 1-D input (C): the target is one 0-d class index.
    for (const [cls, t] of [['3 out of range', 3], ['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['[0] (1-d, not 0-d)', [0]]]) {
      add(`target for a (C) input: ${cls}`, /target/, () => [ll.tensor([1, 2, 3], { dtype }), t]);
    }
    // nn.NLLLoss takes class indices only (torch: "expected scalar type Long").
    if (name === 'nllLoss') add('target: probabilities (nllLoss takes class indices)', /target/, withTarget(PROBS));
  } else if (name !== 'crossEntropy') {
    add('target: shape mismatch (2, 2) vs input (2, 3)', /target|shape/, withTarget([[0, 1], [1, 0]]));
    add('target: shape mismatch (4) vs input (2, 3)', /target|shape/, withTarget([0, 1, 1, 0]));
    add('target: shape mismatch (3, 3) vs input (2, 3)', /target|shape/, withTarget([[0, 1, 1], [1, 0, 0], [1, 1, 1]]));
    // BCELoss / BCEWithLogitsLoss require the same size (mseLoss broadcasts a scalar, like torch).
    if (name !== 'mseLoss') add('target: 0-d number for a (2, 3) input', /target|shape/, withTarget(1));
  }
  if (spec.probInput) {
    for (const [cls, v] of [['1.5', 1.5], ['-0.1', -0.1], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]) {
      add(`input: probability ${cls} outside [0, 1]`, /input/, () => [ll.tensor([[0.2, v, 0.9], [0.5, 0.1, 0.3]], { dtype }), ll.tensor(T01, { dtype })]);
    }
  }

  if (spec.options) {
    const base = () => valid();
    for (const [cls, o] of [['a string', 'mean'], ['a number', 5], ['a boolean', true], ['a symbol', Symbol('o')], ['an array', ['sum']]]) {
      add(`options: ${cls}`, /option/i, () => [...base(), o], 'TypeError');
    }
    const unknown = [...ALL_OPTIONS.filter((k) => !spec.options.includes(k)), ...MISSPELT_OPTIONS];
    for (const k of unknown) {
      const v = k === 'reductio' ? 'sum' : k.toLowerCase().includes('weight') ? [1, 1, 1] : 0.1;
      add(`options: unknown option '${k}'`, re(k), () => [...base(), { [k]: v }]);
    }
    for (const opt of spec.options) {
      const key = opt === 'weight' ? (spec.classTarget ? 'weightClass' : 'weightPair') : opt;
      for (const [v] of BAD_OPTION_VALUES[key]) {
        add(`options.${opt} = ${show(v)}`, re(opt), () => [...base(), { [opt]: v }]);
      }
    }
  }
  return cases;
}

function opCases(ll, name, call, fn, dtype) {
  const cases = [];
  const x = () => ll.tensor(X, { dtype });
  const hasDim = ['softmax', 'logSoftmax', 'argmax', 'max'].includes(name);
  // sigmoid/relu of an empty tensor is an empty tensor in torch, not an error.
  const empty = name !== 'sigmoid' && name !== 'relu';
  for (const [cls, bad, type] of badTensors(ll, X, { empty, dtype, mutatedOnly: dtype !== 'float64' })) {
    cases.push({ fn, cls: `x: ${cls}`, arg: /\bx\b/, type, run: () => (hasDim ? call(bad(), -1) : call(bad())) });
  }
  if (hasDim) {
    for (const [cls, d] of BAD_DIMS) {
      cases.push({ fn, cls: `${cls} [${dtype}]`, arg: /dim/, run: () => call(x(), d) });
    }
    cases.push({ fn, cls: `dim 1 for a 1-d x [${dtype}]`, arg: /dim/, run: () => call(ll.tensor([1, 2, 3], { dtype }), 1) });
  }
  if (name === 'max') cases.push({ fn, cls: 'x: empty, no dim (torch: max() of an empty tensor)', arg: /\bx\b/, run: () => call([]) });
  return cases;
}

function tensorCases(ll) {
  const fn = 'tensor';
  const cases = [];
  for (const [cls, bad, type] of [...WRONG_TYPES.map(([c, m]) => [c, m, 'TypeError']), ...BAD_STRUCTURE]) {
    cases.push({ fn, cls: `data: ${cls}`, arg: /data/, type, run: () => ll.tensor(bad()) });
  }
  const opt = (cls, arg, data, o, type) => cases.push({ fn, cls, arg, type, run: () => ll.tensor(data, o) });
  for (const d of ['float16', 'int64', 'bool', 'Float32', '', 5, null]) opt(`dtype ${show(d)}`, /dtype/, [1, 2], { dtype: d });
  for (const s of [[2, 2], [-3], [1.5, 2], [NaN], [Infinity], 'abc', [[3]], 3]) opt(`shape ${show(s)} for 3 elements`, /shape/, new Float64Array(3), { shape: s });
  opt("unknown option 'dtyp'", /dtyp/, [1], { dtyp: 'float32' });
  opt("unknown option 'size'", /size/, [1], { size: [1] });
  for (const [cls, o] of [['a string', 'float32'], ['a number', 5], ['a symbol', Symbol('o')]]) opt(`options: ${cls}`, /option/i, [1], o, 'TypeError');
  // NaN, Infinity or out-of-range numbers cannot become int32 (torch silently produces garbage).
  for (const v of [NaN, Infinity, -Infinity, 3e9, -3e9]) opt(`int32 from ${v}`, /data/, [1, v], { dtype: 'int32' });
  return cases;
}

function formatCases(ll) {
  const fn = 'format';
  const cases = [];
  const t = () => ll.tensor([0.5, 0.25]);
  for (const [cls, bad, type] of [...WRONG_TYPES.map(([c, m]) => [c, m, 'TypeError']), ...BAD_STRUCTURE]) {
    cases.push({ fn, cls: `tensor: ${cls}`, arg: /\bt\b|tensor|data|\bx\b/, type, run: () => ll.format(bad(), { style: 'numpy' }) });
  }
  for (const s of ['matlab', 'Numpy', '', 5, {}]) cases.push({ fn, cls: `style ${show(s)}`, arg: /style/, run: () => ll.format(t(), { style: s }) });
  cases.push({ fn, cls: "unknown option 'styl'", arg: /styl/, run: () => ll.format(t(), { styl: 'numpy' }) });
  for (const [cls, o] of [['a string', 'numpy'], ['a number', 5], ['a symbol', Symbol('o')]]) {
    cases.push({ fn, cls: `options: ${cls}`, arg: /option/i, type: 'TypeError', run: () => ll.format(t(), o) });
  }
  return cases;
}

// Bad optimizer configs, shared by ll.mlp({ optimizer }) and net.setOptimizer().
export const BAD_OPTIMIZERS = [
  ['type rmsprop', { type: 'rmsprop', lr: 0.1 }, /type|optimizer/],
  ['type SGD (case)', { type: 'SGD', lr: 0.1 }, /type|optimizer/],
  ['type 5', { type: 5, lr: 0.1 }, /type|optimizer/],
  ['lr -1', { type: 'sgd', lr: -1 }, /lr/],
  ['lr NaN', { type: 'sgd', lr: NaN }, /lr/],
  ['lr Infinity', { type: 'sgd', lr: Infinity }, /lr/],
  ['lr a string', { type: 'sgd', lr: '0.1' }, /lr/],
  ['lr null', { type: 'sgd', lr: null }, /lr/],
  ['momentum -0.5', { type: 'sgd', lr: 0.1, momentum: -0.5 }, /momentum/],
  ['momentum NaN', { type: 'sgd', lr: 0.1, momentum: NaN }, /momentum/],
  ['nesterov without momentum', { type: 'sgd', lr: 0.1, nesterov: true }, /nesterov/],
  ['nesterov a string', { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: 'yes' }, /nesterov/],
  ['weightDecay -1', { type: 'sgd', lr: 0.1, weightDecay: -1 }, /weightDecay/],
  ['adam lr -0.001', { type: 'adam', lr: -0.001 }, /lr/],
  ['adam betas [1, 0.999]', { type: 'adam', betas: [1, 0.999] }, /betas/],
  ['adam betas [0.9, -0.1]', { type: 'adam', betas: [0.9, -0.1] }, /betas/],
  ['adam betas [0.9]', { type: 'adam', betas: [0.9] }, /betas/],
  ['adam betas a string', { type: 'adam', betas: '0.9,0.999' }, /betas/],
  ['adam betas [NaN, 0.999]', { type: 'adam', betas: [NaN, 0.999] }, /betas/],
  ['adam eps -1', { type: 'adam', eps: -1 }, /eps/],
  ['adam eps NaN', { type: 'adam', eps: NaN }, /eps/],
  ['adam weightDecay -0.1', { type: 'adam', weightDecay: -0.1 }, /weightDecay/],
  ['unknown key lrr', { type: 'sgd', lrr: 0.1 }, /lrr/],
  ['unknown key learning_rate', { type: 'sgd', learning_rate: 0.1 }, /learning_rate/],
  ['momentum for adam', { type: 'adam', momentum: 0.9 }, /momentum/],
  ['betas for sgd', { type: 'sgd', lr: 0.1, betas: [0.9, 0.999] }, /betas/],
  ['a string', 'sgd', /optimizer|option/i],
  ['a number', 0.1, /optimizer|option/i],
];

function mlpCases(ll) {
  const fn = 'mlp';
  const cases = [];
  const add = (cls, arg, opts, type) => cases.push({ fn, cls, arg, type, run: () => ll.mlp(opts) });
  for (const [cls, o] of [['undefined', undefined], ['null', null], ['a number', 5], ['a string', 'abc'], ['an array', [4, 3]], ['a symbol', Symbol('o')]]) {
    add(`options: ${cls}`, /option|sizes/i, o, 'TypeError');
  }
  const badSizes = [
    ['missing', undefined], ['[]', []], ['[3]', [3]], ['[2, 0, 1]', [2, 0, 1]], ['[0, 3]', [0, 3]],
    ['[2, 1.5, 1]', [2, 1.5, 1]], ['[-2, 3]', [-2, 3]], ['[2, NaN]', [2, NaN]], ['[2, Infinity]', [2, Infinity]],
    ['[2, "3"]', [2, '3']], ['[1e10, 2]', [1e10, 2]], ['"4,3"', '4,3'], ['null', null], ['a Float64Array [4, 0.5]', Float64Array.of(4, 0.5)],
    ['[[4], [3]]', [[4], [3]]], ['5', 5],
  ];
  for (const [cls, s] of badSizes) add(`sizes ${cls}`, /sizes/, s === undefined ? {} : { sizes: s });
  const S = { sizes: [4, 5, 3] };
  // (null is taken as "use the default", like undefined.)
  for (const a of ['gelu', 'ReLU', 'softmax', '', 5]) add(`activation ${show(a)}`, /activation/, { ...S, activation: a });
  for (const o of ['softmax', 'probabilities', 5]) add(`output ${show(o)}`, /output/, { ...S, output: o });
  for (const l of ['hinge', 'crossEntropy', 'nll', 5]) add(`loss ${show(l)}`, /loss/, { ...S, loss: l });
  const lo = [
    ['reduction none (a net needs mean or sum)', { reduction: 'none' }, /reduction/],
    ['reduction avg', { reduction: 'avg' }, /reduction/],
    ['labelSmoothing 2', { labelSmoothing: 2 }, /labelSmoothing/],
    ['labelSmoothing NaN', { labelSmoothing: NaN }, /labelSmoothing/],
    ['weight of 2 for 3 classes', { weight: [1, 2] }, /weight/],
    ['posWeight for cross_entropy', { posWeight: [1, 2, 3] }, /posWeight/],
    ['unknown key foo', { foo: 1 }, /foo/],
    ['a string', 'mean', /lossOptions|option/i],
  ];
  for (const [cls, o, arg] of lo) add(`lossOptions ${cls}`, arg, { ...S, lossOptions: o });
  for (const [cls, o, arg] of BAD_OPTIMIZERS) add(`optimizer ${cls}`, arg, { ...S, optimizer: o });
  for (const s of [1.5, NaN, 'a', Infinity, {}]) add(`seed ${show(s)}`, /seed/, { ...S, seed: s });
  for (const d of ['float16', 'int32', 'float', 5]) add(`dtype ${show(d)}`, /dtype/, { ...S, dtype: d });
  for (const k of ['hidden', 'lr', 'activations', 'layers']) add(`unknown option '${k}'`, re(k), { ...S, [k]: 1 });
  return cases;
}

// Methods of a live net (ctx.net: sizes [4, 5, 3], cross_entropy, sgd).
function netCases(ll) {
  const cases = [];
  const add = (fn, cls, arg, run, type) => cases.push({ fn, cls, arg, type, net: true, run });
  const badX = [
    ...badTensors(ll, NET_X),
    ['3 features for a 4-input net', () => [[1, 2, 3], [4, 5, 6]]],
    ['5 features for a 4-input net', () => [[1, 2, 3, 4, 5]]],
    ['a 0-d number', () => 5],
  ];
  for (const m of ['forward', 'predict']) {
    for (const [cls, bad, type] of badX) add(m, `x: ${cls}`, /\bx\b/, ({ net }) => net[m](bad()), type);
  }
  const badY = [
    ...WRONG_TYPES.map(([c, m]) => [c, m, 'TypeError']),
    ...BAD_STRUCTURE,
    ['class 3 for 3 outputs', () => [0, 3]],
    ['class -1', () => [0, -1]],
    ['class 1.5', () => [0, 1.5]],
    ['class NaN', () => [0, NaN]],
    ['class Infinity', () => [0, Infinity]],
    ['Int32Array class 9', () => Int32Array.of(9, 0)],
    ['3 labels for 2 rows', () => [0, 1, 2]],
    ['1 label for 2 rows', () => [1]],
    ['labels shaped (2, 1) for 3 classes', () => [[0], [2]]],
    ['an empty array', () => []],
  ];
  for (const m of ['trainStep', 'explain']) {
    for (const [cls, bad, type] of badX) add(m, `x: ${cls}`, /\bx\b/, ({ net }) => net[m](bad(), NET_Y), type);
    for (const [cls, bad, type] of badY) add(m, `y: ${cls}`, /\by\b/, ({ net }) => net[m](NET_X, bad()), type);
  }
  // fit: the same x/y checks (a subset) and its options; a rejected promise or a synchronous throw.
  const fitBadXY = [
    ['x: a string', 'abc', NET_Y, /\bx\b/], ['x: ragged', [[1, 2, 3, 4], [1]], NET_Y, /\bx\b/],
    ['x: 3 features', [[1, 2, 3], [4, 5, 6]], NET_Y, /\bx\b/], ['y: class 3', NET_X, [0, 3], /\by\b/],
    ['y: class 1.5', NET_X, [0, 1.5], /\by\b/], ['y: 3 labels for 2 rows', NET_X, [0, 1, 2], /\by\b/],
    ['y: null', NET_X, null, /\by\b/],
  ];
  for (const [cls, x, y, arg] of fitBadXY) add('fit', cls, arg, ({ net }) => net.fit(x, y, { epochs: 1 }));
  // A bad label in the last batch: fit must reject before training any batch (the net stays unchanged).
  const x4 = [...NET_X, [0, 1, 1, 1], [2, 2, 2, 2]];
  add('fit', 'y: class 3 in the last of 4 batches', /\by\b/, ({ net }) => net.fit(x4, [0, 1, 2, 3], { batchSize: 1, shuffle: false }));
  const fitOpts = [
    ['epochs 0.5', { epochs: 0.5 }, /epochs/], ['epochs -1', { epochs: -1 }, /epochs/], ['epochs NaN', { epochs: NaN }, /epochs/],
    ['epochs Infinity', { epochs: Infinity }, /epochs/], ['epochs "2"', { epochs: '2' }, /epochs/],
    ['batchSize 0', { batchSize: 0 }, /batchSize/], ['batchSize -1', { batchSize: -1 }, /batchSize/],
    ['batchSize 1.5', { batchSize: 1.5 }, /batchSize/], ['batchSize NaN', { batchSize: NaN }, /batchSize/],
    ['batchSize "32"', { batchSize: '32' }, /batchSize/], ['seed 1.5', { seed: 1.5 }, /seed/],
    ['shuffle "yes"', { shuffle: 'yes' }, /shuffle/], ['onEpochEnd 5', { onEpochEnd: 5 }, /onEpochEnd/],
    ['unknown option epoch', { epoch: 2 }, /epoch\b/], ['unknown option batch_size', { batch_size: 2 }, /batch_size/],
    ['options a number', 5, /option/i],
  ];
  for (const [cls, o, arg] of fitOpts) add('fit', `options: ${cls}`, arg, ({ net }) => net.fit(NET_X, NET_Y, o));

  // loadStateDict: wrong container, missing / extra keys, wrong shapes, bad values.
  const sd = (net) => net.stateDict();
  const badDicts = [
    ['a number', () => 5, /dict|state/i], ['a string', () => 'abc', /dict|state/i], ['null', () => null, /dict|state/i],
    ['undefined', () => undefined, /dict|state/i], ['an array', () => [], /dict|state|linear1/i],
    ['empty object (all keys missing)', () => ({}), /linear1\.weight/],
    ['missing linear2.bias', (net) => { const d = sd(net); delete d['linear2.bias']; return d; }, /linear2\.bias/],
    ['extra key linear3.weight', (net) => ({ ...sd(net), 'linear3.weight': [[1]] }), /linear3\.weight/],
    ['linear1.weight shaped (5, 3)', (net) => ({ ...sd(net), 'linear1.weight': Array.from({ length: 5 }, () => [0, 0, 0]) }), /linear1\.weight/],
    ['linear1.weight transposed (4, 5)', (net) => ({ ...sd(net), 'linear1.weight': Array.from({ length: 4 }, () => [0, 0, 0, 0, 0]) }), /linear1\.weight/],
    ['linear2.bias of 4', (net) => ({ ...sd(net), 'linear2.bias': [0, 0, 0, 0] }), /linear2\.bias/],
    ['linear2.bias a string', (net) => ({ ...sd(net), 'linear2.bias': 'abc' }), /linear2\.bias/],
    ['linear2.bias null', (net) => ({ ...sd(net), 'linear2.bias': null }), /linear2\.bias/],
    ['linear1.weight ragged', (net) => ({ ...sd(net), 'linear1.weight': [[0, 0, 0, 0], [0]] }), /linear1\.weight/],
    ['linear1.bias flat Tensor reshaped wrongly', (net) => ({ ...sd(net), 'linear1.bias': ll.tensor(new Float32Array(5), { shape: [5, 1] }) }), /linear1\.bias/],
    ['linear1.bias a symbol', (net) => ({ ...sd(net), 'linear1.bias': Symbol('b') }), /linear1\.bias/],
  ];
  for (const [cls, make, arg] of badDicts) add('loadStateDict', cls, arg, ({ net }) => net.loadStateDict(make(net)));

  for (const [cls, o, arg] of BAD_OPTIMIZERS) add('setOptimizer', cls, arg, ({ net }) => net.setOptimizer(o));
  const badLoss = [
    ['name hinge', 'hinge', undefined, /loss|name/], ['name 5', 5, undefined, /loss|name/], ['name undefined', undefined, undefined, /loss|name/],
    ['name crossEntropy', 'crossEntropy', undefined, /loss|name/],
    ['reduction none', 'cross_entropy', { reduction: 'none' }, /reduction/], ['reduction avg', 'cross_entropy', { reduction: 'avg' }, /reduction/],
    ['labelSmoothing 1.5', 'cross_entropy', { labelSmoothing: 1.5 }, /labelSmoothing/],
    ['labelSmoothing for mse', 'mse', { labelSmoothing: 0.1 }, /labelSmoothing/],
    ['weight for mse (MSELoss has none)', 'mse', { weight: [1, 2, 3] }, /weight/],
    ['weight of 2 for 3 classes', 'cross_entropy', { weight: [1, 2] }, /weight/],
    ['posWeight of 2 for 3 outputs', 'bce_with_logits', { posWeight: [1, 2] }, /posWeight/],
    ['unknown option foo', 'cross_entropy', { foo: 1 }, /foo/],
    ['options a string', 'cross_entropy', 'mean', /option/i],
  ];
  for (const [cls, name, o, arg] of badLoss) add('setLoss', cls, arg, ({ net }) => net.setLoss(name, o));
  return cases;
}

// Every method of a disposed net throws, naming the method and saying the net was disposed.
export const NET_METHODS = ['forward', 'trainStep', 'grads', 'stateDict', 'loadStateDict', 'setOptimizer', 'setLoss', 'fit', 'predict', 'explain'];
function disposedCases() {
  const args = {
    forward: [NET_X], predict: [NET_X], trainStep: [NET_X, NET_Y], explain: [NET_X, NET_Y], fit: [NET_X, NET_Y, { epochs: 1 }],
    grads: [], stateDict: [], loadStateDict: [{}], setOptimizer: [{ type: 'sgd', lr: 0.1 }], setLoss: ['cross_entropy'],
  };
  return NET_METHODS.map((m) => ({ fn: m, cls: 'a disposed net', arg: /dispos/i, run: ({ disposedNet }) => disposedNet[m](...args[m]) }));
}

// Names in the API contract; more found on ll.grad / ll.explain are covered if LOSSES/ops know them.
const OPS = ['softmax', 'logSoftmax', 'sigmoid', 'relu', 'argmax', 'max'];
export const CONTRACT_GRAD = ['crossEntropy', 'crossEntropyLoss', 'nllLoss', 'bceLoss', 'bceWithLogitsLoss', 'mseLoss'];
export const CONTRACT_EXPLAIN = ['softmax', 'crossEntropy', 'crossEntropyLoss', 'bceLoss', 'bceWithLogitsLoss'];

/** The whole table plus the names it could not cover (functions on ll.grad/ll.explain with no spec). */
export function buildTable(ll) {
  const cases = [...tensorCases(ll), ...formatCases(ll), ...mlpCases(ll), ...netCases(ll), ...disposedCases()];
  const uncovered = [];
  const namespaces = [
    ['', ll, [...OPS, ...Object.keys(LOSSES)]],
    ['grad.', ll.grad ?? {}, [...new Set([...CONTRACT_GRAD, ...Object.keys(ll.grad ?? {})])]],
    ['explain.', ll.explain ?? {}, [...new Set([...CONTRACT_EXPLAIN, ...Object.keys(ll.explain ?? {})])]],
  ];
  for (const [prefix, ns, names] of namespaces) {
    for (const name of names) {
      const fn = prefix + name;
      const call = (...a) => {
        if (typeof ns[name] !== 'function') throw new Error(`TEST: ll.${fn} is missing`);
        return ns[name](...a);
      };
      for (const dtype of ['float64', 'float32']) {
        if (LOSSES[name]) cases.push(...lossCases(ll, name, call, fn, dtype));
        else if (OPS.includes(name)) cases.push(...opCases(ll, name, call, fn, dtype));
        else if (dtype === 'float64') uncovered.push(fn);
      }
    }
  }
  return { cases, uncovered };
}
