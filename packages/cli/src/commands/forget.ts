import { createInterface } from 'node:readline/promises';
import { lociHome } from '@loci/core';
import { purgeLanceStore } from '@loci/lancedb';
import { forgetAgent } from '@loci/memgpt';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { homeOption, parseOptions, storeUriOption, switchOption } from '../options.js';
import { openStore, storeUri } from '../setup/store.js';

// "#" joins a user and an agent in the agent's own namespace (memgpt's agentNamespace).
const namePart = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => !value.includes('#'), 'must not contain "#"');

const forgetOptionsSchema = z.object({
  user: namePart,
  agent: namePart.optional(),
  store: storeUriOption.optional(),
  home: homeOption.optional(),
  yes: switchOption,
  json: switchOption,
});

/** `loci forget` options as commander hands them over. */
export type ForgetOptions = z.input<typeof forgetOptionsSchema>;

export function parseForgetOptions(raw: unknown): z.output<typeof forgetOptionsSchema> {
  return parseOptions(forgetOptionsSchema, raw, 'forget');
}

async function confirmed(question: string, io: CliIo): Promise<boolean> {
  if (io.stdin.isTTY !== true) {
    throw new CliError('loci forget deletes data for good and asks first, but stdin is not a terminal', {
      code: 'confirmation_needed',
      category: 'user',
      facts: { command: 'forget' },
    });
  }
  const lines = createInterface({ input: io.stdin, output: io.stdout, terminal: true });
  try {
    return /^y(es)?$/i.test((await lines.question(question)).trim());
  } finally {
    lines.close();
  }
}

/**
 * `loci forget`: hard deletion of a user (or one of their agents) from the chat store: the agents'
 * states, leases, messages and passages, every memory system's rows of the user's namespaces, and
 * then every old version of the tables touched, so nothing of it is searchable or left in the files.
 */
export async function runForget(input: ForgetOptions, io: CliIo): Promise<void> {
  const options = parseForgetOptions(input);
  const uri = storeUri(options.store, options.home ?? lociHome(io.env), 'chat');
  const who =
    options.agent === undefined
      ? `user "${options.user}"`
      : `agent "${options.agent}" of user "${options.user}"`;
  if (!options.yes && !(await confirmed(`Forget everything of ${who} in ${uri}, for good? [y/N] `, io))) {
    io.stderr.write('nothing deleted\n');
    return;
  }
  const store = await openStore(uri);
  let fromAgents: Awaited<ReturnType<typeof forgetAgent>>;
  try {
    fromAgents = await forgetAgent({
      store,
      namespace: options.user,
      ...(options.agent === undefined ? {} : { agentId: options.agent }),
    });
  } finally {
    await store.close();
  }
  const touched = Object.entries(fromAgents.removed)
    .filter(([, count]) => count > 0)
    .map(([table]) => table);
  // The user's own namespace holds the memory systems' rows; each agent's namespace is `user#agent`.
  const purged = await purgeLanceStore(
    options.agent === undefined
      ? { uri, namespaces: [options.user], namespacePrefixes: [`${options.user}#`], alsoRewrite: touched }
      : { uri, namespaces: [`${options.user}#${options.agent}`], alsoRewrite: touched },
  );
  const removed: Record<string, number> = {};
  for (const source of [fromAgents.removed, purged.removed]) {
    for (const [table, count] of Object.entries(source)) removed[table] = (removed[table] ?? 0) + count;
  }
  const total = Object.values(removed).reduce((sum, count) => sum + count, 0);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ uri, user: options.user, agents: fromAgents.agentIds, removed, total, cleaned: purged.rewritten })}\n`,
    );
    return;
  }
  for (const [table, count] of Object.entries(removed).sort()) {
    if (count > 0) io.stdout.write(`${table}: ${count} rows removed\n`);
  }
  io.stdout.write(
    `${total} rows removed for ${who}; old versions of ${purged.rewritten.length} tables cleaned from ${uri}\n`,
  );
}

export function registerForget(program: Command, io: CliIo): void {
  program
    .command('forget')
    .description("delete a user's (or one agent's) data from the chat store for good, old versions too")
    .requiredOption('--user <namespace>', 'whose data to delete')
    .option('--agent <id>', 'only this agent of the user (its state, messages and passages)')
    .option('--store <uri>', 'store folder or URI (default: <home>/chat, where loci chat writes)')
    .option('--home <dir>', 'Loci home (default LOCI_HOME or ~/.loci)')
    .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--json', 'print the counts as JSON')
    .action(async (flags: ForgetOptions) => {
      await runForget(flags, io);
    });
}
