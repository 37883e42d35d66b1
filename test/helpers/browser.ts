/**
 * Debian's Chromium driven by playwright-core, for the browser tests. `bash
 * scripts/install-test-deps.sh` installs it; without it a suite is skipped with a loud warning,
 * except in CI, where it fails.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Whether a browser suite runs here (it always does in CI); warns when it is skipped. */
export function browserSuiteRuns(suite: string): boolean {
  if (existsSync(CHROMIUM) || process.env.CI) return true;
  console.warn(
    `\n*** ${suite}: ${CHROMIUM} is missing, its browser tests are SKIPPED. ***\n` +
      "*** Run `bash scripts/install-test-deps.sh` (as root) to install Debian's chromium. ***\n",
  );
  return false;
}

/** Headless, sandbox off (root), and none of the background traffic this closed network refuses; plus `extraArgs`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', ...extraArgs],
  });
}
