// Bad inputs give a JS Error with a clear message (never a number, an abort or a RuntimeError) and leave the module usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from '../../web/src/index.js';

const ll = await load();

const LOGITS = [[0.3, 0.1, 0.7], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]];
// torch 1.13: nn.CrossEntropyLoss()(torch.tensor(LOGITS, dtype=torch.float64), torch.tensor([2, 0, 1]))
const CE_GOOD = 0.7790890205830782;

function expectError(fn, Cls, pattern) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, 'expected a throw');
  assert.ok(err instanceof Error, `thrown value must be an Error, got ${typeof err}: ${String(err)}`);
  assert.ok(!(err instanceof WebAssembly.RuntimeError), `must not abort: ${err.message}`);
  assert.ok(err instanceof Cls, `expected ${Cls.name}, got ${err.name}: ${err.message}`);
  assert.match(err.message, pattern);
  // The module still computes right after the error.
  assert.ok(Math.abs(ll.crossEntropyLoss(LOGITS, [2, 0, 1]) - CE_GOOD) < 1e-12);
  return err;
}

const CASES = [
  ['ragged nested array', () => ll.softmax([[1, 2, 3], [4, 5]]), RangeError, /^softmax: x is ragged: row 1 has 2 elements, expected 3$/],
  ['ragged deeper', () => ll.relu([[[1], [2]], [[3]]]), RangeError, /^relu: x is ragged: .*has 1 elements, expected 2/],
  ['a string in the data', () => ll.sigmoid([1, 'a', 3]), TypeError, /^sigmoid: x\[1\] is a string \("a"\), expected a number$/],
  ['null as input', () => ll.softmax(null), TypeError, /^softmax: x is null; expected a number, nested arrays/],
  ['an object as input', () => ll.logSoftmax({ a: 1 }), TypeError, /^logSoftmax: x is an object/],
  ['dim out of range', () => ll.softmax([1, 2, 3], 1), RangeError, /^softmax: dim 1 is out of range; expected a dim in \[-1, 0\]/],
  ['fractional dim', () => ll.argmax([[1, 2]], 0.5), TypeError, /^argmax: dim must be an integer, got 0.5$/],
  ['class index out of range', () => ll.crossEntropyLoss(LOGITS, [2, 0, 3]), RangeError, /^crossEntropyLoss: target\[2\] = 3 is out of range; expected a class index in \[0, 3\)/],
  ['negative class index', () => ll.nllLoss(LOGITS, [2, -1, 0]), RangeError, /^nllLoss: target\[1\] = -1 is out of range/],
  ['fractional class index', () => ll.crossEntropyLoss(LOGITS, [2, 0.5, 1]), RangeError, /^crossEntropyLoss: target\[1\] = 0.5 is not a class index; expected an integer$/],
  ['unknown reduction', () => ll.crossEntropyLoss(LOGITS, [2, 0, 1], { reduction: 'avg' }), RangeError, /^crossEntropyLoss: options.reduction is "avg"; expected 'none', 'mean' or 'sum'$/],
  ['unknown option name', () => ll.mseLoss([1], [2], { weight: [1] }), TypeError, /^mseLoss: unknown option 'weight'; expected one of reduction$/],
  ['label smoothing out of range', () => ll.crossEntropyLoss(LOGITS, [2, 0, 1], { labelSmoothing: 1.5 }), RangeError, /^crossEntropyLoss: options.labelSmoothing is 1.5; expected a number in \[0, 1\]$/],
  ['options not an object', () => ll.bceLoss([0.5], [1], 'mean'), TypeError, /^bceLoss: options must be an object/],
  ['empty input', () => ll.crossEntropyLoss([], []), RangeError, /^crossEntropyLoss: input is empty/],
  ['empty manual prediction', () => ll.crossEntropy([], []), RangeError, /^crossEntropy: yPred is empty/],
  ['target of the wrong rank', () => ll.crossEntropyLoss(LOGITS, [[[1]]]), RangeError, /^crossEntropyLoss: target has shape \[1, 1, 1\]; expected class indices of shape \[3\] or class probabilities of shape \[3, 3\]$/],
  ['target batch size mismatch', () => ll.crossEntropyLoss(LOGITS, [2, 0]), RangeError, /^crossEntropyLoss: target has shape \[2\]/],
  ['mse shape mismatch', () => ll.mseLoss([1, 2, 3], [1, 2]), RangeError, /^mseLoss: /],
  ['bce probabilities outside [0, 1]', () => ll.bceLoss([1.5, 0.5], [1, 0]), RangeError, /^bceLoss: input\[0\] = 1.5/],
  ['weight of the wrong size', () => ll.crossEntropyLoss(LOGITS, [2, 0, 1], { weight: [1, 2] }), RangeError, /^crossEntropyLoss: weight has shape \[2\]/],
  ['grad with a bad target', () => ll.grad.crossEntropyLoss(LOGITS, [9, 0, 1]), RangeError, /^grad.crossEntropyLoss: target\[0\] = 9 is out of range/],
  ['explain with a bad option', () => ll.explain.bceWithLogitsLoss([1], [1], { reduction: 'avg' }), RangeError, /^explain.bceWithLogitsLoss: options.reduction/],
  ['shape that does not fit', () => ll.tensor(new Float32Array(6), { shape: [4, 2] }), RangeError, /^tensor: data has 6 elements, which does not fit shape \[4, 2\]/],
  ['unknown dtype', () => ll.tensor([1], { dtype: 'float16' }), RangeError, /^tensor: dtype is "float16"; expected 'float32', 'float64' or 'int32'$/],
  ['fractional int32', () => ll.tensor([1.5], { dtype: 'int32' }), RangeError, /^tensor: data\[0\] = 1.5 is not an int32 integer/],
  ['item of many', () => ll.tensor([1, 2]).item(), RangeError, /^item: the tensor has 2 elements; expected exactly one$/],
  ['max with a bad dim', () => ll.max([[1, 2]], 2), RangeError, /^max: dim 2 is out of range/],
  ['unknown format style', () => ll.format([1], { style: 'matlab' }), RangeError, /^format: style is "matlab"; expected 'torch' or 'numpy'$/],
];

for (const [name, fn, Cls, pattern] of CASES) {
  test(`error: ${name}`, () => {
    expectError(fn, Cls, pattern);
  });
}

test('errors raised inside C++ reach JS as Error subclasses and free their memory', () => {
  const before = ll.memory().heapBytes;
  for (let i = 0; i < 300; i++) {
    assert.throws(() => ll.crossEntropyLoss(LOGITS, [2, 0, 7]), RangeError);
    assert.throws(() => ll.bceLoss([2], [1]), RangeError);
  }
  assert.equal(ll.memory().heapBytes, before, 'heap bytes in use are unchanged after 600 C++ errors');
});

test('load() rejects unknown options', async () => {
  await assert.rejects(load({ wasmURL: 'x' }), { name: 'TypeError', message: /^load: unknown option 'wasmURL'/ });
});
