import type { Usage } from '@loci/core';
import type { Verdict } from './judge.js';

/** How one question went. `failed` names an LLM error that outlived the provider's retries. */
export interface QaOutcome {
  id: string;
  conversation: string;
  category: string;
  unanswerable: boolean;
  answer: string;
  verdict: Verdict | 'failed';
  error?: string;
  /** Lexical scores; absent for unanswerable questions (no gold text) and failures. */
  f1?: number;
  bleu1?: number;
}

/** Scores over a set of questions. */
export interface QaScores {
  questions: number;
  /** LLM-judge accuracy: correct / questions (unparseable and failed count as not correct). */
  j: number;
  f1: number;
  bleu1: number;
  correct: number;
  unparseable: number;
  failed: number;
}

/** LLM requests and tokens of a run, split into sent and cached. */
export interface CallTally {
  /** Requests sent to the model in this run. */
  calls: number;
  /** Replies read from the cache (asked in an earlier run). */
  cached: number;
  inputTokens: number;
  outputTokens: number;
}

export interface Tally {
  questions: number;
  correct: number;
  unparseable: number;
  failed: number;
  f1: number;
  bleu1: number;
  lexical: number;
}

export function emptyTally(): Tally {
  return { questions: 0, correct: 0, unparseable: 0, failed: 0, f1: 0, bleu1: 0, lexical: 0 };
}

export function addOutcome(tally: Tally, outcome: QaOutcome): void {
  tally.questions++;
  if (outcome.verdict === 'correct') tally.correct++;
  if (outcome.verdict === 'unparseable') tally.unparseable++;
  if (outcome.verdict === 'failed') tally.failed++;
  if (outcome.f1 !== undefined && outcome.bleu1 !== undefined) {
    tally.f1 += outcome.f1;
    tally.bleu1 += outcome.bleu1;
    tally.lexical++;
  }
}

export function scoresOf(tally: Tally): QaScores {
  const mean = (sum: number, n: number) => (n === 0 ? 0 : sum / n);
  return {
    questions: tally.questions,
    j: mean(tally.correct, tally.questions),
    f1: mean(tally.f1, tally.lexical),
    bleu1: mean(tally.bleu1, tally.lexical),
    correct: tally.correct,
    unparseable: tally.unparseable,
    failed: tally.failed,
  };
}

export function emptyCalls(): CallTally {
  return { calls: 0, cached: 0, inputTokens: 0, outputTokens: 0 };
}

/** Counts one completion; cached replies count their tokens too, so a resumed run reports what a whole run costs. */
export function addCall(tally: CallTally, usage: Usage, cached: boolean): void {
  if (cached) tally.cached++;
  else tally.calls++;
  tally.inputTokens += usage.inputTokens;
  tally.outputTokens += usage.outputTokens;
}
