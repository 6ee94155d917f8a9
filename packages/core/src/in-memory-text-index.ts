/**
 * A BM25 full-text index over the text columns of one namespace of an in-memory table. Text is
 * lower-cased, folded to base letters (é → e) and split on anything that is not a letter or digit;
 * there is no stemming and no stop-word list, so scores are close to, not equal to, LanceDB's.
 * Statistics are per namespace: one tenant's rows never shift another's scores.
 */
export interface TextIndex {
  /** Indexes (or re-indexes) a row's text columns. */
  set(id: string, texts: readonly (string | null | undefined)[]): void;
  delete(id: string): void;
  /** Ids matching at least one query term, with their BM25 score summed over the columns, best first. */
  search(query: string, accept: (id: string) => boolean): { id: string; score: number }[];
}

const k1 = 1.2;
const b = 0.75;
const maxTokenLength = 40;

/**
 * The words of `text` as the full-text indexes see them before stemming: lower-cased, accents folded
 * (é → e), split on anything that is not a letter or digit, at most 40 characters (as LanceDB's).
 */
export function textTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0 && token.length <= maxTokenLength);
}

/**
 * A query with no letter or digit (an emoji, a symbol) has no token a full-text index could match:
 * returns it trimmed, for a substring search; `undefined` for any other query.
 */
export function symbolNeedle(query: string): string | undefined {
  const needle = query.trim();
  return needle.length > 0 && !/[\p{L}\p{N}]/u.test(needle) ? needle : undefined;
}

/** How many times `needle` occurs in `text` (a non-string counts none). */
export function occurrences(text: unknown, needle: string): number {
  if (typeof text !== 'string' || needle.length === 0) return 0;
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

interface ColumnIndex {
  /** term → id → term frequency */
  postings: Map<string, Map<string, number>>;
  lengths: Map<string, number>;
  totalLength: number;
}

export function createTextIndex(columnCount: number): TextIndex {
  const columns: ColumnIndex[] = Array.from({ length: columnCount }, () => ({
    postings: new Map(),
    lengths: new Map(),
    totalLength: 0,
  }));
  const terms = new Map<string, string[][]>();

  function remove(id: string): void {
    const indexed = terms.get(id);
    if (!indexed) return;
    terms.delete(id);
    indexed.forEach((columnTerms, c) => {
      const column = columns[c] as ColumnIndex;
      column.totalLength -= column.lengths.get(id) ?? 0;
      column.lengths.delete(id);
      for (const term of new Set(columnTerms)) {
        const posting = column.postings.get(term);
        posting?.delete(id);
        if (posting?.size === 0) column.postings.delete(term);
      }
    });
  }

  return {
    set(id, texts) {
      remove(id);
      const indexed = columns.map((column, c) => {
        const tokens = textTokens(texts[c] ?? '');
        column.lengths.set(id, tokens.length);
        column.totalLength += tokens.length;
        for (const token of tokens) {
          let posting = column.postings.get(token);
          if (!posting) {
            posting = new Map();
            column.postings.set(token, posting);
          }
          posting.set(id, (posting.get(id) ?? 0) + 1);
        }
        return tokens;
      });
      terms.set(id, indexed);
    },

    delete: remove,

    search(query, accept) {
      const queryTerms = [...new Set(textTokens(query))];
      const scores = new Map<string, number>();
      const documents = terms.size;
      for (const column of columns) {
        const averageLength = documents === 0 ? 0 : column.totalLength / documents;
        for (const term of queryTerms) {
          const posting = column.postings.get(term);
          if (!posting) continue;
          const idf = Math.log(1 + (documents - posting.size + 0.5) / (posting.size + 0.5));
          for (const [id, frequency] of posting) {
            if (!accept(id)) continue;
            const length = column.lengths.get(id) ?? 0;
            const norm = averageLength === 0 ? 1 : 1 - b + (b * length) / averageLength;
            const score = (idf * frequency * (k1 + 1)) / (frequency + k1 * norm);
            scores.set(id, (scores.get(id) ?? 0) + score);
          }
        }
      }
      return [...scores].map(([id, score]) => ({ id, score })).sort((x, y) => y.score - x.score);
    },
  };
}
