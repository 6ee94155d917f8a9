import { join } from 'node:path';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFuzz } from '../bench/fuzz-run.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-memgpt-fuzz-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

// The CI-sized run of `bench:fuzz` (docs/reliability.md): every malformed reply ends its step with a
// result or a LociError in time, and the agent loads afterwards.
it('survives 30 fuzzed malformed replies without a crash or a hang', async () => {
  const outcome = await runFuzz({ server, storeUri: join(dir.path, 'store'), replies: 30, seed: 7 });
  expect(outcome.crashes).toEqual([]);
  expect(outcome.hangs).toEqual([]);
  expect(outcome.loadableAfter).toBe(true);
  // The fuzz must actually reach the error paths, not only well-formed answers.
  expect(Object.values(outcome.lociErrors).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
}, 240_000);
