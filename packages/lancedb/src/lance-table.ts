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
import { compileFilter, namespaceClause } from './filter-sql.js';
import { createIndexMaintenance } from './index-maintenance.js';
import type { IndexPolicy } from './lance-store-options.js';
import { mergeTextHits } from './merge-text-hits.js';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.js';
import { decodeRow, encodeRows, loneSurrogateAt } from './row-codec.js';
import { idInClause, idSlices } from './row-refs.js';
import { createTableOptimizer, isCommitConflict } from './table-optimizer.js';
import { createTextIndexFreshness } from './text-index-freshness.js';

export type LanceDbModule = typeof LanceDb;

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
  /** Hears of failed background index work (already a `StoreError` naming the table). */
  onBackgroundError(error: StoreError): void;
  /**
   * Commit one at a time per handle: for object stores, where LanceDB's commit relies on the
   * server's conditional PUT, which some S3-compatible servers (s3rver) ignore, so two commits of
   * one process (a background optimize and a delete) could both win and lose one of them.
   */
  serialCommits: boolean;
}

/** A `MemoryTable` plus what the store needs to close it cleanly. */
export interface LanceMemoryTable<TRow extends { id: string }> extends MemoryTable<TRow> {
  /** Waits for background index work in progress and starts no more: the handle is closing. */
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

/** Runs commits one after another, in call order; a failed one does not stop the next. */
function createCommitQueue() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(work, work);
    last = run.catch(() => undefined);
    return run;
  };
}

/**
 * Table operations over one LanceDB table. Index upkeep lives beside it: `index-maintenance.ts`
 * (vector/namespace indexes, compaction) and `text-index-freshness.ts` (the full-text index kept
 * fresh in the background, and the rows it does not cover yet).
 */
export function createLanceTable<TRow extends { id: string }>(
  parts: LanceTableParts,
): LanceMemoryTable<TRow> {
  const { lancedb, arrow, native, definition, columns, arrowSchema, policy, rowKey } = parts;
  const metric = definition.metric ?? 'cosine';
  const fullText = definition.fullText ?? [];
  const vectorColumns = columns.filter((column) => column.kind === 'vector');
  const label = `table "${definition.name}"`;

  function reportBackground(what: string) {
    return (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      // Still losing to other commits after the retries (several processes writing one table):
      // not a fault, and the next write tries again.
      if (isCommitConflict(message)) return;
      parts.onBackgroundError(new StoreError(`${label}: ${what} failed: ${message}`, { cause: error }));
    };
  }

  const commit = parts.serialCommits ? createCommitQueue() : <T>(work: () => Promise<T>) => work();
  const optimizer = createTableOptimizer(
    { optimize: () => commit(() => native.optimize()) },
    {
      mark: () => freshness.mark(),
      onDone(mark) {
        freshness.optimized(mark);
        maintenance.optimized();
      },
    },
  );
  const freshness = createTextIndexFreshness({
    table: native,
    fullText,
    optimizer,
    tailLimit: policy.textTailLimit,
    refreshDelayMs: policy.textRefreshDelayMs,
    onError: reportBackground('full-text index refresh'),
  });
  const maintenance = createIndexMaintenance({
    table: native,
    optimizer,
    vectorColumns: vectorColumns.map((column) => column.name),
    async buildIndex(column, kind) {
      const config =
        kind === 'namespace'
          ? lancedb.Index.btree()
          : policy.vectorIndexType === 'ivf_pq'
            ? lancedb.Index.ivfPq({ distanceType: metric })
            : lancedb.Index.ivfFlat({ distanceType: metric });
      await commit(() => native.createIndex(column, { config, replace: true }));
    },
    policy,
    rowsAtOpen: parts.rowsAtOpen,
    onError: reportBackground('background index maintenance'),
  });

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

  function afterWrite(namespace: string, ids: readonly string[], rows: number): void {
    freshness.recordWrite(ids.map((id) => ({ namespace, id })));
    maintenance.afterWrite(rows);
  }

  async function settle(): Promise<void> {
    await freshness.settle();
    await maintenance.settle();
    await freshness.settle();
  }

  async function close(): Promise<void> {
    await freshness.close();
    await maintenance.settle();
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
    const namespace = options.namespace;
    const toHits = (rows: Record<string, unknown>[]) =>
      rows.map((stored) => ({ row: decode(stored), score: Number(stored['_score']) }));
    const tail = await freshness.unindexedRows(namespace);
    if (tail === undefined) {
      // Rows the store cannot name are missing from the index: LanceDB scans them itself.
      const rows = await storeCall('text search', () =>
        native.query().fullTextSearch(query).where(where).limit(limit).toArray(),
      );
      return toHits(rows).sort((a, b) => b.score - a.score);
    }
    // The index's hits (fastSearch: indexed rows only) and LanceDB's own BM25 scan of the rows
    // written since the last refresh, which scores them with the index's statistics.
    const ids = [...new Set(tail.map((row) => row.id))];
    const [indexed, written] = await Promise.all([
      storeCall('text search', () =>
        native.query().fullTextSearch(query).where(where).fastSearch().limit(limit).toArray(),
      ),
      ids.length === 0
        ? []
        : storeCall('text search', () =>
            native
              .query()
              .fullTextSearch(query)
              .where(`${where} AND ${idInClause(ids)}`)
              .limit(limit)
              .toArray(),
          ),
    ]);
    return mergeTextHits(toHits(indexed), toHits(written), limit);
  }

  const table: LanceMemoryTable<TRow> = {
    name: definition.name,
    definition,

    async add({ namespace, rows }) {
      scope(namespace);
      const records = encodeRows(definition, columns, namespace, rows, { rowKey });
      if (records.length === 0) return;
      await storeCall('add', () => commit(() => native.add(toArrow(records))));
      afterWrite(
        namespace,
        records.map((record) => record['id'] as string),
        records.length,
      );
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
        commit(() =>
          native
            .mergeInsert(rowKey ? ROW_KEY_COLUMN : [NAMESPACE_COLUMN, 'id'])
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute(toArrow([...lastById.values()])),
        ),
      );
      afterWrite(namespace, [...lastById.keys()], result.numInsertedRows + result.numUpdatedRows);
    },

    async get({ namespace, ids }) {
      const scoped = scope(namespace);
      const wanted = parseWith(idsSchema, ids, `${label} ids`);
      const found = new Map<string, TRow>();
      for (const slice of idSlices(wanted)) {
        const where = `${scoped} AND ${idInClause(slice)}`;
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
        for (const slice of idSlices(checked)) {
          const sliced = `${where} AND ${idInClause(slice)}`;
          const result = await storeCall('delete', () => commit(() => native.delete(sliced)));
          freshness.recordCommit();
          maintenance.afterWrite(0);
          removed += result.numDeletedRows;
        }
        return removed;
      }
      const result = await storeCall('delete', () => commit(() => native.delete(where)));
      freshness.recordCommit();
      maintenance.afterWrite(0);
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
      await storeCall('optimize', () => maintenance.run());
    },

    settle: close,
  };
  return table;
}
