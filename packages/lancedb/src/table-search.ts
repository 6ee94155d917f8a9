import type * as LanceDb from '@lancedb/lancedb';
import {
  ConfigError,
  chooseVectorColumn,
  DimensionMismatchError,
  occurrences,
  reciprocalRankFusion,
  type SearchHit,
  type SearchOptions,
  symbolNeedle,
  type TableDefinition,
  textMayMatch,
} from '@loci/core';
import type { ColumnSpec } from './columns.js';
import { sqlIdentifier, sqlString } from './filter-sql.js';
import type { TextIndexFreshness } from './text-index-freshness.js';

export interface TableSearchParts<TRow> {
  lancedb: typeof LanceDb;
  native: LanceDb.Table;
  definition: TableDefinition;
  columns: readonly ColumnSpec[];
  freshness: TextIndexFreshness;
  /** Most written rows a text search scans itself (the policy's `textTailLimit`). */
  tailLimit: number;
  /** Runs a LanceDB call, turning its failures into `StoreError`s naming the table. */
  storeCall<T>(what: string, call: () => Promise<T>): Promise<T>;
  decode(stored: Record<string, unknown>): TRow;
  label: string;
}

export interface TableSearch<TRow> {
  /** `where` already scopes the namespace and applies the filter; `k` is checked. */
  search(options: SearchOptions, where: string, k: number): Promise<SearchHit<TRow>[]>;
}

// Rows a symbol search ranks at most: a symbol common to more rows ranks the first ones found.
const symbolScanLimit = 2000;

/** Vector, full-text and hybrid search over one LanceDB table. */
export function createTableSearch<TRow extends { id: string }>(
  parts: TableSearchParts<TRow>,
): TableSearch<TRow> {
  const { lancedb, native, definition, freshness, storeCall, decode, label } = parts;
  const metric = definition.metric ?? 'cosine';
  const fullText = definition.fullText ?? [];
  const vectorColumns = parts.columns.filter((column) => column.kind === 'vector');

  const vectorColumnFor = (options: SearchOptions): ColumnSpec =>
    chooseVectorColumn(label, vectorColumns, options.vectorColumn);

  function similarity(distance: number): number {
    // LanceDB returns 1 - cos for cosine, -dot for dot and the squared euclidean distance for l2.
    if (metric === 'cosine') return 1 - distance;
    if (metric === 'dot') return -distance;
    return 1 / (1 + Math.sqrt(Math.max(0, distance)));
  }

  async function vectorSearch(
    options: SearchOptions,
    where: string,
    limit: number,
  ): Promise<SearchHit<TRow>[]> {
    const column = vectorColumnFor(options);
    const vector = options.vector;
    if (!(vector instanceof Float32Array)) {
      throw new ConfigError(`${label}: ${options.mode} search needs a Float32Array "vector"`, [
        { path: 'vector', message: 'expected Float32Array' },
      ]);
    }
    if (vector.length !== column.dimensions) {
      throw new DimensionMismatchError({
        expected: column.dimensions ?? 0,
        actual: vector.length,
        what: `${label}: query vector for column "${column.name}"`,
      });
    }
    // `where` before the nearest-neighbour step is a prefilter (LanceDB's default): the k nearest
    // rows OF THIS NAMESPACE come back even when other namespaces crowd the neighbourhood.
    const rows = await storeCall('vector search', () =>
      native
        .vectorSearch(vector)
        .column(column.name)
        .distanceType(metric)
        .where(where)
        .limit(limit)
        .toArray(),
    );
    return rows.map((stored: Record<string, unknown>) => ({
      row: decode(stored),
      score: similarity(Number(stored['_distance'])),
    }));
  }

  async function textSearch(
    options: SearchOptions,
    where: string,
    limit: number,
  ): Promise<SearchHit<TRow>[]> {
    if (typeof options.text !== 'string') {
      throw new ConfigError(`${label}: ${options.mode} search needs "text"`, [
        { path: 'text', message: 'expected string' },
      ]);
    }
    const [first, ...more] = fullText;
    if (!first) {
      throw new ConfigError(`${label} has no fullText columns; declare them in the table definition`, [
        { path: 'fullText', message: 'no full-text columns' },
      ]);
    }
    if (options.text.trim().length === 0) return [];
    const needle = symbolNeedle(options.text);
    if (needle !== undefined) return symbolSearch(needle, where, limit);
    const query =
      more.length === 0
        ? new lancedb.MatchQuery(options.text, first)
        : new lancedb.MultiMatchQuery(options.text, fullText);
    // Rows the store cannot name, or a row written since the last refresh that may match: LanceDB
    // answers from the index and its own BM25 scan of the unindexed rows, in one query (it scores
    // them as a query restricted to those rows would, at a fraction of the cost of running that
    // query ourselves; docs/benchmarks/store.md). The scan gives a word the index has never seen
    // its full weight but takes document lengths from the scanned rows, so a just-written row's
    // score can differ a little from what a refreshed index gives it until the background refresh.
    // When no new row can match (no query word, nor a form of one), the index alone answers.
    const tail = await freshness.unindexedRows(options.namespace);
    const mayMatch = textMayMatch(options.text);
    const scan = tail === undefined || tail.some((row) => row.text === undefined || mayMatch(row.text));
    // LanceDB 0.31 does not rank its scan of unindexed rows while the index covers no row (a new
    // table before its first refresh): the first rows scanned come back, up to the limit and
    // non-matching ones with score 0 among them (lance-text-search.int.test.ts). Then the scan is
    // asked for every unindexed row there may be, and ranked here.
    const unranked = scan && freshness.indexEmpty();
    const depth = unranked ? limit + (tail?.length ?? parts.tailLimit) : limit;
    const rows = await storeCall('text search', () => {
      const search = native.query().fullTextSearch(query).where(where);
      return (scan ? search : search.fastSearch()).limit(depth).toArray();
    });
    return rows
      .map((stored: Record<string, unknown>) => ({ row: decode(stored), score: Number(stored['_score']) }))
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /**
   * An emoji or symbol: the full-text tokenizer drops it, so rows that contain it are found by a
   * substring scan of the namespace and ranked by how often they hold it.
   */
  async function symbolSearch(needle: string, where: string, limit: number): Promise<SearchHit<TRow>[]> {
    const contains = fullText
      .map((column) => `strpos(${sqlIdentifier(column)}, ${sqlString(needle)}) > 0`)
      .join(' OR ');
    const rows = await storeCall('text search', () =>
      native.query().where(`${where} AND (${contains})`).limit(symbolScanLimit).toArray(),
    );
    return rows
      .map((stored: Record<string, unknown>) => ({
        row: decode(stored),
        score: fullText.reduce((sum, column) => sum + occurrences(stored[column], needle), 0),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  return {
    async search(options, where, k) {
      switch (options.mode) {
        case 'vector':
          return vectorSearch(options, where, k);
        case 'text':
          return textSearch(options, where, k);
        case 'hybrid': {
          // Deeper lists than k so an item ranked modestly by both can still win the fusion.
          const depth = Math.min(10_000, Math.max(k * 2, k + 20));
          const [byVector, byText] = await Promise.all([
            vectorSearch(options, where, depth),
            textSearch(options, where, depth),
          ]);
          return reciprocalRankFusion([byVector, byText], (hit) => hit.row.id)
            .slice(0, k)
            .map(({ item, score }) => ({ row: item.row, score }));
        }
        default:
          throw new ConfigError(`${label}: search mode must be vector, text or hybrid`, [
            { path: 'mode', message: `unknown mode ${JSON.stringify(options.mode)}` },
          ]);
      }
    },
  };
}
