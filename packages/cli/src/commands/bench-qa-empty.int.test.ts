import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
const bin = join(repoRoot, 'packages', 'cli', 'src', 'bin.ts');

it('bench qa says there is nothing to score (exit 2) for data without questions, before any LLM is set up', async () => {
  const dir = await makeTempDir('loci-qa-empty-');
  try {
    const data = join(dir.path, 'empty.json');
    await writeFile(data, '[]');
    const clean = { ...process.env };
    for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL']) delete clean[name];
    const run = spawnSync(
      process.execPath,
      [
        '--conditions=@loci/source',
        '--import',
        'tsx',
        bin,
        'bench',
        'qa',
        '--data',
        data,
        '--method',
        'best',
      ],
      {
        cwd: repoRoot,
        env: { ...clean, LOCI_HOME: join(dir.path, 'home') },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('nothing to score');
    expect(run.stdout).not.toContain('0.000');
  } finally {
    await dir.remove();
  }
}, 90_000);
