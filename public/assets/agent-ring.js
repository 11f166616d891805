/**
 * Ringing in the browser: a ring tone made with WebAudio (440 + 480 Hz, 2 s on, 4 s off, as a North American
 * ring: no audio file to ship) and, while the tab is in the background, a desktop notification that brings the
 * page forward when clicked. The AudioContext is made on a click (sign-in), as browsers let pages play
 * sound only after a gesture.
 */
export function ringer() {
  let ctx = null;
  let timer = null;
  let notification = null;
  const playing = [];

  function unlock() {
    try {
      if (!ctx) ctx = new AudioContext();
      if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    } catch {
      /* no WebAudio: ring silently (the page still shows the call) */
    }
    if (globalThis.Notification && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
  }

  function burst() {
    if (!ctx) return;
    const t = ctx.currentTime;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0, t);
    gain.gain.linearRampToValueAtTime(0.12, t + 0.03);
    gain.gain.setValueAtTime(0.12, t + 1.95);
    gain.gain.linearRampToValueAtTime(0, t + 2);
    gain.connect(ctx.destination);
    for (const hz of [440, 480]) {
      const o = ctx.createOscillator();
      o.frequency.value = hz;
      o.connect(gain);
      o.start(t);
      o.stop(t + 2);
      playing.push(o);
      o.onended = () => playing.splice(playing.indexOf(o), 1);
    }
  }

  /** ring until stop(); `title`/`body` for the notification when the page is not in view */
  function start(title, body) {
    stop();
    unlock();
    burst();
    timer = setInterval(burst, 6000);
    if (document.hidden && globalThis.Notification && Notification.permission === 'granted') {
      try {
        notification = new Notification(title, { body, tag: 'agent-call', requireInteraction: true });
        notification.onclick = () => { window.focus(); notification && notification.close(); };
      } catch {
        notification = null;
      }
    }
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    for (const o of playing.splice(0)) {
      try { o.stop(); } catch { /* already stopped */ }
    }
    if (notification) { notification.close(); notification = null; }
  }

  return { start, stop, unlock, get ringing() { return timer !== null; } };
}
