import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EmbeddingModel,
  LociError,
  lociHome,
  type Memory,
  type MemoryStore,
  parseWith,
} from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory } from '@loci/longmem';
import { createGloveEmbedder } from '@loci/onnx';
import type { Command } from 'commander';
import { z } from 'zod';
import { loadDemoConversation } from '../demo-conversation.js';
import { renderDemoReport } from '../demo-render.js';
import { askQuestion, type DemoReport, ingestConversation, pickQuestions, summarise } from '../demo-run.js';
import { formatDuration } from '../format.js';
import { createProgressLine, type ProgressStream } from '../progress-line.js';

const demoOptionsSchema = z.object({
  store: z.string().trim().min(1, 'give a folder or a URI (s3://, gs://, az://, db://)').optional(),
  k: z.coerce.number().int().min(1).max(50).default(5),
  question: z.array(z.string().trim().min(1, 'a question cannot be empty')).default([]),
  json: z.boolean().default(false),
});

export type DemoOptions = z.input<typeof demoOptionsSchema>;

export interface DemoIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

/** How many of the conversation's own questions the demo asks when none is given. */
const demoQuestionCount = 6;

function stageError(what: string, error: unknown, hint: string): LociError {
  if (LociError.isInstance(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new LociError(`${what}: ${reason}. ${hint}`, {
    code: 'demo_failed',
    category: 'system',
    cause: error,
  });
}

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
export async function runDemo(input: DemoOptions, io: DemoIo): Promise<DemoReport> {
  const options = parseWith(demoOptionsSchema, input, 'loci demo options');
  const progress = createProgressLine(io.stderr);
  const conversation = await loadDemoConversation();
  const home = lociHome(io.env);

  const embedderStarted = performance.now();
  let embedder: EmbeddingModel;
  try {
    embedder = await createGloveEmbedder({
      home,
      onProgress: (event) => {
        progress.update({
          label: `embedder: ${event.message}`,
          ...(event.done !== undefined ? { done: event.done } : {}),
          ...(event.total !== undefined ? { total: event.total } : {}),
        });
      },
    });
  } catch (error) {
    throw stageError(
      `could not set up the built-in embedder in ${home}`,
      error,
      'Check that this folder is writable (or point LOCI_HOME at one that is) and run the demo again.',
    );
  }
  const readySeconds = (performance.now() - embedderStarted) / 1000;
  progress.finish(`embedder ${embedder.modelId} ready in ${formatDuration(readySeconds * 1000)}`);

  // The default demo store belongs to the demo, so each run starts it afresh and repeated runs give
  // the same output; a store the user names is never cleared: the run writes into a new namespace.
  const fresh = options.store === undefined;
  const uri = options.store ?? join(home, 'demo');
  const namespace = fresh ? 'demo' : freshNamespace();
  if (fresh) await rm(uri, { recursive: true, force: true });

  let store: MemoryStore;
  try {
    store = await createLanceStore({ uri });
  } catch (error) {
    throw stageError(
      `could not open the store at ${uri}`,
      error,
      'Give --store a writable folder or a URI (s3://, gs://, az://, db://; see docs/configuration.md).',
    );
  }
  let memory: Memory;
  try {
    memory = createDefaultMemory({ embedder, store });
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
    const ingest = await ingestConversation({
      memory,
      conversation,
      namespace,
      onTurn: (done, total) => progress.update({ label: 'ingesting turns', done, total }),
    });
    progress.finish(`ingested ${ingest.turns} turns in ${formatDuration(ingest.seconds * 1000)}`);

    // Questions are asked just after the last session, as if the conversation had just ended.
    const lastTurn = conversation.turns.at(-1)!;
    const at = new Date(lastTurn.at.getTime() + 60_000);
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
    await memory.close?.();
    await store.close();
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerDemo(program: Command): void {
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
    .action(async (flags: Record<string, unknown>) => {
      await runDemo(
        {
          ...(flags['store'] !== undefined ? { store: flags['store'] as string } : {}),
          ...(flags['k'] !== undefined ? { k: flags['k'] as string } : {}),
          question: (flags['question'] as string[] | undefined) ?? [],
          json: flags['json'] === true,
        },
        { stdout: process.stdout, stderr: process.stderr, env: process.env },
      );
    });
}
