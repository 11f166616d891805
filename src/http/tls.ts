import fs from 'node:fs';
import type { Server } from 'node:https';
import type { Logger } from 'pino';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** how often the files are checked for a change (a renewed certificate), seconds */
  reloadCheckSec: number;
}

/** the certificate and key as the HTTPS server takes them; a clear error names a missing file */
export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (what: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`server.tls.${what}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return { cert: read('certFile', files.certFile), key: read('keyFile', files.keyFile) };
}

/**
 * A renewed certificate (certbot, cert-manager...) is taken without a restart: when either file changes, both
 * are read again and the server's secure context replaced; connections already open keep theirs. A pair that
 * does not load (caught mid-write, key and certificate not matching) is logged and the old one kept.
 */
export function reloadTlsOnChange(server: Server, files: TlsFiles, logger: Logger): () => void {
  const reload = (curr: fs.Stats, prev: fs.Stats) => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return;
    try {
      server.setSecureContext(readTls(files));
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      logger.warn({ certFile: files.certFile, err: err instanceof Error ? err.message : String(err) }, 'TLS certificate not reloaded: keeping the previous one');
    }
  };
  const opts = { interval: Math.max(100, files.reloadCheckSec * 1000), persistent: false };
  fs.watchFile(files.certFile, opts, reload);
  fs.watchFile(files.keyFile, opts, reload);
  return () => {
    fs.unwatchFile(files.certFile, reload);
    fs.unwatchFile(files.keyFile, reload);
  };
}
