/**
 * A cheap, conservative pre-check before a full-text search: which texts could match the query at
 * all (the store skips its scan of rows the index does not cover yet when none can; an agent does
 * not wait for messages still being written that cannot). LanceDB's tokenizer lower-cases,
 * folds accents, drops English stop words and stems (Porter); this check does the first two, drops
 * only stop words every English list has, and treats two words as possibly the same stem when they
 * share a prefix (a Porter stem is a prefix of its word, but for a final y that becomes i). So it
 * may let through a row that does not match (LanceDB then scores it, and drops it), and should
 * never turn away one that does: a search that meets no possible match skips the scan.
 */

import { textTokens } from './in-memory-text-index.js';

// Lucene's classic English stop set: contained in every English stop-word list, LanceDB's included
// (LanceDB 0.31 drops exactly these, after stemming: recall-text-index.int.test.ts in @loci/memgpt).
const stopWords: ReadonlySet<string> = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

/** Whether a lower-cased word is one of the English stop words every full-text index here drops. */
export function isStopWord(word: string): boolean {
  return stopWords.has(word);
}

function commonPrefix(a: string, b: string): number {
  const end = Math.min(a.length, b.length);
  let length = 0;
  while (length < end && a[length] === b[length]) length++;
  return length;
}

/** Whether `a` and `b` could stem alike: a shared prefix of at least min(4, shorter − 1), ≥ 1. */
export function maySameStem(a: string, b: string): boolean {
  const shorter = Math.min(a.length, b.length);
  return commonPrefix(a, b) >= Math.max(1, Math.min(4, shorter - 1));
}

/** A test of whether a text could match `query` in a full-text index; see the module comment. */
export function textMayMatch(query: string): (text: string) => boolean {
  const terms = [...new Set(textTokens(query))].filter((word) => !stopWords.has(word));
  if (terms.length === 0) return () => false;
  return (text) => textTokens(text).some((word) => terms.some((term) => maySameStem(term, word)));
}
