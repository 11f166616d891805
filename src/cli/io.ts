/** Where a CLI command writes (process streams in production, buffers in tests). */
export interface CliIo {
  out: { write(chunk: string): unknown };
  err: { write(chunk: string): unknown };
}
