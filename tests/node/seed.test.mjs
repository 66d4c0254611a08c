// Runs web/examples/seed.mjs and compares its output with the notebook's numbers (torch 1.13 / numpy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Expected lines: numpy str / torch repr of softmax([2, 1, 0.1]) (float64, float32); -sum(y log p) in float64;
// nn.CrossEntropyLoss float32 of the good and bad logits vs [2, 0, 1]; argmax(dim=1) of both (torch 1.13).
const EXPECTED = [
  'softmax numpy : [0.65900114 0.24243297 0.09856589]',
  'tensor([0.6590, 0.2424, 0.0986])',
  '0.35667494393873245',
  '2.3025850929940455',
  '0.7790890336036682 1.196307897567749',
  'tensor([2, 0, 1]) tensor([1, 2, 2])',
];

// Distance in float32 ulps between two values that are float32 numbers.
function ulps32(a, b) {
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  return Math.abs(i[0] - i[1]);
}

test('web/examples/seed.mjs prints the notebook numbers', () => {
  const script = fileURLToPath(new URL('../../web/examples/seed.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, EXPECTED.length, out);
  lines.forEach((line, i) => {
    if (i !== 4) return assert.equal(line, EXPECTED[i], `line ${i + 1}`);
    // float32 losses: within 2 ulps of torch's (summation order may differ).
    const got = line.split(' ').map(Number);
    const want = EXPECTED[i].split(' ').map(Number);
    assert.equal(got.length, 2, line);
    got.forEach((g, k) => {
      assert.equal(Math.fround(g), g, `line 5 value ${k + 1} is a float32 number`);
      assert.ok(ulps32(g, want[k]) <= 2, `line 5 value ${k + 1}: ${g} vs ${want[k]} (${ulps32(g, want[k])} ulps)`);
    });
  });
});
