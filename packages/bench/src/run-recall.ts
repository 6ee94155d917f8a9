import { randomUUID } from 'node:crypto';
import { type Memory, summarizeLatencies } from '@loci/core';
import { ingestConversation } from './ingest-conversation.js';
import type { BenchConversation } from './locomo.js';
import type { PostThinkCost } from './methods.js';
import { recallAtBudget, recallAtK } from './scoring.js';

/** Options of `runRecall`. */
export interface RecallRunOptions {
  conversations: readonly BenchConversation[];
  /** The memory under test; every conversation goes into a fresh namespace of it. */
  memory: Memory;
  /** The name reported as `method`; the memory's own name by default. */
  method?: string;
  ks?: readonly number[];
  tokenBudget?: number;
  /** Called after each ingested turn and each question, for progress display. */
  onProgress?: (progress: RecallProgress) => void;
  /**
   * Called per namespace after its conversation was observed and flushed, before its questions:
   * thoughts given with the data, distractor entries. Not counted as ingest time.
   */
  beforeQuestions?: (namespace: string, conversation: BenchConversation) => Promise<void>;
  /** Entries from other contexts each namespace holds (reported as `distractors`). */
  distractors?: number;
  /** Where the method's thoughts came from, when it has any (reported as `thoughts`). */
  thoughts?: string;
  /** The embedder's model id, reported as `embedder` so a figure names the encoder it was measured with. */
  embedder?: string;
  /** Read after the questions: what post-thinking cost (reported as `postThink`), for `--thoughts llm`. */
  postThinkCost?: () => PostThinkCost;
  /** Namespace prefix; a random suffix keeps runs apart in a shared store. */
  namespacePrefix?: string;
  signal?: AbortSignal;
}

/** Where a recall run is, for a progress display. */
export interface RecallProgress {
  phase: 'ingest' | 'recall';
  conversation: string;
  done: number;
  total: number;
}

/** Evidence recall at each k (keyed by k) and within the token budget. */
export interface RecallScores {
  questions: number;
  recallAtK: Record<string, number>;
  recallAtBudget: number;
}

/** A recall run's scores with what was run. */
export interface RecallRunResult extends RecallScores {
  method: string;
  conversations: number;
  /** Entries from other contexts in every evaluated namespace, when the run had any. */
  distractors?: number;
  /** Where thoughts came from (`from-data`, `llm`), when the method had any. */
  thoughts?: string;
  /** The embedder's model id, when the caller named it. */
  embedder?: string;
  /** LLM calls and tokens post-thinking spent, per exchange, when thoughts came from an LLM. */
  postThink?: PostThinkCost;
  ingestTurnsPerSecond: number;
  /** Nearest-rank percentiles of recall latency; `null` when no question was asked. */
  recallMs: { p50: number | null; p95: number | null };
  contextTokensMean: number;
  /** Scores per LoCoMo category (1–4). */
  byCategory: Record<string, RecallScores>;
  /** Scores per conversation id. */
  byConversation: Record<string, RecallScores>;
}

interface Accumulator {
  questions: number;
  atK: Map<number, number>;
  atBudget: number;
}

function accumulator(): Accumulator {
  return { questions: 0, atK: new Map(), atBudget: 0 };
}

function finish(acc: Accumulator, ks: readonly number[]): RecallScores {
  const recallAtK: Record<string, number> = {};
  for (const k of ks) recallAtK[String(k)] = acc.questions === 0 ? 0 : (acc.atK.get(k) ?? 0) / acc.questions;
  return {
    questions: acc.questions,
    recallAtK,
    recallAtBudget: acc.questions === 0 ? 0 : acc.atBudget / acc.questions,
  };
}

/**
 * The LoCoMo evidence-recall loop: per conversation a fresh namespace, every turn through
 * `observe` (between session boundary events; see `ingestConversation`), a flush, then every question
 * through `recall`, scored against its evidence turn ids.
 */
export async function runRecall(options: RecallRunOptions): Promise<RecallRunResult> {
  const ks = [...(options.ks ?? [1, 5, 10, 20])].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1] ?? 10;
  const tokenBudget = options.tokenBudget ?? 512;
  const memory = options.memory;
  const prefix = options.namespacePrefix ?? `bench-${randomUUID().slice(0, 8)}`;
  const total = accumulator();
  const byCategory = new Map<number, Accumulator>();
  const byConversation = new Map<string, Accumulator>();
  const latencies: number[] = [];
  let contextTokens = 0;
  let ingestedTurns = 0;
  let ingestMs = 0;

  for (const [position, conversation] of options.conversations.entries()) {
    const namespace = `${prefix}-${position}`;
    const ingest = await ingestConversation({
      memory,
      sessions: conversation.sessions,
      namespace,
      onTurn: (done, total) =>
        options.onProgress?.({ phase: 'ingest', conversation: conversation.id, done, total }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    ingestMs += ingest.seconds * 1000;
    ingestedTurns += ingest.turns;
    await options.beforeQuestions?.(namespace, conversation);

    const perConversation = accumulator();
    byConversation.set(conversation.id, perConversation);
    for (const [index, question] of conversation.questions.entries()) {
      options.signal?.throwIfAborted();
      const begin = performance.now();
      const items = await memory.recall({
        query: question.question,
        namespace,
        k: maxK,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      latencies.push(performance.now() - begin);
      let category = byCategory.get(question.category);
      if (!category) {
        category = accumulator();
        byCategory.set(question.category, category);
      }
      const budget = recallAtBudget(items, question.evidence, tokenBudget);
      contextTokens += budget.tokens;
      for (const acc of [total, category, perConversation]) {
        acc.questions++;
        acc.atBudget += budget.recall;
        for (const k of ks) acc.atK.set(k, (acc.atK.get(k) ?? 0) + recallAtK(items, question.evidence, k));
      }
      options.onProgress?.({
        phase: 'recall',
        conversation: conversation.id,
        done: index + 1,
        total: conversation.questions.length,
      });
    }
  }

  const latency = summarizeLatencies(latencies);
  const categories: Record<string, RecallScores> = {};
  for (const [category, acc] of [...byCategory].sort((a, b) => a[0] - b[0])) {
    categories[String(category)] = finish(acc, ks);
  }
  const conversations: Record<string, RecallScores> = {};
  for (const [id, acc] of byConversation) conversations[id] = finish(acc, ks);
  return {
    method: options.method ?? memory.name,
    conversations: options.conversations.length,
    ...(options.distractors === undefined ? {} : { distractors: options.distractors }),
    ...(options.thoughts === undefined ? {} : { thoughts: options.thoughts }),
    ...(options.embedder === undefined ? {} : { embedder: options.embedder }),
    ...(options.postThinkCost ? { postThink: options.postThinkCost() } : {}),
    ...finish(total, ks),
    ingestTurnsPerSecond: ingestMs > 0 ? ingestedTurns / (ingestMs / 1000) : 0,
    recallMs: { p50: latency.p50, p95: latency.p95 },
    contextTokensMean: total.questions === 0 ? 0 : contextTokens / total.questions,
    byCategory: categories,
    byConversation: conversations,
  };
}

/**
 * The `--json` line: exactly the keys other tools read, in this order (`embedder`, `thoughts`,
 * `distractors` when set; `post_think`, last, when thoughts came from an LLM).
 */
export function toJsonLine(result: RecallRunResult): string {
  return JSON.stringify({
    method: result.method,
    conversations: result.conversations,
    ...(result.embedder === undefined ? {} : { embedder: result.embedder }),
    ...(result.thoughts === undefined ? {} : { thoughts: result.thoughts }),
    ...(result.distractors === undefined ? {} : { distractors: result.distractors }),
    questions: result.questions,
    recall_at_k: result.recallAtK,
    recall_at_budget: result.recallAtBudget,
    ingest_turns_per_s: result.ingestTurnsPerSecond,
    recall_ms: { p50: result.recallMs.p50, p95: result.recallMs.p95 },
    context_tokens_mean: result.contextTokensMean,
    ...(result.postThink === undefined
      ? {}
      : {
          post_think: {
            every: result.postThink.every,
            exchanges: result.postThink.exchanges,
            calls: result.postThink.calls,
            failed_calls: result.postThink.failedCalls,
            input_tokens: result.postThink.inputTokens,
            output_tokens: result.postThink.outputTokens,
            calls_per_exchange: result.postThink.callsPerExchange,
            input_tokens_per_exchange: result.postThink.inputTokensPerExchange,
            output_tokens_per_exchange: result.postThink.outputTokensPerExchange,
          },
        }),
  });
}
