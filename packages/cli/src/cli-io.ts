import type { ProgressStream } from './progress-line.js';

/** Where a command writes text: a stream, or a test's collector. */
export interface TextOutput {
  write(text: string): unknown;
}

/** What a command may touch of the process: passed in, so tests run commands without spawning. */
export interface CommandIo {
  /** Results only (`--json` output stays parseable). */
  stdout: TextOutput;
  /** Progress, notes and errors. */
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

/** The whole process, as `bin.ts` hands it to every command. */
export interface CliIo extends CommandIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** A real stream, so that on a terminal readline can echo and edit the line being typed. */
  stdout: NodeJS.WritableStream;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
