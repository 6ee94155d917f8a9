import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const exampleRoot = resolve(import.meta.dirname, '..');

it('observes a few turns and recalls them with their sources, per namespace', async () => {
  const home = await mkdtemp(join(tmpdir(), 'loci-quickstart-'));
  try {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((done, fail) => {
      const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', 'src/main.ts'], {
        cwd: exampleRoot,
        env: { ...process.env, LOCI_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      child.on('error', fail);
      child.on('close', (exitCode) => done({ code: exitCode, stdout: out, stderr: err }));
    });
    expect(stderr).toContain('embedder: ');
    expect(code).toBe(0);
    const [, cat, city] = stdout.split(/\n(?=\S)/);
    expect(cat).toMatch(/^What is the name of Ada's cat\?/);
    // The turn that names the cat is recalled for the question about it.
    expect(cat).toMatch(/\[[^\]]*\bt1\b[^\]]*\].*Pixel/);
    expect(city).toMatch(/^Which city is Ada moving to/);
    expect(city).toMatch(/\[[^\]]*\bt(4|6)\b/);
    expect(stdout).toContain('The same question in another namespace recalls 0 items.');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
