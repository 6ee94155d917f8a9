// The fuzzed-reply soak (docs/reliability.md): 0 crashes and 0 hangs over N malformed LLM replies.
// Usage: pnpm --filter @loci/memgpt bench:fuzz [-- <replies> <seed>]   (defaults 1000 and 1)
// The scripted server on 127.0.0.1, a LanceDB store in a temporary folder; exits 1 on any crash,
// hang, or an agent that does not load afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '@loci/testing/scripted-server';
import { runFuzz } from './fuzz-run.js';

// `pnpm bench:x -- 10` passes the `--` through: skip it.
const positional = process.argv.slice(2).filter((arg) => arg !== '--');
const replies = Math.min(100_000, Number(positional[0] ?? 1000));
const seed = Number(positional[1] ?? 1);
const dir = await mkdtemp(join(tmpdir(), 'loci-fuzz-replies-'));
const server = await startScriptedServer();
try {
  const outcome = await runFuzz({
    server,
    storeUri: join(dir, 'store'),
    replies,
    seed,
    onProgress: (done) => {
      if (done % 100 === 0) process.stderr.write(`${done}/${replies}\n`);
    },
  });
  const errors = Object.entries(outcome.lociErrors)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  console.log(
    `${outcome.replies} fuzzed replies (seed ${seed}): ${outcome.crashes.length} crashes, ${outcome.hangs.length} hangs; ` +
      `${outcome.results} steps answered, LociErrors: ${errors || 'none'}; agent loadable afterwards: ` +
      `${outcome.loadableAfter ? 'yes' : 'NO'} (${Math.round(outcome.elapsedMs / 1000)} s)`,
  );
  for (const crash of outcome.crashes.slice(0, 10))
    console.log(`crash: ${crash.error}\n  reply: ${crash.reply}`);
  for (const hang of outcome.hangs.slice(0, 10)) console.log(`hang: ${hang.reply}`);
  process.exitCode = outcome.crashes.length + outcome.hangs.length === 0 && outcome.loadableAfter ? 0 : 1;
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
