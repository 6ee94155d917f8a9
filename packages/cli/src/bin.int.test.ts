import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Runs the CLI from source, as `pnpm loci` does. */
function loci(args: readonly string[]) {
  return spawnSync(
    process.execPath,
    ['--conditions=@loci/source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args],
    { cwd: repoRoot, encoding: 'utf8' },
  );
}

describe('loci', () => {
  it('--version prints the version in the CLI package.json', async () => {
    const manifest = JSON.parse(await readFile(resolve(import.meta.dirname, '../package.json'), 'utf8')) as {
      version: string;
    };
    const run = loci(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${manifest.version}\n`);
  });

  it('exits with 2 on an unknown command', () => {
    const run = loci(['nonsense']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'nonsense'/);
  });
});
