import type * as LanceDb from '@lancedb/lancedb';
import {
  ConfigError,
  DimensionMismatchError,
  type Filter,
  LociError,
  type MemoryTable,
  parseWith,
  type QueryOptions,
  type SearchHit,
  type SearchOptions,
  StoreError,
  type TableDefinition,
} from '@loci/core';
import type * as Arrow from 'apache-arrow';
import { z } from 'zod';
import { recordsToArrow } from './arrow-batch.js';
import type { ArrowModule } from './arrow-schema.js';
import { type ColumnSpec, NAMESPACE_COLUMN, ROW_KEY_COLUMN } from './columns.js';
import { compileFilter, namespaceClause, sqlIdentifier, sqlString } from './filter-sql.js';
import type { IndexPolicy } from './lance-store-options.js';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.js';
import { decodeRow, encodeRows, loneSurrogateAt } from './row-codec.js';

export type LanceDbModule = typeof LanceDb;

interface RowRef {
  namespace: string;
  id: string;
}

export interface LanceTableParts {
  lancedb: LanceDbModule;
  /** The apache-arrow instance LanceDB uses. */
  arrow: ArrowModule;
  native: LanceDb.Table;
  definition: TableDefinition;
  columns: ColumnSpec[];
  arrowSchema: Arrow.Schema;
  policy: IndexPolicy;
  /** Rows in the table when it was opened; the index policy counts from there. */
  rowsAtOpen: number;
  /** The table has the row-key column (every table created by this version does). */
  rowKey: boolean;
}

/** A `MemoryTable` plus what the store needs to close it cleanly. */
export interface LanceMemoryTable<TRow extends { id: string }> extends MemoryTable<TRow> {
  /** Resolves when background index work started by writes has finished. */
  settle(): Promise<void>;
}

const namespaceSchema = z
  .string()
  .min(1, 'namespace must be a non-empty string')
  .refine(
    (namespace) => loneSurrogateAt(namespace) < 0,
    'namespace has a lone UTF-16 surrogate; it must be well-formed Unicode',
  );
const idsSchema = z.array(z.string()).readonly();
const kSchema = z.int().min(1).max(10_000);
const pageSchema = z.object({
  limit: z.int().min(0).optional(),
  offset: z.int().min(0).optional(),
});

// Commit conflicts with a concurrent compaction are retried, as LanceDB itself does for appends.
const writeAttempts = 5;
// A text search skips the FTS refresh only while the unindexed rows number at most `tailLimit` and
// `tailShare` of the indexed ones; see ensureTextIndexCurrent.
const tailLimit = 500;
const tailShare = 0.02;
// `IN` lists are sent in slices so a statement stays small however many ids a caller passes.
const idSlice = 500;

export function createLanceTable<TRow extends { id: string }>(
  parts: LanceTableParts,
): LanceMemoryTable<TRow> {
  const { lancedb, arrow, native, definition, columns, arrowSchema, policy, rowKey } = parts;
  const metric = definition.metric ?? 'cosine';
  const fullText = definition.fullText ?? [];
  const vectorColumns = columns.filter((column) => column.kind === 'vector');
  const label = `table "${definition.name}"`;

  let knownRows = parts.rowsAtOpen;
  let rowsSinceRefresh = 0;
  // Whether every vector column is known to have its index; until then a write past the
  // threshold checks (and builds).
  let vectorIndexed = false;
  let maintenance: Promise<void> | undefined;
  let optimizing: Promise<void> | undefined;
  // Rows this handle wrote since the FTS index was last seen current, with the table version after
  // the last of those writes; undefined when unknown.
  let tail: { version: number; rows: RowRef[] } | undefined;

  /** One LanceDB optimize at a time per handle; callers arriving meanwhile share it. */
  function optimizeOnce(): Promise<void> {
    optimizing ??= native
      .optimize()
      .then(() => undefined)
      .finally(() => {
        optimizing = undefined;
      });
    return optimizing;
  }

  /**
   * LanceDB answers a text search over rows the FTS index has not seen yet by brute force, but it
   * scores them with other statistics than the indexed rows (measured: a row written just before a
   * search for a rare term scored 6% below an indexed row it outranks once the index is refreshed),
   * so before a text search the index is brought up to date (`optimize()`: incremental update plus a
   * compaction of small files, 60 ms at 600 rows, 0.3 s at 5k, 0.6–1.3 s at 1M on 2 cores) when any
   * row is missing from it. One case needs no refresh: when every unindexed row is one this handle
   * wrote (see `tail`) and none of them matches the query, the result holds only indexed rows and
   * the refresh would change no document frequency of a query term, only the row count and the
   * average length, which `tailShare` keeps within a small share of the index.
   */
  async function ensureTextIndexCurrent(query: LanceDb.FullTextQuery): Promise<void> {
    if (fullText.length === 0) return;
    const before = await textIndexState();
    if (before.unindexed === 0) return;
    if (before.tailOnly && before.unindexed <= before.indexed * tailShare) {
      const keys = tail?.rows ?? [];
      const matching = await native.query().fullTextSearch(query).where(rowsClause(keys)).limit(1).toArray();
      if (matching.length === 0) return;
    }
    tail = undefined;
    await optimizeOnce();
    const after = await textIndexState();
    if (after.unindexed === 0) tail = { version: after.version, rows: [] };
  }

  /** The FTS index's coverage, and whether its unindexed rows are exactly `tail`. */
  async function textIndexState(): Promise<{
    indexed: number;
    unindexed: number;
    version: number;
    tailOnly: boolean;
  }> {
    const [indices, version] = await Promise.all([native.listIndices(), native.version()]);
    let indexed = Number.POSITIVE_INFINITY;
    let unindexed = 0;
    for (const index of indices) {
      if (index.indexType !== 'FTS' || !index.columns.some((column) => fullText.includes(column))) continue;
      indexed = Math.min(indexed, index.numIndexedRows ?? 0);
      unindexed = Math.max(unindexed, index.numUnindexedRows ?? 0);
    }
    if (unindexed === 0) tail = { version, rows: [] };
    // The version pins the table to the state after this handle's last tracked write, and the count
    // rules out a write this handle did not see land (one racing the refresh, say).
    const tailOnly = tail !== undefined && tail.version === version && tail.rows.length === unindexed;
    return { indexed, unindexed, version, tailOnly };
  }

  function rowsClause(keys: readonly RowRef[]): string {
    const byNamespace = new Map<string, string[]>();
    for (const key of keys) {
      const ids = byNamespace.get(key.namespace) ?? [];
      ids.push(key.id);
      byNamespace.set(key.namespace, ids);
    }
    return [...byNamespace]
      .map(
        ([namespace, ids]) =>
          `(${namespaceClause(namespace)} AND ${sqlIdentifier('id')} IN (${ids.map(sqlString).join(', ')}))`,
      )
      .join(' OR ');
  }

  /**
   * Records rows this handle just wrote as the index's unindexed tail, while the table's versions
   * show no other commit in between (a write from elsewhere, or a compaction, forgets the tail).
   */
  async function trackTail(rows: RowRef[]): Promise<void> {
    if (!tail || fullText.length === 0) return;
    const known = tail;
    const version = await native.version();
    tail =
      tail === known && version === known.version + 1 && known.rows.length + rows.length <= tailLimit
        ? { version, rows: [...known.rows, ...rows] }
        : undefined;
  }

  async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (LociError.isInstance(error)) throw error;
        const message = error instanceof Error ? error.message : String(error);
        if (attempt < writeAttempts && /conflict|retryable/i.test(message)) continue;
        throw new StoreError(`${label}: ${what} failed: ${message}`, { cause: error });
      }
    }
  }

  function scope(namespace: unknown, filter?: Filter): string {
    const checked = parseWith(namespaceSchema, namespace, `${label} namespace`);
    const clause = namespaceClause(checked);
    return filter === undefined ? clause : `${clause} AND (${compileFilter(filter, columns)})`;
  }

  function toArrow(records: Record<string, unknown>[]) {
    return recordsToArrow(arrow, arrowSchema, records);
  }

  function decode(stored: Record<string, unknown>): TRow {
    return decodeRow(columns, stored) as TRow;
  }

  function afterWrite(rows: number): void {
    knownRows += rows;
    rowsSinceRefresh += rows;
    scheduleMaintenance();
  }

  /**
   * Starts background index work when the policy asks for it. Writes that land while a run is in
   * progress are looked at again when it ends, so a threshold crossed meanwhile is not missed.
   */
  function scheduleMaintenance(): void {
    if (maintenance) return;
    const needsVectorIndex =
      vectorColumns.length > 0 && !vectorIndexed && knownRows >= policy.vectorIndexAfterRows;
    if (rowsSinceRefresh < policy.refreshAfterRows && !needsVectorIndex) return;
    let failed = false;
    maintenance = storeCall('background index maintenance', () => maintain(false))
      // Background work must not crash the process: a failed run is retried at the next write that
      // crosses a threshold, and `optimize()` runs the same work in the foreground and throws.
      .catch(() => {
        failed = true;
      })
      .finally(() => {
        maintenance = undefined;
        if (!failed) scheduleMaintenance();
      });
  }

  /** Builds missing indexes, or folds new rows into existing ones. Never blocks a caller's write. */
  async function maintain(compact: boolean): Promise<void> {
    rowsSinceRefresh = 0;
    knownRows = await native.countRows();
    const indices = await native.listIndices();
    const indexed = new Set(indices.flatMap((index) => index.columns));
    let built = false;
    if (knownRows >= policy.vectorIndexAfterRows) {
      for (const column of vectorColumns) {
        if (indexed.has(column.name)) continue;
        const config =
          policy.vectorIndexType === 'ivf_pq'
            ? lancedb.Index.ivfPq({ distanceType: metric })
            : lancedb.Index.ivfFlat({ distanceType: metric });
        await native.createIndex(column.name, { config, replace: true });
        built = true;
      }
      if (policy.namespaceIndex && !indexed.has(NAMESPACE_COLUMN)) {
        await native.createIndex(NAMESPACE_COLUMN, { config: lancedb.Index.btree(), replace: true });
        built = true;
      }
      vectorIndexed = true;
    }
    // A fresh index already covers every row; otherwise fold unindexed rows in (LanceDB searches
    // them by brute force meanwhile, so results are current either way) and compact small files.
    if (!built || compact) await optimizeOnce();
  }

  async function settle(): Promise<void> {
    while (maintenance) await maintenance;
  }

  function vectorColumnFor(options: SearchOptions): ColumnSpec {
    if (options.vectorColumn !== undefined) {
      const column = vectorColumns.find((candidate) => candidate.name === options.vectorColumn);
      if (!column) {
        throw new ConfigError(`${label}: "${options.vectorColumn}" is not a vector column`, [
          { path: 'vectorColumn', message: 'not a vector column' },
        ]);
      }
      return column;
    }
    const [only, ...others] = vectorColumns;
    if (!only) throw new ConfigError(`${label} has no vector column to search`);
    if (others.length > 0) {
      throw new ConfigError(`${label} has several vector columns; pass vectorColumn`, [
        { path: 'vectorColumn', message: 'required when a table has several vector columns' },
      ]);
    }
    return only;
  }

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
    const query =
      more.length === 0
        ? new lancedb.MatchQuery(options.text, first)
        : new lancedb.MultiMatchQuery(options.text, fullText);
    const rows = await storeCall('text search', async () => {
      await ensureTextIndexCurrent(query);
      return native.query().fullTextSearch(query).where(where).limit(limit).toArray();
    });
    return rows
      .map((stored: Record<string, unknown>) => ({ row: decode(stored), score: Number(stored['_score']) }))
      .sort((a, b) => b.score - a.score);
  }

  const table: LanceMemoryTable<TRow> = {
    name: definition.name,
    definition,

    async add({ namespace, rows }) {
      scope(namespace);
      const records = encodeRows(definition, columns, namespace, rows, { rowKey });
      if (records.length === 0) return;
      await storeCall('add', () => native.add(toArrow(records)));
      await trackTail(records.map((record) => ({ namespace, id: record['id'] as string })));
      afterWrite(records.length);
    },

    async upsert({ namespace, rows }) {
      scope(namespace);
      const records = encodeRows(definition, columns, namespace, rows, { rowKey });
      if (records.length === 0) return;
      // mergeInsert refuses two source rows with one key; the last one of a batch wins. On the row
      // key (a primary key) LanceDB detects concurrent inserts of one new id and retries; tables from
      // before the row key merge on (namespace, id) and lack that protection across processes.
      const lastById = new Map(records.map((record) => [record['id'] as string, record]));
      const result = await storeCall('upsert', () =>
        native
          .mergeInsert(rowKey ? ROW_KEY_COLUMN : [NAMESPACE_COLUMN, 'id'])
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(toArrow([...lastById.values()])),
      );
      await trackTail([...lastById.keys()].map((id) => ({ namespace, id })));
      afterWrite(result.numInsertedRows + result.numUpdatedRows);
    },

    async get({ namespace, ids }) {
      const scoped = scope(namespace);
      const wanted = parseWith(idsSchema, ids, `${label} ids`);
      const found = new Map<string, TRow>();
      for (let start = 0; start < wanted.length; start += idSlice) {
        const slice = wanted.slice(start, start + idSlice);
        const where = `${scoped} AND ${sqlIdentifier('id')} IN (${slice.map(sqlString).join(', ')})`;
        const rows = await storeCall('get', () => native.query().where(where).toArray());
        for (const stored of rows) {
          const row = decode(stored);
          found.set(row.id, row);
        }
      }
      // In the order asked for; an id asked twice comes back once.
      return [...new Set(wanted)].flatMap((id) => {
        const row = found.get(id);
        return row ? [row] : [];
      });
    },

    async delete({ namespace, ids, filter }) {
      if (ids === undefined && filter === undefined) {
        throw new ConfigError(`${label}: delete needs ids or a filter`, [
          { path: 'ids', message: 'pass ids or filter' },
        ]);
      }
      const where = scope(namespace, filter);
      if (ids !== undefined) {
        const checked = parseWith(idsSchema, ids, `${label} ids`);
        if (checked.length === 0) return 0;
        let removed = 0;
        for (let start = 0; start < checked.length; start += idSlice) {
          const slice = checked.slice(start, start + idSlice);
          const sliced = `${where} AND ${sqlIdentifier('id')} IN (${slice.map(sqlString).join(', ')})`;
          const result = await storeCall('delete', () => native.delete(sliced));
          removed += result.numDeletedRows;
        }
        return removed;
      }
      const result = await storeCall('delete', () => native.delete(where));
      return result.numDeletedRows;
    },

    async count({ namespace, filter }) {
      const where = scope(namespace, filter);
      return storeCall('count', () => native.countRows(where));
    },

    async query(options: QueryOptions) {
      const where = scope(options.namespace, options.filter);
      const page = parseWith(
        pageSchema,
        { limit: options.limit, offset: options.offset },
        `${label} query paging`,
      );
      let query = native.query().where(where);
      if (options.orderBy) {
        const column = columns.find((candidate) => candidate.name === options.orderBy?.field);
        if (!column || column.kind === 'vector' || column.kind === 'stringList') {
          throw new ConfigError(`${label}: cannot order by "${options.orderBy.field}"`, [
            {
              path: 'orderBy.field',
              message: column ? `a ${column.kind} column has no order` : 'unknown field',
            },
          ]);
        }
        const direction = options.orderBy.direction ?? 'asc';
        if (direction !== 'asc' && direction !== 'desc') {
          throw new ConfigError(`${label}: orderBy.direction must be "asc" or "desc"`);
        }
        // id breaks ties so pages never overlap or skip rows.
        const ordering = [{ columnName: column.name, ascending: direction === 'asc' }];
        if (column.name !== 'id') ordering.push({ columnName: 'id', ascending: true });
        query = query.orderBy(ordering);
      }
      if (page.offset !== undefined) query = query.offset(page.offset);
      if (page.limit !== undefined) query = query.limit(page.limit);
      const rows = await storeCall('query', () => query.toArray());
      return rows.map(decode);
    },

    async search(options: SearchOptions) {
      const where = scope(options.namespace, options.filter);
      const k = parseWith(kSchema, options.k, `${label} search k`);
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

    async optimize() {
      await settle();
      await storeCall('optimize', () => maintain(true));
    },

    settle,
  };
  return table;
}
