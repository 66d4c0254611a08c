// Every ```js example in README.md runs as written (through the package's own name, 'logitlab').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('README has runnable examples', () => assert.ok(blocks.length >= 2));

blocks.forEach((code, i) => {
  const first = code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '';
  test(`README example ${i + 1} runs: ${first.slice(0, 60)}`, () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `example ${i + 1} failed:\n${r.stderr}`);
    assert.ok(r.stdout.length > 0, 'the example prints something');
  });
});
