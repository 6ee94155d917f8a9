import { randomUUID } from 'node:crypto';
import {
  type ChatMessage,
  countTokens,
  fitToBudget,
  type LanguageModel,
  LociError,
  type Memory,
  type Recalled,
  summarizeLatencies,
} from '@loci/core';
import { ingestConversation } from './ingest-conversation.js';
import { parseLocomoVerdict, parseYesNoVerdict, saysNotMentioned, type Verdict } from './judge.js';
import { cachedCompletion, type LlmCache } from './llm-cache.js';
import type { BenchConversation } from './locomo.js';
import type { QaConversation, QaQuestion } from './qa-data.js';
import { bleu1, tokenF1 } from './qa-metrics.js';
import {
  answerPrompt,
  locomoJudgePrompt,
  longMemEvalJudgePrompt,
  type PromptItem,
  qaPromptVersion,
} from './qa-prompts.js';
import {
  addCall,
  addOutcome,
  type CallTally,
  emptyCalls,
  emptyTally,
  type QaOutcome,
  type QaScores,
  scoresOf,
  type Tally,
} from './qa-tally.js';

/** Options of `runQa`. */
export interface QaRunOptions {
  data: readonly QaConversation[];
  /** The reported method name. */
  method: string;
  /** The memory under test; without one the whole conversation goes in the prompt (`full-context`). */
  memory?: Memory;
  /**
   * An agent that reads the conversation and answers itself (the MemGPT evaluation): replaces
   * recall and the answer prompt; its answers are judged like the others.
   */
  answerer?: QaAnswerer;
  answerModel: LanguageModel;
  judgeModel: LanguageModel;
  cache: LlmCache;
  /** Items recalled per question (default 10). */
  k?: number;
  /** Tokens of memories placed in the answer prompt (default 2048). */
  tokenBudget?: number;
  /** Ask only the first n questions (in file order). */
  limit?: number;
  /** Called as turns are ingested and after each answered question. */
  onProgress?: (progress: QaProgress) => void;
  namespacePrefix?: string;
  signal?: AbortSignal;
}

/** A system that answers questions itself (an agent) instead of a memory plus the answer prompt. */
export interface QaAnswerer {
  /** Reads a conversation into the namespace (e.g. every turn as a message to the agent). */
  ingest(conversation: BenchConversation, namespace: string): Promise<void>;
  /** Answers one question from the namespace, with the tokens and LLM calls it took. */
  answer(
    question: QaQuestion,
    namespace: string,
  ): Promise<{
    answer: string;
    usage: { inputTokens: number; outputTokens: number; totalTokens: number };
    calls: number;
  }>;
}

/** Where a QA run is, for a progress display. */
export interface QaProgress {
  phase: 'ingest' | 'answer';
  conversation: string;
  done: number;
  total: number;
  correct: number;
  /** Tokens spent so far by requests of this run, and read back from the cache. */
  tokens: { spent: number; cached: number };
}

/** A QA run's scores, per category and overall, with its models and LLM tally. */
export interface QaRunResult {
  method: string;
  answerModel: string;
  judgeModel: string;
  promptVersion: string;
  conversations: number;
  /** Answerable questions (LoCoMo 1–4, all of LongMemEval). */
  overall: QaScores;
  byCategory: Record<string, QaScores>;
  /** LoCoMo category 5, reported apart as the papers do; null when none was asked. */
  adversarial: QaScores | null;
  answerPromptTokensMean: number;
  contextTokensMean: number;
  llm: { answer: CallTally; judge: CallTally };
  searchMs: { p50: number | null; p95: number | null };
  answerMs: { p50: number | null; p95: number | null };
  failed: { id: string; error: string }[];
  unparseable: string[];
  outcomes: QaOutcome[];
}

interface RunState {
  overall: Tally;
  adversarial: Tally;
  byCategory: Map<string, Tally>;
  answer: CallTally;
  judge: CallTally;
  search: number[];
  answerLatency: number[];
  promptTokens: number;
  contextTokens: number;
  asked: number;
  /** Tokens of requests sent in this run (cached replies excluded): the cost so far. */
  spentTokens: number;
  outcomes: QaOutcome[];
}

/** The dates of a conversation's turns, so a recalled item can be shown with when it was said. */
function turnDates(conversation: BenchConversation): Map<string, Date> {
  const out = new Map<string, Date>();
  for (const session of conversation.sessions) for (const turn of session.turns) out.set(turn.id, turn.at);
  return out;
}

function itemDate(item: Recalled, dates: ReadonlyMap<string, Date>): Date | undefined {
  const times = item.sources.flatMap((id) => {
    const at = dates.get(id);
    return at ? [at.getTime()] : [];
  });
  return times.length === 0 ? undefined : new Date(Math.min(...times));
}

/** The whole conversation as prompt items: the `full-context` ceiling. */
function fullContext(conversation: BenchConversation): PromptItem[] {
  return conversation.sessions.flatMap((session) =>
    session.turns.map((turn) => ({ at: turn.at, text: `${turn.speaker}: ${turn.text}` })),
  );
}

/**
 * Answer quality on LoCoMo / LongMemEval: per conversation a fresh namespace and the whole
 * conversation through `observe`; per question recall → answer prompt → short answer → judge,
 * every LLM reply through the cache so a killed run resumes where it stopped.
 */
export async function runQa(options: QaRunOptions): Promise<QaRunResult> {
  const prefix = options.namespacePrefix ?? `qa-${randomUUID().slice(0, 8)}`;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const state: RunState = {
    overall: emptyTally(),
    adversarial: emptyTally(),
    byCategory: new Map(),
    answer: emptyCalls(),
    judge: emptyCalls(),
    search: [],
    answerLatency: [],
    promptTokens: 0,
    contextTokens: 0,
    asked: 0,
    spentTokens: 0,
    outcomes: [],
  };
  const total = Math.min(
    limit,
    options.data.reduce((sum, item) => sum + item.questions.length, 0),
  );
  let conversations = 0;
  for (const [position, item] of options.data.entries()) {
    if (state.asked >= limit) break;
    const questions = item.questions.slice(0, limit - state.asked);
    if (questions.length === 0) continue;
    conversations++;
    const namespace = `${prefix}-${position}`;
    if (options.answerer) {
      report(options, state, 'ingest', item.conversation.id, 0, 1);
      await options.answerer.ingest(item.conversation, namespace);
    } else if (options.memory) {
      await ingestConversation({
        memory: options.memory,
        sessions: item.conversation.sessions,
        namespace,
        onTurn: (done, turns) => report(options, state, 'ingest', item.conversation.id, done, turns),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    const dates = turnDates(item.conversation);
    for (const question of questions) {
      options.signal?.throwIfAborted();
      const outcome = await askOne(options, state, item, question, namespace, dates);
      record(state, outcome);
      state.asked++;
      report(options, state, 'answer', item.conversation.id, state.asked, total);
    }
  }
  return resultOf(options, state, conversations);
}

function report(
  options: QaRunOptions,
  state: RunState,
  phase: QaProgress['phase'],
  conversation: string,
  done: number,
  total: number,
): void {
  if (!options.onProgress) return;
  let all = 0;
  for (const tally of [state.answer, state.judge]) all += tally.inputTokens + tally.outputTokens;
  options.onProgress({
    phase,
    conversation,
    done,
    total,
    correct: state.overall.correct + state.adversarial.correct,
    tokens: { spent: state.spentTokens, cached: all - state.spentTokens },
  });
}

/** The memories for one question: recalled, cut to k items and the token budget, with their dates. */
async function promptItems(
  options: QaRunOptions,
  state: RunState,
  conversation: BenchConversation,
  question: QaQuestion,
  namespace: string,
  dates: ReadonlyMap<string, Date>,
): Promise<PromptItem[]> {
  if (!options.memory) {
    const items = fullContext(conversation);
    state.contextTokens += items.reduce((sum, item) => sum + countTokens(item.text), 0);
    return items;
  }
  const k = options.k ?? 10;
  const tokenBudget = options.tokenBudget ?? 2048;
  const started = performance.now();
  const recalled = await options.memory.recall({
    query: question.question,
    namespace,
    k,
    tokenBudget,
    ...(question.askedAt ? { at: question.askedAt } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  state.search.push(performance.now() - started);
  const placed = fitToBudget(recalled.slice(0, k), { tokenBudget });
  state.contextTokens += placed.reduce((sum, item) => sum + item.tokens, 0);
  return placed.map((item) => {
    const at = itemDate(item, dates);
    return { ...(at ? { at } : {}), text: item.text };
  });
}

/** Recall, answer and judge one question; an LLM error that outlived the retries makes it `failed`. */
async function askOne(
  options: QaRunOptions,
  state: RunState,
  item: QaConversation,
  question: QaQuestion,
  namespace: string,
  dates: ReadonlyMap<string, Date>,
): Promise<QaOutcome> {
  const base = {
    id: question.id,
    conversation: item.conversation.id,
    category: question.category,
    unanswerable: question.unanswerable,
  };
  let answer = '';
  if (options.answerer) {
    try {
      const started = performance.now();
      const reply = await options.answerer.answer(question, namespace);
      state.answerLatency.push(performance.now() - started);
      state.answer.calls += reply.calls;
      state.answer.inputTokens += reply.usage.inputTokens;
      state.answer.outputTokens += reply.usage.outputTokens;
      state.spentTokens += reply.usage.inputTokens + reply.usage.outputTokens;
      state.promptTokens += reply.usage.inputTokens;
      answer = reply.answer.trim();
      return await judged(options, state, item, question, answer, base);
    } catch (error) {
      return failure(options, error, base, answer);
    }
  }
  const items = await promptItems(options, state, item.conversation, question, namespace, dates);
  try {
    const messages = answerPrompt({
      question: question.question,
      items,
      speakers: item.conversation.speakers,
      ...(question.askedAt ? { askedAt: question.askedAt } : {}),
    });
    const call = await complete(options, state, 'answer', messages, 64);
    answer = call.trim();
    return await judged(options, state, item, question, answer, base);
  } catch (error) {
    return failure(options, error, base, answer);
  }
}

type OutcomeBase = Pick<QaOutcome, 'id' | 'conversation' | 'category' | 'unanswerable'>;

async function judged(
  options: QaRunOptions,
  state: RunState,
  item: QaConversation,
  question: QaQuestion,
  answer: string,
  base: OutcomeBase,
): Promise<QaOutcome> {
  const verdict = await judge(options, state, item, question, answer);
  const lexical = question.unanswerable
    ? {}
    : { f1: tokenF1(answer, question.answer), bleu1: bleu1(answer, question.answer) };
  return { ...base, answer, verdict, ...lexical };
}

/** An LLM error that outlived the provider's retries fails the question; anything else stops the run. */
function failure(options: QaRunOptions, error: unknown, base: OutcomeBase, answer: string): QaOutcome {
  if (options.signal?.aborted || !LociError.isInstance(error) || error.category !== 'provider') throw error;
  return { ...base, answer, verdict: 'failed', error: `${error.code}: ${error.message}` };
}

async function complete(
  options: QaRunOptions,
  state: RunState,
  role: 'answer' | 'judge',
  messages: ChatMessage[],
  maxTokens: number,
): Promise<string> {
  const call = await cachedCompletion({
    model: role === 'answer' ? options.answerModel : options.judgeModel,
    cache: options.cache,
    version: qaPromptVersion,
    role,
    messages,
    maxTokens,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  addCall(role === 'answer' ? state.answer : state.judge, call.usage, call.cached);
  if (!call.cached) state.spentTokens += call.usage.inputTokens + call.usage.outputTokens;
  if (role === 'answer') {
    state.promptTokens += call.usage.inputTokens;
    if (!call.cached) state.answerLatency.push(call.ms);
  }
  return call.content;
}

async function judge(
  options: QaRunOptions,
  state: RunState,
  item: QaConversation,
  question: QaQuestion,
  answer: string,
): Promise<Verdict> {
  if (item.format === 'locomo') {
    // LoCoMo's adversarial questions are scored as its authors do: does the answer decline?
    if (question.unanswerable) return saysNotMentioned(answer) ? 'correct' : 'wrong';
    const reply = await complete(
      options,
      state,
      'judge',
      locomoJudgePrompt({ question: question.question, gold: question.answer, answer }),
      128,
    );
    return parseLocomoVerdict(reply);
  }
  const reply = await complete(
    options,
    state,
    'judge',
    longMemEvalJudgePrompt({
      type: question.category,
      abstention: question.unanswerable,
      question: question.question,
      gold: question.answer,
      answer,
    }),
    16,
  );
  return parseYesNoVerdict(reply);
}

function record(state: RunState, outcome: QaOutcome): void {
  state.outcomes.push(outcome);
  const adversarial = outcome.unanswerable && /^\d+$/.test(outcome.category);
  if (adversarial) {
    addOutcome(state.adversarial, outcome);
    return;
  }
  addOutcome(state.overall, outcome);
  let category = state.byCategory.get(outcome.category);
  if (!category) {
    category = emptyTally();
    state.byCategory.set(outcome.category, category);
  }
  addOutcome(category, outcome);
}

function resultOf(options: QaRunOptions, state: RunState, conversations: number): QaRunResult {
  const byCategory: Record<string, QaScores> = {};
  const keys = [...state.byCategory.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const key of keys) byCategory[key] = scoresOf(state.byCategory.get(key) as Tally);
  const search = summarizeLatencies(state.search);
  const answer = summarizeLatencies(state.answerLatency);
  const asked = state.outcomes.length;
  return {
    method: options.method,
    answerModel: options.answerModel.modelId,
    judgeModel: options.judgeModel.modelId,
    promptVersion: qaPromptVersion,
    conversations,
    overall: scoresOf(state.overall),
    byCategory,
    adversarial: state.adversarial.questions === 0 ? null : scoresOf(state.adversarial),
    answerPromptTokensMean: asked === 0 ? 0 : state.promptTokens / asked,
    contextTokensMean: asked === 0 ? 0 : state.contextTokens / asked,
    llm: { answer: state.answer, judge: state.judge },
    searchMs: { p50: search.p50, p95: search.p95 },
    answerMs: { p50: answer.p50, p95: answer.p95 },
    failed: state.outcomes.flatMap((o) =>
      o.verdict === 'failed' ? [{ id: o.id, error: o.error ?? '' }] : [],
    ),
    unparseable: state.outcomes.flatMap((o) => (o.verdict === 'unparseable' ? [o.id] : [])),
    outcomes: state.outcomes,
  };
}
