import { topK } from './bm25-index.js';
import { type DateRange, isTemporalQuestion, queryDateRanges } from './date-expressions.js';
import { terms } from './text-tokens.js';
import type { TurnBank } from './turn-bank.js';

/**
 * What the SideNet sees of a (query, turn) pair. The order is part of the weights' format: saved
 * weights name these and refuse to load against a different list.
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

export const featureCount = featureNames.length;

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
  const denseRank = ranks(lists[0] ?? []);
  const bm25Rank = ranks(lists[2] ?? []);

  const bm25Wide = bank.wideIndex.scoreAll(query.text);
  const bm25Session = bank.sessionIndex.scoreAll(query.text);
  const maxBm25 = maxOf(bm25);
  const maxBm25Window = maxOf(bm25Window);
  const maxBm25Wide = maxOf(bm25Wide);
  const maxBm25Session = maxOf(bm25Session);
  const queryTerms = new Set(query.terms);
  const speakers = bank.speakerTerms();
  const named = new Set([...queryTerms].filter((term) => speakers.has(term)));
  // Speaker names are matched by the speaker features; coverage counts what the question is about.
  const contentTerms = [...queryTerms].filter((term) => !named.has(term));

  const positions = [...chosen].sort((a, b) => a - b);
  const base = new Float64Array(positions.length);
  const features = new Float64Array(positions.length * featureCount);
  const last = Math.max(1, n - 1);
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
    const previous = start < position && usable(position - 1) ? (bm25[position - 1] as number) : 0;
    const next = end > position && usable(position + 1) ? (bm25[position + 1] as number) : 0;
    const row = c * featureCount;
    let f = row;
    base[c] = dense[position] as number;
    features[f++] = dense[position] as number;
    features[f++] = denseWindow[position] as number;
    features[f++] = rankFeature(denseRank.get(position) ?? n);
    features[f++] = ratio(bm25[position] as number, maxBm25);
    features[f++] = ratio(bm25Window[position] as number, maxBm25Window);
    features[f++] = ratio(previous, maxBm25);
    features[f++] = ratio(next, maxBm25);
    features[f++] = ratio(bm25Wide[position] as number, maxBm25Wide);
    features[f++] = ratio(bm25Session[bank.sessionOf(position)] as number, maxBm25Session);
    features[f++] = rankFeature(bm25Rank.get(position) ?? n);
    features[f++] = covered / contentCount;
    features[f++] = windowCovered / contentCount;
    features[f++] = named.has(stats.speakerTerm) ? 1 : 0;
    features[f++] = named.size > 0 && !named.has(stats.speakerTerm) ? 1 : 0;
    // The turn fits when the query is about: it names a time and the query asks "when", or it was
    // said on the date the query names.
    features[f++] = (query.temporal && stats.hasDate) || dated[position] === 1 ? 1 : 0;
    features[f++] = position / last;
    features[f++] = Math.min(1, stats.tokens / 64);
    features[f++] = stats.isQuestion ? 1 : 0;
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
