// npm pack + install the tarball into an empty folder, then import 'logitlab' there and compute a softmax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the packed tarball installs and runs offline', { timeout: 120000 }, (t) => {
  assert.ok(existsSync(join(root, 'web/wasm/logitlab.wasm')), 'build the wasm first: npm run build:wasm');
  const dir = mkdtempSync(join(tmpdir(), 'logitlab-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const packOut = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', env: npmEnv });
  const [info] = JSON.parse(packOut);
  const files = info.files.map((f) => f.path);
  for (const f of ['web/src/index.js', 'web/src/index.d.ts', 'web/src/tensor.js', 'web/src/format.js', 'web/wasm/logitlab.mjs', 'web/wasm/logitlab.wasm', 'package.json']) {
    assert.ok(files.includes(f), `tarball contains ${f}`);
  }
  assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('cpp/')), 'tarball ships no tests or C++ sources');

  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', join(dir, info.filename), '--no-audit', '--no-fund', '--offline'], { cwd: app, env: npmEnv, stdio: 'pipe' });
  const code = "import { load } from 'logitlab'; const ll = await load(); console.log(String(ll.softmax(ll.tensor([2, 1, 0.1], { dtype: 'float32' }))));";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: app, encoding: 'utf8' });
  // torch 1.13: torch.softmax(torch.tensor([2, 1, 0.1]), -1)
  assert.equal(out.trim(), 'tensor([0.6590, 0.2424, 0.0986])');
});
