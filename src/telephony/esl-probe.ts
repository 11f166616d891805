import net from 'node:net';

/**
 * One look at a FreeSWITCH event socket: connect, authenticate, and check that the sofia profile
 * drachtio-fsmrf needs is RUNNING; then disconnect. The pool probes before `Mrf.connect`, because a
 * failed `Mrf.connect` leaves drachtio-modesl reconnecting on its own, forever, with nobody listening.
 */
export async function probeEventSocket(opts: { host: string; port: number; secret: string; profile: string; timeoutMs: number }): Promise<void> {
  const socket = net.createConnection({ host: opts.host, port: opts.port });
  let buf = '';
  const messages: { headers: Record<string, string>; body: string }[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    for (;;) {
      const end = buf.indexOf('\n\n');
      if (end < 0) break;
      const headers: Record<string, string> = {};
      for (const line of buf.slice(0, end).split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      const len = Number(headers['Content-Length'] ?? 0);
      if (buf.length < end + 2 + len) break;
      messages.push({ headers, body: buf.slice(end + 2, end + 2 + len) });
      buf = buf.slice(end + 2 + len);
    }
    wake?.();
  });
  socket.on('error', (err) => {
    failure = err;
    wake?.();
  });
  socket.on('close', () => {
    failure ??= new Error('connection closed by the event socket');
    wake?.();
  });
  const timer = setTimeout(() => {
    failure ??= new Error(`no answer within ${opts.timeoutMs} ms`);
    wake?.();
  }, opts.timeoutMs);

  const next = async (contentType: string): Promise<{ headers: Record<string, string>; body: string }> => {
    for (;;) {
      const i = messages.findIndex((m) => m.headers['Content-Type'] === contentType);
      if (i >= 0) return messages.splice(i, 1)[0]!;
      if (failure) throw failure;
      await new Promise<void>((r) => (wake = r));
    }
  };

  try {
    await next('auth/request');
    socket.write(`auth ${opts.secret}\n\n`);
    const reply = await next('command/reply');
    if (!reply.headers['Reply-Text']?.startsWith('+OK')) throw new Error(`event socket refused the secret: ${reply.headers['Reply-Text'] ?? ''}`);
    socket.write('api sofia status\n\n');
    const status = await next('api/response');
    const running = status.body.split('\n').some((l) => l.trim().startsWith(opts.profile) && /RUNNING/.test(l));
    if (!running) throw new Error(`sofia profile ${opts.profile} is not running yet`);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
