import { join } from 'node:path';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runKillSteps } from '../bench/kill-steps-run.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-memgpt-kill-steps-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

// The CI-sized run of the kill -9 soak of agent steps (docs/reliability.md): processes killed with
// SIGKILL while stepping lose no acknowledged step, and the agent is taken over and loads every time.
it('loses no acknowledged step when the stepping process is killed with SIGKILL', async () => {
  const outcome = await runKillSteps({
    server,
    storeUri: join(dir.path, 'store'),
    cycles: 3,
    windowMs: 5000,
  });
  expect(outcome.reopenFailures).toEqual([]);
  expect(outcome.childFailures).toEqual([]);
  expect(outcome.cycles).toBe(3);
  expect(outcome.lost).toBe(0);
  expect(outcome.rewinds).toBe(0);
  // The kills must land while the children step, and some steps must have been acknowledged first.
  expect(outcome.killedInSteps).toBeGreaterThan(0);
  expect(outcome.acknowledgedSteps).toBeGreaterThan(0);
}, 300_000);
