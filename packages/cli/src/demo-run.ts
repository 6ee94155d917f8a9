import { type BenchQuestion, categoryNames, type IngestResult } from '@loci/bench';
import { type Memory, percentile, type Recalled } from '@loci/core';
import type { DemoConversation } from './demo-conversation.js';

/** Demo questions: one of each category in turn (single-hop, temporal, multi-hop, open-domain). */
export function pickQuestions(questions: readonly BenchQuestion[], count: number): BenchQuestion[] {
  const order = [4, 2, 1, 3];
  const queues = order.map((category) => questions.filter((question) => question.category === category));
  const picked: BenchQuestion[] = [];
  while (picked.length < count && queues.some((queue) => queue.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next && picked.length < count) picked.push(next);
    }
  }
  return picked;
}

export interface RecalledTurn {
  id: string;
  speaker?: string;
  at?: string;
  text?: string;
  isEvidence: boolean;
}

export interface AnsweredQuestion {
  question: string;
  /** Known when the question comes from the conversation file. */
  category?: number;
  categoryName?: string;
  answer?: string;
  evidence?: string[];
  /** Evidence turn ids found among the sources of the recalled items. */
  evidenceRecalled?: string[];
  recallMs: number;
  recalled: (Omit<Recalled, 'at'> & { rank: number; turns: RecalledTurn[] })[];
}

/** Asks one question and checks which of its evidence turns came back as sources. */
export async function askQuestion(options: {
  memory: Memory;
  conversation: DemoConversation;
  namespace: string;
  question: string | BenchQuestion;
  k: number;
  at: Date;
}): Promise<AnsweredQuestion> {
  const { memory, conversation, namespace, k, at } = options;
  const known = typeof options.question === 'string' ? undefined : options.question;
  const query = typeof options.question === 'string' ? options.question : options.question.question;
  const evidence = new Set(known?.evidence ?? []);
  const started = performance.now();
  const items = await memory.recall({ query, namespace, k, at });
  const recallMs = performance.now() - started;
  const sources = new Set(items.flatMap((item) => item.sources));
  const recalled = items.slice(0, k).map((item, index) => ({
    rank: index + 1,
    score: item.score,
    kind: item.kind,
    sources: item.sources,
    tokens: item.tokens,
    text: item.text,
    turns: item.sources.map((id): RecalledTurn => {
      const turn = conversation.turnsById.get(id);
      if (!turn) return { id, isEvidence: evidence.has(id) };
      return {
        id,
        speaker: turn.speaker,
        at: turn.at.toISOString(),
        text: turn.text,
        isEvidence: evidence.has(id),
      };
    }),
  }));
  if (!known) return { question: query, recallMs, recalled };
  return {
    question: query,
    category: known.category,
    categoryName: categoryNames[known.category] ?? `category ${known.category}`,
    ...(known.answer === undefined ? {} : { answer: known.answer }),
    evidence: known.evidence,
    evidenceRecalled: known.evidence.filter((id) => sources.has(id)),
    recallMs,
    recalled,
  };
}

export interface RecallSummary {
  questions: number;
  /** Questions from the file, whose evidence is known. */
  withEvidence: number;
  /** Of those, how many had every evidence turn recalled. */
  allEvidenceRecalled: number;
  /** Mean fraction of evidence turns recalled per question. */
  evidenceRecall: number;
  /** Null when no question was asked. */
  recallMsMedian: number | null;
}

export function summarise(answers: readonly AnsweredQuestion[]): RecallSummary {
  const scored = answers.filter((answer) => answer.evidence !== undefined && answer.evidence.length > 0);
  const fractions = scored.map((answer) => (answer.evidenceRecalled?.length ?? 0) / answer.evidence!.length);
  return {
    questions: answers.length,
    withEvidence: scored.length,
    allEvidenceRecalled: fractions.filter((fraction) => fraction === 1).length,
    evidenceRecall:
      fractions.length > 0 ? fractions.reduce((sum, value) => sum + value, 0) / fractions.length : 0,
    recallMsMedian: percentile(
      answers.map((answer) => answer.recallMs),
      50,
    ),
  };
}

/** Everything `loci demo` found out; printed as text, or as JSON with `--json`. */
export interface DemoReport {
  conversation: { speakers: [string, string]; sessions: number; turns: number; from: string; to: string };
  embedder: { provider: string; modelId: string; dimensions: number; readySeconds: number };
  store: { uri: string; namespace: string; fresh: boolean };
  memory: string;
  ingest: IngestResult;
  k: number;
  questions: AnsweredQuestion[];
  summary: RecallSummary;
  /** What a reader should know to read the figures right. */
  notes: string[];
}
