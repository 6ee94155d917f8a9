import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LeaseChild {
  process: ChildProcess;
  /** The next JSON line it prints (fails after `timeoutMs`, or when it exits first). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  send(line: string): void;
  /** Ends its stdin and waits for it to exit. */
  end(): Promise<void>;
}

/** Starts __fixtures__/lease-child.ts (see there) as a separate process. */
export function spawnLeaseChild(args: readonly string[]): LeaseChild {
  const fixture = join(import.meta.dirname, 'lease-child.ts');
  const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', fixture, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const wake = waiting.shift();
    if (wake) wake(line);
    else lines.push(line);
  });
  void exited.then(() => {
    for (const wake of waiting.splice(0)) wake(undefined);
  });
  return {
    process: child,
    next(timeoutMs = 60_000) {
      const ready = lines.shift();
      if (ready !== undefined) return Promise.resolve(JSON.parse(ready));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`lease child said nothing in ${timeoutMs} ms: ${errors}`)),
          timeoutMs,
        );
        waiting.push((line) => {
          clearTimeout(timer);
          if (line === undefined) reject(new Error(`lease child exited: ${errors}`));
          else resolve(JSON.parse(line));
        });
      });
    },
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    async end() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
