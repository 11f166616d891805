/**
 * cbsvc command line. Subcommands live in a small table; each is a module with `run(argv, io)`.
 */
import { runAmd } from './amd-command';
import { runSmoke } from './smoke-command';
import type { CliIo } from './io';

export interface Subcommand {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export const SUBCOMMANDS: Record<string, Subcommand> = {
  amd: { summary: 'answering machine detection on WAV files (one JSON line per file)', run: runAmd },
  smoke: { summary: 'check a running install from outside: REST and key, SIP servers, prompts, one test call', run: runSmoke },
};

function usage(): string {
  const lines = Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: cbsvc <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n"cbsvc <command> --help" for a command's options\n`;
}

export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(usage());
    return name ? 0 : 2;
  }
  const command = SUBCOMMANDS[name];
  if (!command) {
    io.err.write(`cbsvc: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  return command.run(rest, io);
}
