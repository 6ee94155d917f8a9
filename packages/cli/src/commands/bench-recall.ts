import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertDisjoint,
  type BenchConversation,
  categoryNames,
  createBenchMethod,
  createCachingEmbedder,
  loadDistractors,
  loadLocomo,
  loadQaData,
  longMemEvalTypes,
  methodLearns,
  methodNames,
  type RecallRunResult,
  type RecallScores,
  runRecall,
  thoughtSources,
  toJsonLine,
  withDistractorEmbeddings,
} from '@loci/bench';
import { formatFigure, lociHome } from '@loci/core';
import { readNegativePool } from '@loci/fot';
import { trainSideNetFromLabels } from '@loci/longmem';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import type { CommandIo } from '../cli-io.js';
import { demoConversationPath } from '../demo-conversation.js';
import {
  collect,
  homeOption,
  parseOptions,
  storeUriOption,
  switchOption,
  textListOption,
  wholeNumberOption,
} from '../options.js';
import { createProgressLine } from '../progress-line.js';
import { builtInEmbedderId, setupEmbedder } from '../setup/embedder.js';
import { createLanguageModel } from '../setup/language-model.js';
import { openStore } from '../setup/store.js';

const kListSchema = z
  .string()
  .transform((text) => text.split(',').map((part) => Number(part.trim())))
  .pipe(
    z
      .array(
        z
          .number()
          .int('each k must be a whole number')
          .min(1, 'each k must be a whole number ≥ 1')
          // A recall returns at most 1000 items (core's RecallOptions); a larger k fails only after ingesting.
          .max(1000, 'each k must be at most 1000'),
      )
      .min(1),
  );

const benchRecallOptionsSchema = z
  .object({
    data: textListOption.min(1, 'give --data <file-or-dir>'),
    method: z.enum(methodNames, { error: `use one of ${methodNames.join(', ')}` }),
    k: kListSchema.default([1, 5, 10, 20]),
    tokenBudget: wholeNumberOption(1).default(512),
    train: textListOption.optional(),
    thoughts: z.enum(thoughtSources, { error: `use one of ${thoughtSources.join(', ')}` }).optional(),
    thinkEvery: wholeNumberOption(1, 10_000).optional(),
    distractors: wholeNumberOption(0, 10_000_000).default(0),
    distractorData: textListOption.optional(),
    model: z.string().trim().min(1, 'give a model name').optional(),
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL like http://localhost:11434/v1' })
      .optional(),
    apiKey: z.string().trim().min(1, 'give a key').optional(),
    embedder: z.string().trim().min(1, 'give an embedder').default(builtInEmbedderId),
    json: switchOption,
    store: storeUriOption.optional(),
    home: homeOption.optional(),
  })
  .refine((options) => options.distractors === 0 || options.distractorData !== undefined, {
    path: ['distractorData'],
    message: '--distractors needs --distractor-data <file-or-dir>: the conversations they come from',
  });

/** `loci bench recall` options as commander hands them over; parsed by `parseBenchRecallOptions`. */
export type BenchRecallOptions = z.input<typeof benchRecallOptionsSchema>;

export function parseBenchRecallOptions(raw: unknown): z.output<typeof benchRecallOptionsSchema> {
  return parseOptions(benchRecallOptionsSchema, raw, 'bench recall');
}

/** `loci bench recall`: LoCoMo evidence recall of one memory method. */
export async function runBenchRecall(input: BenchRecallOptions, io: CommandIo): Promise<RecallRunResult> {
  const options = parseBenchRecallOptions(input);
  const method = options.method;
  // Before anything slow: a missing LLM fails at once.
  const model = options.thoughts === 'llm' ? createLanguageModel(options, io.env) : undefined;
  // LoCoMo or LongMemEval files, told apart by shape.
  const data = await loadQaData(options.data);
  const conversations = data.map((item) => item.conversation);
  const longMemEval = data.length > 0 && data.every((item) => item.format === 'longmemeval');
  if (conversations.every((conversation) => conversation.questions.length === 0)) {
    // Scores over n = 0 would read as a result (0.000); say so instead.
    throw new CliError(`nothing to score: ${options.data.join(', ')} holds no question with evidence`, {
      code: 'nothing_to_score',
      category: 'user',
      facts: { command: 'bench recall' },
    });
  }
  if (options.thinkEvery !== undefined && options.thoughts !== 'llm')
    io.stderr.write('note: --think-every applies to --thoughts llm only; ignored\n');
  const train: BenchConversation[] = options.train ? await loadLocomo(options.train) : [];
  assertDisjoint(train, conversations);
  const progress = createProgressLine(io.stderr);

  const home = options.home ?? lociHome(io.env);
  const { embedder } = await setupEmbedder({ home, progress, spec: options.embedder, env: io.env });
  const distractorSources =
    options.distractors > 0 && options.distractorData ? await loadLocomo(options.distractorData) : [];

  let sideNetWeights: unknown;
  if (train.length > 0) {
    if (!methodLearns(method)) {
      io.stderr.write(`note: method ${method} does not learn; --train is ignored\n`);
    } else {
      progress.update({ label: `training the SideNet on ${train.length} conversation(s)` });
      const trained = await trainSideNetFromLabels({
        embedder,
        conversations: train.map(asLabelled),
        onProgress: (message) => progress.update({ label: `training: ${message}` }),
      });
      sideNetWeights = trained.weights;
      progress.finish(
        `SideNet trained on ${trained.report.examples} labelled examples ` +
          `(loss ${trained.report.lossBefore.toFixed(3)} → ${trained.report.lossAfter.toFixed(3)})`,
      );
    }
  }

  // Without --store the run gets a temporary folder, removed afterwards.
  const uri = options.store ?? (await mkdtemp(join(tmpdir(), 'loci-bench-')));
  const temporary = options.store === undefined ? uri : undefined;
  const store = await openStore(uri);
  try {
    // Distractors' embeddings are cached per set and embedder: a rerun does not embed them again.
    const cachingEmbedder = createCachingEmbedder(embedder);
    const bench = createBenchMethod(method, {
      embedder: options.distractors > 0 ? cachingEmbedder : embedder,
      store,
      ...(sideNetWeights !== undefined ? { sideNetWeights } : {}),
      ...(options.thoughts ? { thoughts: options.thoughts } : {}),
      ...(model ? { model } : {}),
      ...(options.thinkEvery !== undefined ? { thinkEvery: options.thinkEvery } : {}),
      ...(method === 'fot' || method === 'best-fot'
        ? { negativePool: await readNegativePool(demoConversationPath) }
        : {}),
    });
    const memory = bench.memory;
    const thoughts = method === 'tim' ? (options.thoughts ?? 'from-data') : options.thoughts;
    const result = await runRecall({
      conversations,
      memory,
      method,
      embedder: embedder.modelId,
      ...(thoughts && thoughts !== 'none' ? { thoughts } : {}),
      ...(bench.postThinkCost ? { postThinkCost: bench.postThinkCost } : {}),
      beforeQuestions: async (namespace, conversation) => {
        if (options.distractors > 0) {
          const distractors = await distractorsFor(
            conversation,
            distractorSources,
            options.distractors,
            home,
          );
          if (distractors.note) io.stderr.write(`${distractors.note}\n`);
          if (!distractors.cached)
            io.stderr.write(`built distractors for ${conversation.id}: ${distractors.path}\n`);
          progress.update({ label: `${method}: ${options.distractors} distractors into ${conversation.id}` });
          const cache = await withDistractorEmbeddings(
            { embedder: cachingEmbedder, home, distractors, onNote: (note) => io.stderr.write(`${note}\n`) },
            () => bench.addDistractors(namespace, distractors.entries),
          );
          io.stderr.write(
            `distractor embeddings for ${conversation.id}: ${cache.hits} from the cache, ${cache.misses} embedded\n`,
          );
        }
        await bench.beforeQuestions?.(namespace, conversation);
      },
      ...(options.distractors > 0 ? { distractors: options.distractors } : {}),
      ks: options.k,
      tokenBudget: options.tokenBudget,
      onProgress: ({ phase, conversation, done, total }) =>
        progress.update({
          label: `${method}: ${phase === 'ingest' ? 'ingest' : 'recall'} ${conversation}`,
          done,
          total,
        }),
    });
    await memory.close?.();
    progress.finish(`${method}: ${result.questions} questions over ${result.conversations} conversation(s)`);
    // Memory use of the whole run (data, distractors, caches, store): reported next to the figures.
    io.stderr.write(
      `memory: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at the end, ` +
        `peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
    );
    io.stdout.write(
      options.json
        ? `${toJsonLine(result)}\n`
        : formatResult(result, options.tokenBudget, longMemEval ? longMemEvalNames : categoryNames),
    );
    return result;
  } finally {
    await store.close();
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * A namespace's distractors: built from the distractor conversations other than the evaluated
 * one (same turns), so `--distractor-data` may name the evaluated folder itself.
 */
function distractorsFor(
  evaluated: BenchConversation,
  sources: readonly BenchConversation[],
  count: number,
  home: string,
) {
  const others = sources.filter((conversation) => conversation.contentHash !== evaluated.contentHash);
  return loadDistractors({ sources: others, count, home });
}

function asLabelled(conversation: BenchConversation) {
  return {
    turns: conversation.sessions.flatMap((session) => session.turns),
    questions: conversation.questions,
  };
}

function row(label: string, scores: RecallScores, ks: readonly string[]): string {
  const cells = ks.map((k) => (scores.recallAtK[k] ?? 0).toFixed(3).padStart(7));
  return `${label.padEnd(22)}${String(scores.questions).padStart(6)}${cells.join('')}${scores.recallAtBudget.toFixed(3).padStart(9)}`;
}

/** LongMemEval's question types by category number (1..6), as `longMemEvalCategory` numbers them. */
const longMemEvalNames: Record<number, string> = Object.fromEntries(
  longMemEvalTypes.map((type, index) => [index + 1, type]),
);

/** The human report: overall, per category and per conversation, then speed and context size. */
export function formatResult(
  result: RecallRunResult,
  tokenBudget: number,
  names: Readonly<Record<number, string>> = categoryNames,
): string {
  const ks = Object.keys(result.recallAtK);
  const header = `${''.padEnd(22)}${'n'.padStart(6)}${ks.map((k) => `R@${k}`.padStart(7)).join('')}${`R@${tokenBudget}t`.padStart(9)}`;
  const setting = [
    result.thoughts ? `thoughts ${result.thoughts}` : '',
    result.distractors ? `${result.distractors} distractors per conversation` : '',
  ].filter((part) => part.length > 0);
  const title = `method ${result.method}${setting.length > 0 ? ` (${setting.join(', ')})` : ''}: evidence recall`;
  const lines = [title, header, row('all', result, ks)];
  for (const [category, scores] of Object.entries(result.byCategory)) {
    lines.push(row(`  ${category} ${names[Number(category)] ?? ''}`, scores, ks));
  }
  for (const [id, scores] of Object.entries(result.byConversation)) lines.push(row(`  ${id}`, scores, ks));
  lines.push(
    `ingest ${result.ingestTurnsPerSecond.toFixed(0)} turns/s · recall p50 ${formatFigure(result.recallMs.p50)} ms, ` +
      `p95 ${formatFigure(result.recallMs.p95)} ms · context ${result.contextTokensMean.toFixed(0)} tokens mean`,
  );
  const cost = result.postThink;
  if (cost) {
    lines.push(
      `post-think (every ${cost.every} exchanges): ${cost.calls} LLM calls (${cost.failedCalls} failed) for ` +
        `${cost.exchanges} exchanges · per exchange ${cost.callsPerExchange.toFixed(3)} calls, ` +
        `${cost.inputTokensPerExchange.toFixed(0)} prompt + ${cost.outputTokensPerExchange.toFixed(0)} completion tokens`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerBenchRecall(bench: Command, io: CommandIo): void {
  bench
    .command('recall')
    .description('Evidence recall of a memory method on LoCoMo-format conversations.')
    .requiredOption('--data <file-or-dir>', 'LoCoMo or LongMemEval files (repeatable)', collect)
    .requiredOption('--method <name>', `memory method: ${methodNames.join(', ')}`)
    .option('--k <list>', 'cut-offs for recall@k, comma-separated', '1,5,10,20')
    .option('--token-budget <tokens>', 'token budget for recall at a budget', '512')
    .option('--train <file-or-dir>', 'conversations the method may learn from (repeatable)', collect)
    .option(
      '--thoughts <source>',
      `thoughts for tim and best: ${thoughtSources.join(', ')} (llm needs a model)`,
    )
    .option('--distractors <n>', 'entries from other contexts put into every evaluated namespace', '0')
    .option(
      '--distractor-data <file-or-dir>',
      'conversations the distractors come from (repeatable)',
      collect,
    )
    .option('--think-every <n>', 'exchanges per post-think call for --thoughts llm (default: TiM default, 4)')
    .option('--model <name>', 'model for --thoughts llm (env LOCI_MODEL)')
    .option('--base-url <url>', 'OpenAI-compatible server for --thoughts llm (env OPENAI_BASE_URL)')
    .option('--api-key <key>', 'API key (env OPENAI_API_KEY)')
    .option(
      '--embedder <id|folder|openai:model>',
      'embedder: the built-in id, an ONNX folder or pulled model, or openai:<model>',
      builtInEmbedderId,
    )
    .option('--json', 'print one JSON object as the last line of stdout')
    .option('--store <uri>', 'LanceDB store to use (default: a temporary folder, removed afterwards)')
    .action(async (flags: BenchRecallOptions) => {
      await runBenchRecall(flags, io);
    });
}
