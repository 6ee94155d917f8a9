import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The CLI's version, from its own package.json (one level above both `src/` and `dist/`), so that
 * `loci --version` says what is installed and no version string is written twice.
 */
export function cliVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return z.object({ version: z.string().min(1) }).parse(JSON.parse(text)).version;
}
