import type { BrowserContext, Page } from 'playwright-core';

/**
 * The page's microphone without the browser's voice processing (noise suppression, echo cancellation, gain
 * control). The e2e tests' fake "voice" is a steady tone (Chromium's --use-file-for-fake-audio-capture), and a
 * noise suppressor learns a steady tone as noise: within seconds it sends the tone at a fraction of its level,
 * then next to nothing (the supervisor e2e's whisper step failed so, with the tone gone 0.834 -> 0.009). People's
 * speech is not stationary, so the pages keep the browser's defaults; only the tests' tone is sent as it is.
 */
export async function rawMicrophone(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript(`(() => {
    const md = navigator.mediaDevices;
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => {
      if (!c || !c.audio) return original(c);
      const audio = typeof c.audio === 'object' ? c.audio : {};
      return original({ ...c, audio: { ...audio, noiseSuppression: false, echoCancellation: false, autoGainControl: false } });
    };
  })()`);
}
