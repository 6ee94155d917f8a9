import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { ingestConversation } from '@loci/bench';
import { lociHome, type Memory } from '@loci/core';
import { createDefaultMemory } from '@loci/longmem';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandIo } from '../cli-io.js';
import { loadDemoConversation } from '../demo-conversation.js';
import { renderDemoReport } from '../demo-render.js';
import { askQuestion, type DemoReport, pickQuestions, summarise } from '../demo-run.js';
import { formatDuration } from '../format.js';
import {
  collect,
  parseOptions,
  storeUriOption,
  switchOption,
  textListOption,
  wholeNumberOption,
} from '../options.js';
import { createProgressLine } from '../progress-line.js';
import { setupEmbedder } from '../setup/embedder.js';
import { openStore, storeUri } from '../setup/store.js';

const demoOptionsSchema = z.object({
  store: storeUriOption.optional(),
  k: wholeNumberOption(1, 50).default(5),
  question: textListOption.default([]),
  json: switchOption,
});

/** `loci demo` options as commander hands them over (strings, switches); parsed by `parseDemoOptions`. */
export type DemoOptions = z.input<typeof demoOptionsSchema>;

export function parseDemoOptions(raw: unknown): z.output<typeof demoOptionsSchema> {
  return parseOptions(demoOptionsSchema, raw, 'demo');
}

/** How many of the conversation's own questions the demo asks when none is given. */
const demoQuestionCount = 6;

function freshNamespace(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ]/g, '')
    .slice(0, 14);
  return `demo-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Runs the demo end to end on the embedded defaults: the built-in GloVe embedder (built into the
 * Loci home on first use), a LanceDB store on disk, and Loci's default memory.
 */
export async function runDemo(input: DemoOptions, io: CommandIo): Promise<DemoReport> {
  const options = parseDemoOptions(input);
  const progress = createProgressLine(io.stderr);
  const conversation = await loadDemoConversation();
  const home = lociHome(io.env);
  const { embedder, readySeconds } = await setupEmbedder({ home, progress });

  // The default demo store belongs to the demo, so each run starts it afresh and repeated runs give
  // the same output; a store the user names is never cleared: the run writes into a new namespace.
  const fresh = options.store === undefined;
  const uri = storeUri(options.store, home, 'demo');
  const namespace = fresh ? 'demo' : freshNamespace();
  if (fresh) await rm(uri, { recursive: true, force: true });
  const store = await openStore(uri);
  let memory: Memory | undefined;
  try {
    memory = createDefaultMemory({ embedder, store });
    const ingest = await ingestConversation({
      memory,
      sessions: conversation.sessions,
      namespace,
      onTurn: (done, total) => progress.update({ label: 'ingesting turns', done, total }),
    });
    progress.finish(`ingested ${ingest.turns} turns in ${formatDuration(ingest.seconds * 1000)}`);

    // Questions are asked just after the last session, as if the conversation had just ended.
    const at = new Date(conversation.turns.at(-1)!.at.getTime() + 60_000);
    const questions =
      options.question.length > 0
        ? options.question
        : pickQuestions(conversation.questions, demoQuestionCount);
    const answers = [];
    for (const question of questions) {
      answers.push(await askQuestion({ memory, conversation, namespace, question, k: options.k, at }));
    }
    const report: DemoReport = {
      conversation: {
        speakers: conversation.speakers,
        sessions: conversation.sessions.length,
        turns: conversation.turns.length,
        from: conversation.sessions[0]!.at.toISOString(),
        to: conversation.sessions.at(-1)!.at.toISOString(),
      },
      embedder: {
        provider: embedder.provider,
        modelId: embedder.modelId,
        dimensions: embedder.dimensions,
        readySeconds,
      },
      store: { uri, namespace, fresh },
      memory: memory.name,
      ingest,
      k: options.k,
      questions: answers,
      summary: summarise(answers),
      notes: [
        // The default memory's starting SideNet weights were fitted on this very conversation; past
        // a few dozen turns it trains its own, self-supervised, on what it holds.
        "The default memory's starting reranker weights came from this sample conversation, so these " +
          'figures demonstrate, they do not measure: held-out figures are in docs/benchmarks.md.',
      ],
    };
    io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderDemoReport(report));
    return report;
  } finally {
    await memory?.close?.();
    await store.close();
  }
}

export function registerDemo(program: Command, io: CommandIo): void {
  program
    .command('demo')
    .description(
      "Ingest a sample conversation into Loci's default memory (built-in embedder, LanceDB on disk) and show what it recalls for its questions. No server, no key.",
    )
    .option(
      '--store <uri>',
      'store to use: a folder or s3://, gs://, az://, db:// (default: <LOCI_HOME>/demo, rebuilt each run)',
    )
    .option('--k <n>', 'how many items to recall per question (default 5)')
    .option(
      '-q, --question <text>',
      'ask your own question instead of the built-in ones (repeatable)',
      collect,
    )
    .option('--json', 'print the report as JSON on stdout')
    .action(async (flags: DemoOptions) => {
      await runDemo(flags, io);
    });
}
