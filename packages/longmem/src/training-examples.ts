import { type EmbeddingModel, embedInBatches, seededRandom } from '@loci/core';
import { type CandidateOptions, collectCandidates, prepareQuery } from './candidate-features.js';
import { spokenDate } from './date-expressions.js';
import type { SideNetExample } from './sidenet.js';
import { isStopword, words } from './text-tokens.js';
import type { TurnBank } from './turn-bank.js';

/** A question and the ids of the turns that answer it (its evidence). */
export interface LabelledQuestion {
  question: string;
  /** Ids of the turns that answer it. */
  evidence: readonly string[];
}

/**
 * Listwise examples from labelled questions: the first-stage candidates of each question, with
 * its evidence turns as positives. Questions whose evidence the first stage misses teach nothing
 * a reranker could act on, so they are skipped.
 */
export async function labelledExamples(
  bank: TurnBank,
  embedder: EmbeddingModel,
  questions: readonly LabelledQuestion[],
  options: CandidateOptions = {},
): Promise<SideNetExample[]> {
  const vectors = await embedInBatches(
    embedder,
    questions.map((question) => question.question),
    { kind: 'query' },
  );
  const out: SideNetExample[] = [];
  for (const [index, question] of questions.entries()) {
    const evidence = new Set(
      question.evidence.map((id) => bank.positionOf(id)).filter((p): p is number => p !== undefined),
    );
    if (evidence.size === 0) continue;
    const candidates = collectCandidates(
      bank,
      prepareQuery(question.question, [vectors[index] as Float32Array]),
      options,
    );
    const positives = candidates.positions.flatMap((position, c) => (evidence.has(position) ? [c] : []));
    if (positives.length === 0) continue;
    out.push({ base: candidates.base, features: candidates.features, positives });
  }
  return out;
}

export interface SelfSupervisedOptions {
  /** At most this many pseudo-queries. */
  maxExamples?: number;
  seed?: number;
  /** Share of the turn's content words a pseudo-query keeps: drawn uniformly from this range. */
  ownShare?: readonly [number, number];
  /** At most this many words borrowed from the neighbouring turns. */
  contextWords?: number;
  /** First-stage depth for the pseudo-queries' candidates (see `collectCandidates`). */
  perList?: number;
  /**
   * Share of pseudo-queries that also name the day the turn was said ("…on 3 June, 2023?"), so the
   * SideNet learns what a date in a question is worth. Default 0.25.
   */
  datedShare?: number;
}

/**
 * Self-supervised examples from the memory itself (an inverse-cloze task shaped like a question):
 * a pseudo-query made of the speaker's name, a few of a turn's content words and a word of the
 * turn before it, whose positive is that turn. It teaches the SideNet how much to trust lexical,
 * dense, window and speaker evidence on this user's own text, with no labels and no LLM.
 */
export async function selfSupervisedExamples(
  bank: TurnBank,
  embedder: EmbeddingModel,
  options: SelfSupervisedOptions = {},
): Promise<SideNetExample[]> {
  const random = seededRandom(options.seed ?? 5);
  const maxExamples = options.maxExamples ?? 256;
  const eligible: number[] = [];
  for (let position = 0; position < bank.size; position++) {
    const stats = bank.stats(position);
    if (!stats.isQuestion && stats.terms.size >= 4) eligible.push(position);
  }
  for (let i = eligible.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [eligible[i], eligible[j]] = [eligible[j] as number, eligible[i] as number];
  }
  const picked = eligible.slice(0, maxExamples);
  const queries = picked.map((position) =>
    pseudoQuery(bank, position, random, {
      ownShare: options.ownShare ?? [0.2, 0.5],
      contextWords: options.contextWords ?? 1,
      datedShare: options.datedShare ?? 0.25,
    }),
  );
  const vectors = await embedInBatches(embedder, queries, { kind: 'query' });
  const out: SideNetExample[] = [];
  for (const [index, position] of picked.entries()) {
    const candidates = collectCandidates(
      bank,
      prepareQuery(queries[index] as string, [vectors[index] as Float32Array]),
      options.perList ? { perList: options.perList } : {},
    );
    const positive = candidates.positions.indexOf(position);
    if (positive < 0) continue;
    out.push({ base: candidates.base, features: candidates.features, positives: [positive] });
  }
  return out;
}

function pseudoQuery(
  bank: TurnBank,
  position: number,
  random: () => number,
  {
    ownShare,
    contextWords,
    datedShare,
  }: { ownShare: readonly [number, number]; contextWords: number; datedShare: number },
): string {
  const entry = bank.entry(position);
  const content = words(entry.text).filter((word) => !isStopword(word) && word.length > 2);
  const share = ownShare[0] + random() * (ownShare[1] - ownShare[0]);
  const take = Math.max(1, Math.round(content.length * share));
  const chosen = new Set<number>();
  while (chosen.size < Math.min(take, content.length)) chosen.add(Math.floor(random() * content.length));
  const parts = [...chosen].sort((a, b) => a - b).map((i) => content[i] as string);
  // Questions often echo the turn that prompted the answer: borrow words from its neighbours.
  const [start, end] = bank.window(position);
  const around: string[] = [];
  for (let i = start; i <= end; i++) {
    if (i === position) continue;
    around.push(...words(bank.entry(i).text).filter((word) => !isStopword(word) && word.length > 2));
  }
  const borrow = Math.floor(random() * (contextWords + 1));
  for (let i = 0; i < borrow && around.length > 0; i++) {
    parts.push(around[Math.floor(random() * around.length)] as string);
  }
  const name = entry.speaker.split(/\s+/)[0] ?? entry.speaker;
  // Users also ask by date ("…on 3 June, 2023?"): some pseudo-queries name the day the turn was said.
  const when = random() < datedShare ? ` ${spokenDate(entry.at, Math.floor(random() * 3))}` : '';
  return `What did ${name} say about ${parts.join(' ')}${when}?`;
}
