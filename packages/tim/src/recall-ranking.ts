import { countTokens, type Recalled, reciprocalRankFusion } from '@loci/core';
import { contentTerms } from './text-terms.js';
import type { Thought } from './thought.js';
import type { ScoredThought } from './thought-search.js';
import type { QueuedTurn } from './turn-queue.js';

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function renderThought(thought: Thought): string {
  const closed = thought.validTo
    ? ` (until ${day(thought.validTo)}; ${thought.closedReason ?? 'superseded'})`
    : '';
  return `[${day(thought.validFrom)}] ${thought.text}${closed}`;
}

export function renderTurn(turn: Pick<QueuedTurn, 'at' | 'speaker' | 'text'>): string {
  return `[${day(turn.at)}] ${turn.speaker}: ${turn.text}`;
}

interface Entry {
  key: string;
  item: Recalled;
  score: number;
}

function thoughtEntry({ thought, score }: ScoredThought): Entry {
  const text = renderThought(thought);
  return {
    key: `thought:${thought.id}`,
    score,
    item: {
      text,
      score: 0,
      kind: 'thought',
      sources: thought.sources,
      tokens: countTokens(text),
      at: thought.at,
    },
  };
}

function turnEntry(turn: QueuedTurn, score: number): Entry {
  const text = renderTurn(turn);
  return {
    key: `turn:${turn.id}`,
    score,
    item: { text, score: 0, kind: 'turn', sources: [turn.id], tokens: countTokens(text), at: turn.at },
  };
}

const byScore = (a: Entry, b: Entry) => b.score - a.score;

/**
 * One ranking of thoughts and of queued turns not yet post-thought (so nothing observed is
 * invisible to recall). Two lists fused by reciprocal rank: by vector (cosine of thoughts and
 * turns alike, one embedder) and by text (BM25 of thoughts and the share of query terms a turn
 * holds, each scaled to its list's best). A queued turn a thought already cites is left out.
 */
export function rankRecall(options: {
  query: string;
  byVector: readonly ScoredThought[];
  byText: readonly ScoredThought[];
  pending: readonly { turn: QueuedTurn; similarity: number }[];
}): Recalled[] {
  const cited = new Set([...options.byVector, ...options.byText].flatMap(({ thought }) => thought.sources));
  const pending = options.pending.filter(({ turn }) => !cited.has(turn.id));
  const vectorList = [
    ...options.byVector.map(thoughtEntry),
    ...pending.map(({ turn, similarity }) => turnEntry(turn, similarity)),
  ].sort(byScore);
  const queryTerms = contentTerms(options.query);
  const best = Math.max(0, ...options.byText.map((hit) => hit.score));
  const textThoughts = options.byText.map((hit) => ({
    ...thoughtEntry(hit),
    score: best > 0 ? hit.score / best : 0,
  }));
  const overlaps = pending
    .map(({ turn }) => {
      const words = contentTerms(turn.text);
      return { turn, shared: [...queryTerms].filter((term) => words.has(term)).length };
    })
    .filter(({ shared }) => shared > 0);
  const mostShared = Math.max(0, ...overlaps.map(({ shared }) => shared));
  const textTurns = overlaps.map(({ turn, shared }) => turnEntry(turn, shared / mostShared));
  const textList = [...textThoughts, ...textTurns].sort(byScore);
  return reciprocalRankFusion([vectorList, textList], (entry) => entry.key).map(({ item, score }) => ({
    ...item.item,
    score,
  }));
}
