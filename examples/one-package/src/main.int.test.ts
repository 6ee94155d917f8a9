import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const exampleRoot = resolve(import.meta.dirname, '..');
// The first run in a fresh LOCI_HOME builds the built-in embedder (about a minute on a busy CPU).
const buildsTheEmbedder = 300_000;

function runExample(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: exampleRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

it(
  'stores notes and finds them by meaning, by words, with a filter, and never across namespaces',
  async () => {
    const home = await mkdtemp(join(tmpdir(), 'loci-one-package-'));
    try {
      const { code, stdout, stderr } = await runExample({ LOCI_HOME: home });
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^stored 5 notes in /);
      const [, japan, tap, trip, other] = stdout.split('\n\n');
      // The passport-and-Tokyo note is the nearest to a question about flying to Japan.
      expect(japan?.split('\n')[1]).toMatch(/\bn4\b.*Tokyo/);
      expect(tap?.split('\n')[1]).toMatch(/\bn2\b.*tap/);
      // With the tag filter only travel notes come back.
      const tripIds = (trip ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/)[1]);
      expect(tripIds.sort()).toEqual(['n1', 'n4']);
      expect(other).toContain('The same search in namespace user-2 finds 0 notes.');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  },
  buildsTheEmbedder,
);
