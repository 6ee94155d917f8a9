// The kill -9 soak of agent steps (docs/reliability.md): 0 acknowledged steps lost over N cycles.
// Usage (from packages/memgpt): node --conditions=@loci/source --import tsx bench/kill-steps.ts [cycles=100] [windowMs=4000]
// The scripted server on 127.0.0.1, a LanceDB store in a temporary folder; at most 200 cycles and
// 30 minutes. Exits 1 on a lost message, a rewound state, a store or agent that does not reopen, or a
// child that failed on its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '@loci/testing/scripted-server';
import { runKillSteps } from './kill-steps-run.js';

// `pnpm bench:x -- 10` passes the `--` through: skip it.
const positional = process.argv.slice(2).filter((arg) => arg !== '--');
const cycles = Math.min(200, Number(positional[0] ?? 100));
const windowMs = Number(positional[1] ?? 4000);
const dir = await mkdtemp(join(tmpdir(), 'loci-kill-steps-'));
const server = await startScriptedServer();
try {
  const outcome = await runKillSteps({
    server,
    storeUri: join(dir, 'store'),
    cycles,
    windowMs,
    onCycle: (cycle, so) => {
      if ((cycle + 1) % 10 === 0)
        process.stderr.write(
          `${cycle + 1}/${cycles}: ${so.acknowledgedSteps} acknowledged, ${so.lost} lost\n`,
        );
    },
  });
  console.log(JSON.stringify(outcome));
  console.log(
    `${outcome.cycles} kill -9 cycles (${outcome.killedInStartup} during start-up and opening, ` +
      `${outcome.killedInSteps} during steps, ${outcome.endedFirst} ended first): ` +
      `${outcome.acknowledgedSteps} acknowledged steps, ${outcome.lost} lost, ${outcome.rewinds} rewinds, ` +
      `${outcome.reopenFailures.length} failed reopens; ${outcome.stepCount} steps saved ` +
      `(${Math.round(outcome.elapsedMs / 1000)} s)`,
  );
  const failed =
    outcome.cycles < cycles ||
    outcome.lost > 0 ||
    outcome.rewinds > 0 ||
    outcome.reopenFailures.length > 0 ||
    outcome.childFailures.length > 0;
  process.exitCode = failed ? 1 : 0;
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
