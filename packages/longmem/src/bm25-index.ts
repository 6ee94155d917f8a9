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

/**
 * The documents holding one term, as `[position, term frequency]` pairs sorted by position, in a
 * typed array: a turn bank of a million turns keeps several million of these pairs, which as a
 * `Map` per document and a `Set` per term took several times the heap (docs/fot.md).
 */
interface Posting {
  pairs: Int32Array;
  /** Used length of `pairs` (twice the number of documents). */
  size: number;
}

/** Index of `position`'s pair in `posting`, or `-(insertion index) - 1` when it has none. */
function findPair(posting: Posting, position: number): number {
  let low = 0;
  let high = posting.size / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = posting.pairs[2 * middle] as number;
    if (found === position) return 2 * middle;
    if (found < position) low = middle + 1;
    else high = middle - 1;
  }
  return -(2 * low) - 1;
}

export function createBm25Index(parameters: Bm25Parameters = {}): Bm25Index {
  const k1 = parameters.k1 ?? 1.2;
  const b = parameters.b ?? 0.75;
  const termIds = new Map<string, number>();
  const postings: Posting[] = [];
  /** Each document's distinct term ids, to take it out of the postings when it is replaced. */
  const documentTerms: number[][] = [];
  const lengths: number[] = [];
  let totalLength = 0;

  function termId(term: string): number {
    let id = termIds.get(term);
    if (id === undefined) {
      id = postings.length;
      termIds.set(term, id);
      postings.push({ pairs: new Int32Array(4), size: 0 });
    }
    return id;
  }

  /** Adds `count` to the frequency of a term in a document; true when the document had none. */
  function addFrequency(posting: Posting, position: number, count: number): boolean {
    const at = findPair(posting, position);
    if (at >= 0) {
      posting.pairs[at + 1] = (posting.pairs[at + 1] as number) + count;
      return false;
    }
    const insertAt = -at - 1;
    if (posting.size + 2 > posting.pairs.length) {
      const grown = new Int32Array(posting.pairs.length * 2);
      grown.set(posting.pairs.subarray(0, posting.size));
      posting.pairs = grown;
    }
    // Positions come mostly in order, so the pairs moved are few.
    posting.pairs.copyWithin(insertAt + 2, insertAt, posting.size);
    posting.pairs[insertAt] = position;
    posting.pairs[insertAt + 1] = count;
    posting.size += 2;
    return true;
  }

  function removeDocument(posting: Posting, position: number): void {
    const at = findPair(posting, position);
    if (at < 0) return;
    posting.pairs.copyWithin(at, at + 2, posting.size);
    posting.size -= 2;
  }

  function index(position: number, list: readonly string[]): void {
    documentTerms[position] = [];
    lengths[position] = 0;
    extend(position, list);
  }

  function extend(position: number, list: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const term of list) counts.set(term, (counts.get(term) ?? 0) + 1);
    const terms = documentTerms[position] as number[];
    for (const [term, count] of counts) {
      const id = termId(term);
      if (addFrequency(postings[id] as Posting, position, count)) terms.push(id);
    }
    lengths[position] = (lengths[position] ?? 0) + list.length;
    totalLength += list.length;
  }

  function addTerms(list: readonly string[]): number {
    const position = documentTerms.length;
    index(position, list);
    return position;
  }

  function replaceTerms(position: number, list: readonly string[]): void {
    checked(position);
    unindex(position);
    index(position, list);
  }

  function checked(position: number): void {
    if (position < 0 || position >= documentTerms.length) throw new RangeError(`no document at ${position}`);
  }

  function unindex(position: number): void {
    const terms = documentTerms[position];
    if (!terms) return;
    totalLength -= lengths[position] ?? 0;
    for (const id of terms) removeDocument(postings[id] as Posting, position);
  }

  function scoreInto(query: string, scores: Float64Array): void {
    const n = documentTerms.length;
    if (n === 0) return;
    const averageLength = totalLength / n || 1;
    const queryTerms = new Map<string, number>();
    for (const term of terms(query)) queryTerms.set(term, (queryTerms.get(term) ?? 0) + 1);
    for (const [term, queryCount] of queryTerms) {
      const id = termIds.get(term);
      const posting = id === undefined ? undefined : postings[id];
      if (!posting || posting.size === 0) continue;
      const documents = posting.size / 2;
      const idf = Math.log(1 + (n - documents + 0.5) / (documents + 0.5));
      const { pairs } = posting;
      for (let at = 0; at < posting.size; at += 2) {
        const position = pairs[at] as number;
        const tf = pairs[at + 1] as number;
        const length = lengths[position] ?? 0;
        const weight = (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength));
        scores[position] = (scores[position] as number) + idf * weight * queryCount;
      }
    }
  }

  return {
    get size() {
      return documentTerms.length;
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
      const scores = new Float64Array(documentTerms.length);
      scoreInto(query, scores);
      return topK(scores, k);
    },
    scoreAll(query) {
      const scores = new Float64Array(documentTerms.length);
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
