import { terms } from './text-tokens.js';

/** Okapi BM25 parameters; the defaults are the usual k1 = 1.2, b = 0.75. */
export interface Bm25Parameters {
  k1?: number;
  b?: number;
}

export interface Bm25Hit {
  /** Position of the document in insertion order. */
  index: number;
  score: number;
}

/**
 * An incremental in-memory BM25 index over short documents (turns). Documents are addressed by
 * insertion position; `replace` keeps positions stable so callers can keep parallel arrays.
 */
export interface Bm25Index {
  readonly size: number;
  add(text: string): number;
  replace(index: number, text: string): void;
  /**
   * The same with already analysed terms (from `terms()`), so a caller that indexes one turn in
   * several documents (its window, its session) analyses its text once.
   */
  addTerms(list: readonly string[]): number;
  replaceTerms(index: number, list: readonly string[]): void;
  /** Appends terms to an existing document (a session growing turn by turn). */
  extendTerms(index: number, list: readonly string[]): void;
  /** Best `k` documents with a positive score, best first. */
  search(query: string, k: number): Bm25Hit[];
  /** Scores of every document for `query` (0 where no term matches), for feature extraction. */
  scoreAll(query: string): Float64Array;
}

export function createBm25Index(parameters: Bm25Parameters = {}): Bm25Index {
  const k1 = parameters.k1 ?? 1.2;
  const b = parameters.b ?? 0.75;
  const documents: Map<string, number>[] = [];
  const lengths: number[] = [];
  const postings = new Map<string, Set<number>>();
  let totalLength = 0;

  function index(position: number, list: readonly string[]): void {
    documents[position] = new Map();
    lengths[position] = 0;
    extend(position, list);
  }

  function extend(position: number, list: readonly string[]): void {
    const counts = documents[position] as Map<string, number>;
    for (const term of list) {
      const count = counts.get(term) ?? 0;
      counts.set(term, count + 1);
      if (count > 0) continue;
      let set = postings.get(term);
      if (!set) {
        set = new Set();
        postings.set(term, set);
      }
      set.add(position);
    }
    lengths[position] = (lengths[position] ?? 0) + list.length;
    totalLength += list.length;
  }

  function addTerms(list: readonly string[]): number {
    const position = documents.length;
    index(position, list);
    return position;
  }

  function replaceTerms(position: number, list: readonly string[]): void {
    checked(position);
    unindex(position);
    index(position, list);
  }

  function checked(position: number): void {
    if (position < 0 || position >= documents.length) throw new RangeError(`no document at ${position}`);
  }

  function unindex(position: number): void {
    const counts = documents[position];
    if (!counts) return;
    totalLength -= lengths[position] ?? 0;
    for (const term of counts.keys()) postings.get(term)?.delete(position);
  }

  function scoreInto(query: string, scores: Float64Array): void {
    const n = documents.length;
    if (n === 0) return;
    const averageLength = totalLength / n || 1;
    const queryTerms = new Map<string, number>();
    for (const term of terms(query)) queryTerms.set(term, (queryTerms.get(term) ?? 0) + 1);
    for (const [term, queryCount] of queryTerms) {
      const set = postings.get(term);
      if (!set || set.size === 0) continue;
      const idf = Math.log(1 + (n - set.size + 0.5) / (set.size + 0.5));
      for (const position of set) {
        const tf = documents[position]?.get(term) ?? 0;
        const length = lengths[position] ?? 0;
        const weight = (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength));
        scores[position] = (scores[position] as number) + idf * weight * queryCount;
      }
    }
  }

  return {
    get size() {
      return documents.length;
    },
    add: (text) => addTerms(terms(text)),
    replace: (position, text) => replaceTerms(position, terms(text)),
    addTerms,
    replaceTerms,
    extendTerms(position, list) {
      checked(position);
      extend(position, list);
    },
    search(query, k) {
      const scores = new Float64Array(documents.length);
      scoreInto(query, scores);
      return topK(scores, k);
    },
    scoreAll(query) {
      const scores = new Float64Array(documents.length);
      scoreInto(query, scores);
      return scores;
    },
  };
}

/**
 * The `k` highest entries of `scores` above `minimum` (exclusive; 0 by default, so BM25 misses are
 * left out), best first, ties by position. Selects a threshold in linear time before sorting, as
 * this runs several times per recall over the whole bank.
 */
export function topK(scores: ArrayLike<number>, k: number, minimum = 0): Bm25Hit[] {
  if (k <= 0) return [];
  let count = 0;
  const values = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score > minimum) values[count++] = score;
  }
  let threshold = minimum;
  if (count > k) {
    threshold = kthLargest(values.subarray(0, count), k);
  }
  const hits: Bm25Hit[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score > minimum && score >= threshold) hits.push({ index: i, score });
  }
  hits.sort((x, y) => y.score - x.score || x.index - y.index);
  return hits.length > k ? hits.slice(0, k) : hits;
}

/** The k-th largest value (1-based) by quickselect; reorders `values`. */
function kthLargest(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  const target = k - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) > pivot) i++;
      while ((values[j] as number) < pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) right = j;
    else if (target >= i) left = i;
    else break;
  }
  return values[target] as number;
}
