import { createRequire } from 'node:module';
import { isStopWord, occurrences, symbolNeedle, textTokens } from '@loci/core';
import { type StoredMessage, searchableText } from './stored-message.js';

/**
 * An agent's recall storage, searched in the process: `conversation_search` then costs a lookup in
 * memory instead of a full-text search of the store, which competes for the CPU with the store's
 * background upkeep and with the appends written behind. Only the agent's own process writes its
 * messages (the lease), so what it loaded at open plus what it hands over since is all there is.
 */

/** Messages an agent keeps in memory for `conversation_search` by default; past it, the store is searched. */
export const defaultRecallIndexLimit = 20_000;

/** Porter2 (Snowball English), the stemmer of LanceDB's full-text index; a CommonJS package without types. */
const stem = createRequire(import.meta.url)('wink-porter2-stemmer') as (word: string) => string;

const k1 = 1.2;
const b = 0.75;
const pageSize = 2_000;

/**
 * The terms of a text as LanceDB's default full-text index has them: lower-cased, accents folded,
 * split on anything that is not a letter or digit, words over 40 characters dropped, each word
 * stemmed (Porter2, Snowball English) and English stop words dropped after stemming ("ands" goes
 * too). recall-text-index.int.test.ts holds the two to the same matches.
 */
export function recallTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of textTokens(text)) {
    const term = /\p{L}/u.test(token) ? stem(token) : token;
    if (!isStopWord(term)) terms.push(term);
  }
  return terms;
}

/** Messages ranked by BM25 (k1 1.2, b 0.75, as LanceDB) over their searchable text. */
export interface RecallTextIndex {
  /** Indexes messages; one already indexed (by id) is skipped. */
  add(messages: readonly StoredMessage[]): void;
  /**
   * The `limit` best matches, newest first among equal scores. A query of symbols only (an emoji)
   * matches by substring, ranked by occurrences, as the store does.
   */
  search(query: string, limit: number): StoredMessage[];
  readonly size: number;
}

export function createRecallTextIndex(): RecallTextIndex {
  const documents: StoredMessage[] = [];
  const lengths: number[] = [];
  const indexed = new Set<string>();
  /** term → [document, frequency, document, frequency, …] */
  const postings = new Map<string, number[]>();
  let totalLength = 0;

  function ranked(scores: Map<number, number>, limit: number): StoredMessage[] {
    return [...scores]
      .sort((x, y) => y[1] - x[1] || (documents[y[0]]?.seq ?? 0) - (documents[x[0]]?.seq ?? 0))
      .slice(0, limit)
      .map(([document]) => documents[document] as StoredMessage);
  }

  return {
    add(messages) {
      for (const message of messages) {
        if (indexed.has(message.id)) continue;
        indexed.add(message.id);
        const document = documents.push(message) - 1;
        const terms = recallTerms(searchableText(message));
        lengths.push(terms.length);
        totalLength += terms.length;
        const frequencies = new Map<string, number>();
        for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
        for (const [term, frequency] of frequencies) {
          const posting = postings.get(term);
          if (posting) posting.push(document, frequency);
          else postings.set(term, [document, frequency]);
        }
      }
    },

    search(query, limit) {
      if (limit <= 0 || query.trim().length === 0) return [];
      const scores = new Map<number, number>();
      const needle = symbolNeedle(query);
      if (needle !== undefined) {
        documents.forEach((message, document) => {
          const count = occurrences(searchableText(message), needle);
          if (count > 0) scores.set(document, count);
        });
        return ranked(scores, limit);
      }
      const count = documents.length;
      const averageLength = count === 0 ? 0 : totalLength / count;
      for (const term of new Set(recallTerms(query))) {
        const posting = postings.get(term);
        if (!posting) continue;
        const matching = posting.length / 2;
        const idf = Math.log(1 + (count - matching + 0.5) / (matching + 0.5));
        for (let at = 0; at < posting.length; at += 2) {
          const document = posting[at] as number;
          const frequency = posting[at + 1] as number;
          const norm = averageLength === 0 ? 1 : 1 - b + (b * (lengths[document] ?? 0)) / averageLength;
          const score = (idf * frequency * (k1 + 1)) / (frequency + k1 * norm);
          scores.set(document, (scores.get(document) ?? 0) + score);
        }
      }
      return ranked(scores, limit);
    },

    get size() {
      return documents.length;
    },
  };
}

/** The recall index of an open agent: loaded from the store in the background, fed with every hand-over. */
export interface RecallSearchCache {
  /** Indexes messages this process hands to recall storage. */
  add(messages: readonly StoredMessage[]): void;
  /** The best matches; `undefined` while loading, past the limit, or after a failed load (search the store). */
  search(query: string, limit: number): StoredMessage[] | undefined;
  /** Resolves when loading ended, however it ended. */
  readonly loaded: Promise<void>;
}

/**
 * Starts loading the agent's messages, oldest first, `pageSize` at a time (`after`: the last seq
 * loaded, -1 at first). Turns itself off (freeing the memory) when the agent has more than `limit`
 * messages or a page fails to load; `limit` 0 never loads.
 */
export function createRecallSearchCache(options: {
  limit: number;
  count: () => Promise<number>;
  page: (after: number, size: number) => Promise<StoredMessage[]>;
}): RecallSearchCache {
  let index: RecallTextIndex | undefined = options.limit > 0 ? createRecallTextIndex() : undefined;
  let ready = false;

  async function load(): Promise<void> {
    if (!index || (await options.count()) > options.limit) {
      index = undefined;
      return;
    }
    let after = -1;
    for (;;) {
      const page = await options.page(after, pageSize);
      index?.add(page);
      if (!index || index.size > options.limit) {
        index = undefined;
        return;
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]?.seq ?? after;
    }
    ready = true;
  }

  const loaded = load().catch(() => {
    // The store still answers every search; the cache is an optimisation.
    index = undefined;
  });

  return {
    add(messages) {
      index?.add(messages);
      if (index && index.size > options.limit) index = undefined;
    },
    search(query, limit) {
      return ready && index ? index.search(query, limit) : undefined;
    },
    loaded,
  };
}
