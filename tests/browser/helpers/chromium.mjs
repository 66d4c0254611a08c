// Shared by the browser tests: Debian's Chromium through playwright-core, with the flags this machine needs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// --no-sandbox: tests run as root; --disable-dev-shm-usage: the Debian wrapper's /dev/shm check
// misfires in containers; the rest keep Chromium off the (closed) network.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const executablePath = '/usr/bin/chromium';

/** A browser (separate contexts per test). */
export function launchBrowser() {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A persistent context in a fresh profile folder (Playwright rejects --user-data-dir in args);
 * closing it also removes the folder.
 */
export async function launchContext(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, ...options });
  const close = ctx.close.bind(ctx);
  ctx.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return ctx;
}
