import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  categoryNames,
  createMethod,
  loadQaData,
  methodNames,
  openLlmCache,
  type QaRunResult,
  type QaScores,
  qaPromptVersion,
  runQa,
  toQaJsonLine,
} from '@loci/bench';
import { formatFigure, lociHome, type Memory } from '@loci/core';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import type { CommandIo } from '../cli-io.js';
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
import { createMemgptAnswerer } from './bench-qa-memgpt.js';

/** The recall methods, the whole conversation in the prompt (the usual ceiling), and the MemGPT agent. */
const qaMethodNames = [...methodNames, 'full-context', 'memgpt'] as const;

const benchQaOptionsSchema = z.object({
  data: textListOption.min(1, 'give --data <file-or-dir>'),
  method: z.enum(qaMethodNames, { error: `use one of ${qaMethodNames.join(', ')}` }),
  model: z.string().trim().min(1).optional(),
  baseUrl: z.string().trim().min(1).optional(),
  judgeModel: z.string().trim().min(1).optional(),
  k: wholeNumberOption(1).default(10),
  tokenBudget: wholeNumberOption(1).default(2048),
  limit: wholeNumberOption(1).optional(),
  cache: z.string().trim().min(1, 'give a file').optional(),
  embedder: z.string().trim().min(1, 'give an embedder').default(builtInEmbedderId),
  json: switchOption,
  store: storeUriOption.optional(),
  home: homeOption.optional(),
  timeout: wholeNumberOption(1, 2_147_483_647).optional(),
});

/** `loci bench qa` options as commander hands them over; parsed by `parseBenchQaOptions`. */
export type BenchQaOptions = z.input<typeof benchQaOptionsSchema>;

export function parseBenchQaOptions(raw: unknown): z.output<typeof benchQaOptionsSchema> {
  return parseOptions(benchQaOptionsSchema, raw, 'bench qa');
}

/** `loci bench qa`: answer quality (LLM judge, F1, BLEU-1) of one method on LoCoMo or LongMemEval. */
export async function runBenchQa(input: BenchQaOptions, io: CommandIo): Promise<QaRunResult> {
  const options = parseBenchQaOptions(input);
  const data = await loadQaData(options.data);
  if (data.every((conversation) => conversation.questions.length === 0)) {
    // Scores over n = 0 would read as a result (0.000); say so instead.
    throw new CliError(`nothing to score: ${options.data.join(', ')} holds no QA questions`, {
      code: 'nothing_to_score',
      category: 'user',
      facts: { command: 'bench qa' },
    });
  }
  const { timeout } = options;
  const answerModel = createLanguageModel(
    { model: options.model, baseUrl: options.baseUrl, timeout },
    io.env,
    io.stderr,
  );
  const judgeModel = createLanguageModel(
    { model: options.judgeModel ?? options.model, baseUrl: options.baseUrl, timeout },
    io.env,
    io.stderr,
  );
  const cache = openLlmCache(options.cache, qaPromptVersion);
  const progress = createProgressLine(io.stderr);
  if (cache.loaded.otherVersion > 0) {
    io.stderr.write(
      `note: ${cache.loaded.otherVersion} cached replies in ${options.cache} belong to another prompt version ` +
        `than ${qaPromptVersion}; they are not used\n`,
    );
  }
  if (cache.loaded.entries > 0) io.stderr.write(`resuming: ${cache.loaded.entries} cached replies\n`);

  // full-context puts the conversation itself in the prompt: no embedder, no store.
  const needsMemory = options.method !== 'full-context';
  const embedder = needsMemory
    ? (
        await setupEmbedder({
          home: options.home ?? lociHome(io.env),
          progress,
          spec: options.embedder,
          env: io.env,
        })
      ).embedder
    : undefined;
  const uri = needsMemory ? (options.store ?? (await mkdtemp(join(tmpdir(), 'loci-bench-qa-')))) : undefined;
  const temporary = needsMemory && options.store === undefined ? uri : undefined;
  const store = uri ? await openStore(uri) : undefined;
  let memory: Memory | undefined;
  const answerer =
    options.method === 'memgpt' && embedder && store
      ? createMemgptAnswerer({ model: answerModel, embedder, store })
      : undefined;
  try {
    memory =
      embedder && store && options.method !== 'memgpt'
        ? createMethod(options.method, { embedder, store })
        : undefined;
    const result = await runQa({
      data,
      method: options.method,
      ...(memory ? { memory } : {}),
      ...(answerer ? { answerer } : {}),
      answerModel,
      judgeModel,
      cache,
      k: options.k,
      tokenBudget: options.tokenBudget,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      onProgress: ({ phase, conversation, done, total, correct, tokens }) =>
        progress.update({
          label:
            phase === 'ingest'
              ? `${options.method}: ingest ${conversation}`
              : `${options.method}: ${correct} correct · ${tokens.spent} tokens spent, ${tokens.cached} from cache`,
          done,
          total,
        }),
    });
    progress.finish(`${options.method}: ${result.overall.questions} questions answered and judged`);
    io.stdout.write(
      options.json
        ? `${toQaJsonLine(result, { embedder: embedder?.modelId ?? null })}\n`
        : formatQaResult(result, embedder?.modelId ?? 'none'),
    );
    return result;
  } finally {
    await memory?.close?.();
    await answerer?.close();
    await store?.close();
    if (temporary) await rm(temporary, { recursive: true, force: true });
  }
}

function row(label: string, s: QaScores): string {
  return `${label.padEnd(30)}${String(s.questions).padStart(6)}${s.j.toFixed(3).padStart(8)}${s.f1.toFixed(3).padStart(8)}${s.bleu1.toFixed(3).padStart(8)}`;
}

/** The human report: J, F1 and BLEU-1 overall and per category, then cost and speed. */
export function formatQaResult(result: QaRunResult, embedder: string): string {
  const numbered = (key: string) => (/^\d+$/.test(key) ? `${key} ${categoryNames[Number(key)] ?? ''}` : key);
  const lines = [
    `method ${result.method}: answers by ${result.answerModel}, judged by ${result.judgeModel} (prompts ${result.promptVersion}, embedder ${embedder})`,
    `${''.padEnd(30)}${'n'.padStart(6)}${'J'.padStart(8)}${'F1'.padStart(8)}${'BLEU-1'.padStart(8)}`,
    row('all', result.overall),
  ];
  for (const [key, scores] of Object.entries(result.byCategory))
    lines.push(row(`  ${numbered(key)}`, scores));
  if (result.adversarial) lines.push(row('5 adversarial (apart)', result.adversarial));
  const { answer, judge } = result.llm;
  lines.push(
    `answer prompt ${result.answerPromptTokensMean.toFixed(0)} tokens mean (memories ${result.contextTokensMean.toFixed(0)})`,
    `LLM: answer ${answer.calls} calls + ${answer.cached} cached, ${answer.inputTokens + answer.outputTokens} tokens; ` +
      `judge ${judge.calls} calls + ${judge.cached} cached, ${judge.inputTokens + judge.outputTokens} tokens`,
    `search p50 ${formatFigure(result.searchMs.p50)} ms, p95 ${formatFigure(result.searchMs.p95)} ms · ` +
      `answer p50 ${formatFigure(result.answerMs.p50)} ms, p95 ${formatFigure(result.answerMs.p95)} ms`,
  );
  if (result.unparseable.length > 0) {
    lines.push(`unparseable judge replies (${result.unparseable.length}): ${result.unparseable.join(', ')}`);
  }
  for (const failure of result.failed) lines.push(`FAILED ${failure.id}: ${failure.error}`);
  return `${lines.join('\n')}\n`;
}

export function registerBenchQa(bench: Command, io: CommandIo): void {
  bench
    .command('qa')
    .description('Answer quality (LLM judge J, F1, BLEU-1) of a memory method on LoCoMo or LongMemEval data.')
    .requiredOption('--data <file-or-dir>', 'LoCoMo or LongMemEval files or folders (repeatable)', collect)
    .requiredOption('--method <name>', `memory method: ${qaMethodNames.join(', ')}`)
    .option('--model <name>', 'the answering model (default LOCI_MODEL)')
    .option('--base-url <url>', 'OpenAI-compatible server (default OPENAI_BASE_URL or api.openai.com)')
    .option('--judge-model <name>', 'the judging model (default: the answering model)')
    .option('--k <n>', 'memories recalled per question', '10')
    .option('--token-budget <tokens>', 'tokens of memories in the answer prompt', '2048')
    .option('--limit <n>', 'ask only the first n questions')
    .option('--timeout <ms>', 'how long one try waits for the model (env LOCI_TIMEOUT_MS; default 60000)')
    .option('--cache <file>', 'JSONL cache of LLM replies; a killed run resumes from it')
    .option('--embedder <id|folder|openai:model>', 'embedder for the memory', builtInEmbedderId)
    .option('--json', 'print one JSON object as the last line of stdout')
    .option('--store <uri>', 'LanceDB store to use (default: a temporary folder, removed afterwards)')
    .action(async (flags: BenchQaOptions) => {
      await runBenchQa(flags, io);
    });
}
