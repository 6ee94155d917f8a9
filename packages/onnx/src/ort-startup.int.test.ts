import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// Regression: onnxruntime's one-time start-up overflowed the main thread's stack (SIGSEGV, no message)
// when the process had a ~40 KB command line, e.g. `loci demo --question "<35 KB of text>"`.
it('creates and runs a session in a process whose command line is 120 KB long', () => {
  const fixture = join(import.meta.dirname, '__fixtures__', 'long-argv-child.ts');
  const result = spawnSync(
    process.execPath,
    ['--conditions=@loci/source', '--import', 'tsx', fixture, 'w'.repeat(120_000)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(result.signal).toBeNull();
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('ran 1,2 with a 120000-character argument');
  expect(result.status).toBe(0);
});
