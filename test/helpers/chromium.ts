import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with no background network traffic (this machine has no network). */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!fs.existsSync(CHROMIUM)) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** the browser for a suite, or the suite skipped with its one-line reason when Debian's Chromium is missing */
export async function chromiumOrSkip(suite: Mocha.Context): Promise<Browser> {
  const browser = await launchChromium();
  if (!browser) {
    console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    suite.skip();
  }
  return browser!;
}
