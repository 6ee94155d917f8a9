import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');

// docs/cli.md is generated from `loci <command> --help`; a flag added or renamed without
// regenerating it (`pnpm docs:cli`) fails here.
it('docs/cli.md matches the CLI help of every command', async () => {
  const result = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/cli-reference.ts', '--check'],
    { cwd: root },
  ).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
  expect(result.output).toContain(result.code === 0 ? 'docs/cli.md matches the CLI' : 'out of date');
  expect(result.code, result.output).toBe(0);
}, 300_000);
