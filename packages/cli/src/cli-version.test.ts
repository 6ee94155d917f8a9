import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cliVersion } from './cli-version.js';

describe('cliVersion', () => {
  it("is the CLI package's own version", async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(manifest.name).toBe('@loci/cli');
    expect(cliVersion()).toBe(manifest.version);
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
