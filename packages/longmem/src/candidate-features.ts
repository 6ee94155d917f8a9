import { topK } from './bm25-index.js';
import { type DateRange, isTemporalQuestion, queryDateRanges } from './date-expressions.js';
import { terms } from './text-tokens.js';
import type { EntryStats, TurnBank } from './turn-bank.js';

/**
 * What the SideNet sees of a (query, turn) pair, in the order of the feature vector. Saved weights
 * name their features, so they load against this list by name; each value is computed by the
 * function of the same name in `featureTable` (below), never by position.
 */
export const featureNames = [
  'dense',
  'dense_window',
  'dense_rank',
  'bm25',
  'bm25_window',
  'bm25_previous',
  'bm25_next',
  'bm25_wide',
  'bm25_session',
  'bm25_rank',
  'coverage',
  'coverage_window',
  'speaker_named',
  'other_speaker_named',
  'temporal_match',
  'recency',
  'length',
  'is_question',
] as const;

export type FeatureName = (typeof featureNames)[number];

export const featureCount = featureNames.length;

/** The first-stage scores of one query over the whole bank, shared by all its candidates. */
interface QueryScores {
  query: PreparedQuery;
  bank: TurnBank;
  dense: Float64Array;
  denseWindow: Float64Array;
  denseRank: ReadonlyMap<number, number>;
  bm25: Float64Array;
  bm25Window: Float64Array;
  bm25Wide: Float64Array;
  bm25Session: Float64Array;
  bm25Rank: ReadonlyMap<number, number>;
  maxBm25: number;
  maxBm25Window: number;
  maxBm25Wide: number;
  maxBm25Session: number;
  /** Query terms that are a speaker's first name. */
  named: ReadonlySet<string>;
  /** 1 where a turn was said on a date the query names. */
  dated: Uint8Array;
}

/** One candidate turn and what was counted about it. */
interface CandidateFacts {
  position: number;
  stats: EntryStats;
  /** Share of the query's content terms in the turn, and in its window. */
  coverage: number;
  coverageWindow: number;
  /** BM25 of the turns just before and after it in its window (0 at a window edge). */
  previousBm25: number;
  nextBm25: number;
}

type FeatureFunction = (scores: QueryScores, candidate: CandidateFacts) => number;

/** How each feature is computed, by name: a `Record` over `FeatureName`, so none can be missing. */
const featureTable: Record<FeatureName, FeatureFunction> = {
  dense: (q, c) => q.dense[c.position] as number,
  dense_window: (q, c) => q.denseWindow[c.position] as number,
  dense_rank: (q, c) => rankFeature(q.denseRank.get(c.position) ?? q.bank.size),
  bm25: (q, c) => ratio(q.bm25[c.position] as number, q.maxBm25),
  bm25_window: (q, c) => ratio(q.bm25Window[c.position] as number, q.maxBm25Window),
  bm25_previous: (q, c) => ratio(c.previousBm25, q.maxBm25),
  bm25_next: (q, c) => ratio(c.nextBm25, q.maxBm25),
  bm25_wide: (q, c) => ratio(q.bm25Wide[c.position] as number, q.maxBm25Wide),
  bm25_session: (q, c) => ratio(q.bm25Session[q.bank.sessionOf(c.position)] as number, q.maxBm25Session),
  bm25_rank: (q, c) => rankFeature(q.bm25Rank.get(c.position) ?? q.bank.size),
  coverage: (_, c) => c.coverage,
  coverage_window: (_, c) => c.coverageWindow,
  speaker_named: (q, c) => (q.named.has(c.stats.speakerTerm) ? 1 : 0),
  other_speaker_named: (q, c) => (q.named.size > 0 && !q.named.has(c.stats.speakerTerm) ? 1 : 0),
  // The turn fits when the query is about: it names a time and the query asks "when", or it was
  // said on the date the query names.
  temporal_match: (q, c) => ((q.query.temporal && c.stats.hasDate) || q.dated[c.position] === 1 ? 1 : 0),
  recency: (q, c) => c.position / Math.max(1, q.bank.size - 1),
  length: (_, c) => Math.min(1, c.stats.tokens / 64),
  is_question: (_, c) => (c.stats.isQuestion ? 1 : 0),
};

/** The feature functions in vector order. */
const featureColumns: readonly FeatureFunction[] = featureNames.map((name) => featureTable[name]);

/** A query prepared once: its terms, segments' vectors and what it asks about. */
export interface PreparedQuery {
  text: string;
  terms: readonly string[];
  /** Unit vectors: the whole query first, then each segment when there are several. */
  vectors: readonly Float32Array[];
  temporal: boolean;
  /** Calendar dates the query names ("on 3 June, 2023"); turns said then match. */
  dates: readonly DateRange[];
}

export interface Candidates {
  /** Bank positions of the candidates. */
  positions: number[];
  /** Frozen score (the base of the SideNet's residual): the best segment cosine. */
  base: Float64Array;
  /** candidates × featureCount. */
  features: Float64Array;
}

export interface CandidateOptions {
  /** How many candidates each first-stage list contributes. */
  perList?: number;
  /** Positions never to return (the turn a self-supervised query was made from). */
  exclude?: ReadonlySet<number>;
}

/**
 * Splits a query into segments for segment-to-memory retrieval: sentences, and lines (an agent's
 * query carries its last turns as lines). A single sentence gives no extra segment.
 */
export function querySegments(query: string): string[] {
  const parts = query
    .split(/(?<=[.!?])\s+|\n+/)
    .map((part) => part.trim())
    .filter((part) => terms(part).length > 0);
  return parts.length > 1 ? parts : [];
}

function rankFeature(rank: number): number {
  return 1 / (1 + rank / 10);
}

/**
 * First stage and features: the union of the top turns by dense cosine (turn and window keys) and
 * BM25 (turn and window), each candidate described by the features the SideNet learns to weigh.
 */
export function collectCandidates(
  bank: TurnBank,
  query: PreparedQuery,
  options: CandidateOptions = {},
): Candidates {
  const n = bank.size;
  const perList = options.perList ?? 40;
  const exclude = options.exclude;
  const dense = new Float64Array(n);
  const denseWindow = new Float64Array(n);
  const [whole] = query.vectors;
  for (let i = 0; i < n; i++) {
    const key = bank.vector(i);
    const windowKey = bank.windowVector(i);
    let best = -1;
    let bestWindow = -1;
    for (const vector of query.vectors) {
      let s = 0;
      let w = 0;
      for (let d = 0; d < vector.length; d++) {
        const q = vector[d] as number;
        s += q * (key[d] as number);
        w += q * (windowKey[d] as number);
      }
      if (s > best) best = s;
      if (w > bestWindow) bestWindow = w;
      if (!whole) break;
    }
    dense[i] = best;
    denseWindow[i] = bestWindow;
  }
  const bm25 = bank.turnIndex.scoreAll(query.text);
  const bm25Window = bank.windowIndex.scoreAll(query.text);
  if (exclude) {
    for (const position of exclude) {
      dense[position] = -2;
      denseWindow[position] = -2;
      bm25[position] = 0;
      bm25Window[position] = 0;
    }
  }
  const chosen = new Set<number>();
  // Dense scores can be negative (excluded positions sit at -2); BM25 misses score 0.
  const lists = [
    topK(dense, perList, -2),
    topK(denseWindow, perList, -2),
    topK(bm25, perList),
    topK(bm25Window, perList),
  ].map((hits) => hits.map((hit) => hit.index));
  const dated = new Uint8Array(n);
  if (query.dates.length > 0) {
    // Turns said on the date the query names join the candidates, best window BM25 first.
    const onDate = new Float64Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const at = bank.entry(i).at.getTime();
      if (query.dates.some((range) => at >= range.start && at <= range.end)) {
        dated[i] = 1;
        onDate[i] = (bm25Window[i] as number) + (dense[i] as number);
      }
    }
    lists.push(topK(onDate, perList, -1).map((hit) => hit.index));
  }
  for (const list of lists) for (const position of list) if (!exclude?.has(position)) chosen.add(position);

  const queryTerms = new Set(query.terms);
  const speakers = bank.speakerTerms();
  const named = new Set([...queryTerms].filter((term) => speakers.has(term)));
  // Speaker names are matched by the speaker features; coverage counts what the question is about.
  const contentTerms = [...queryTerms].filter((term) => !named.has(term));
  const bm25Wide = bank.wideIndex.scoreAll(query.text);
  const bm25Session = bank.sessionIndex.scoreAll(query.text);
  const scores: QueryScores = {
    query,
    bank,
    dense,
    denseWindow,
    denseRank: ranks(lists[0] ?? []),
    bm25,
    bm25Window,
    bm25Wide,
    bm25Session,
    bm25Rank: ranks(lists[2] ?? []),
    maxBm25: maxOf(bm25),
    maxBm25Window: maxOf(bm25Window),
    maxBm25Wide: maxOf(bm25Wide),
    maxBm25Session: maxOf(bm25Session),
    named,
    dated,
  };

  const positions = [...chosen].sort((a, b) => a - b);
  const base = new Float64Array(positions.length);
  const features = new Float64Array(positions.length * featureCount);
  const usable = (i: number) => i >= 0 && i < n && !exclude?.has(i);
  for (const [c, position] of positions.entries()) {
    const stats = bank.stats(position);
    const [start, end] = bank.window(position);
    let windowCovered = 0;
    let covered = 0;
    for (const term of contentTerms) {
      if (stats.terms.has(term)) covered++;
      for (let i = start; i <= end; i++) {
        if (usable(i) && bank.stats(i).terms.has(term)) {
          windowCovered++;
          break;
        }
      }
    }
    const contentCount = Math.max(1, contentTerms.length);
    const candidate: CandidateFacts = {
      position,
      stats,
      coverage: covered / contentCount,
      coverageWindow: windowCovered / contentCount,
      previousBm25: start < position && usable(position - 1) ? (bm25[position - 1] as number) : 0,
      nextBm25: end > position && usable(position + 1) ? (bm25[position + 1] as number) : 0,
    };
    base[c] = dense[position] as number;
    let f = c * featureCount;
    for (const compute of featureColumns) features[f++] = compute(scores, candidate);
  }
  return { positions, base, features };
}

function maxOf(values: Float64Array): number {
  let max = 0;
  for (const value of values) if (value > max) max = value;
  return max;
}

function ratio(value: number, max: number): number {
  return max > 0 ? value / max : 0;
}

/** Rank of each position in a first-stage list; positions outside it read as far (rank n). */
function ranks(top: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const [rank, position] of top.entries()) out.set(position, rank);
  return out;
}

export function prepareQuery(text: string, vectors: readonly Float32Array[]): PreparedQuery {
  return {
    text,
    terms: terms(text),
    vectors,
    temporal: isTemporalQuestion(text),
    dates: queryDateRanges(text),
  };
}
