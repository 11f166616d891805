import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** headless, with no background network traffic (this machine has no network) */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** a microphone without a person: Chromium's fake device (a beep) and no permission prompt */
export const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/** Debian's Chromium with CHROMIUM_ARGS and `extraArgs`, or undefined when it is not installed */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser | undefined> {
  if (!fs.existsSync(CHROMIUM)) return undefined;
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
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
