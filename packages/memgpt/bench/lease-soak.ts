// The lease soak (docs/reliability.md): how often a second opener of an agent is refused, and how many
// state versions of a fenced-off writer (paused past its lease, then resumed) are accepted.
// Usage: pnpm --filter @loci/memgpt bench:lease [-- <openers> <pauses>]   (defaults 100 and 20)
// One LanceDB store in a temporary folder; this process and one child process open the same agent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLanceStore } from '@loci/lancedb';
import { createFakeLanguageModel, say } from '../src/__fixtures__/fake-language-model.js';
import { letterEmbedder } from '../src/__fixtures__/letter-embedder.js';
import { spawnLeaseChild } from '../src/__fixtures__/spawn-lease-child.js';
import { createAgent, loadAgent } from '../src/index.js';

// `pnpm bench:x -- 10` passes the `--` through: skip it.
const positional = process.argv.slice(2).filter((arg) => arg !== '--');
const openers = Number(positional[0] ?? 100);
const pauses = Number(positional[1] ?? 20);
const childLeaseMs = 1000;
const dir = await mkdtemp(join(tmpdir(), 'loci-lease-soak-'));
const storeUri = join(dir, 'store');
const store = await createLanceStore({ uri: storeUri });
const providers = { model: createFakeLanguageModel(() => say('ok')), embedder: letterEmbedder, store };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const child = spawnLeaseChild([storeUri, 'soak', String(childLeaseMs)]);

try {
  // 1. This process holds the agent; the child opens it `openers` times.
  const holder = await createAgent({ ...providers, id: 'soak' });
  await child.next(180_000); // its own first open, refused as well
  let refused = 0;
  for (let index = 0; index < openers; index++) {
    child.send('try');
    const outcome = await child.next();
    if (outcome['refused'] === 'agent_locked') refused++;
  }
  await holder.close();

  // 2. The child holds it and is paused past its lease; this process takes over and steps; the
  // child resumes and steps. Its step must be refused and the state must stay this process's.
  let fencedAccepted = 0;
  let fencedRefused = 0;
  for (let round = 0; round < pauses; round++) {
    child.send('reopen');
    const opened = await child.next();
    if (!('opened' in opened))
      throw new Error(`the child could not open the agent: ${JSON.stringify(opened)}`);
    child.process.kill('SIGSTOP');
    await sleep(childLeaseMs + 100);
    const takeover = await loadAgent({ ...providers, id: 'soak', waitForLeaseMs: 20_000 });
    await takeover.step(`round ${round}: the new holder`);
    const saved = takeover.state();
    child.process.kill('SIGCONT');
    child.send(`step round ${round}: the paused writer`);
    const outcome = await child.next();
    if (outcome['refused'] === 'agent_lease_lost') fencedRefused++;
    await takeover.close();
    const check = await loadAgent({ ...providers, id: 'soak' });
    if (JSON.stringify(check.state()) !== JSON.stringify(saved) || 'stepped' in outcome) fencedAccepted++;
    await check.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `a second opener refused ${refused} out of ${openers}; ` +
      `a writer paused past its lease: ${fencedRefused} of ${pauses} steps refused with agent_lease_lost, ` +
      `${fencedAccepted} state versions from a fenced-off writer accepted (${seconds} s)\n`,
  );
  if (refused !== openers || fencedAccepted > 0) process.exitCode = 1;
} finally {
  child.process.kill('SIGCONT');
  await child.end();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
