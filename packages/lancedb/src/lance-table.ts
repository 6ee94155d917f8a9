import type * as LanceDb from '@lancedb/lancedb';
import {
  ConfigError,
  type Filter,
  LociError,
  type MemoryTable,
  parseWith,
  type QueryOptions,
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
import { createIndexMaintenance, wantedScalarIndexes } from './index-maintenance.js';
import type { IndexPolicy } from './lance-store-options.js';
import { decodeRow, encodeRows, loneSurrogateAt } from './row-codec.js';
import { idInClause, idSlices } from './row-refs.js';
import { createTableOptimizer, isCommitConflict } from './table-optimizer.js';
import { createTableSearch } from './table-search.js';
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
// What LanceDB says when a read meets a data file that a version cleanup has deleted; on object
// storage a manifest being deleted can also read as empty (seen on s3rver in the conformance suite).
const removedVersionFile = /Object at location \S+ not found|Range started at 0 and ended at 0/;

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
 * Table operations over one LanceDB table. Searches are in `table-search.ts`; index upkeep lives
 * beside it: `index-maintenance.ts` (vector/namespace indexes, compaction) and
 * `text-index-freshness.ts` (the full-text index kept fresh in the background, and the rows it does
 * not cover yet), sharing one `table-optimizer.ts`.
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

  const queue = parts.serialCommits ? createCommitQueue() : <T>(work: () => Promise<T>) => work();
  // Every commit is a table version; the optimizer keeps count of them (`keepVersions`).
  const commit = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = await queue(work);
    optimizer.committed();
    return result;
  };
  const optimizer = createTableOptimizer(
    { optimize: (options) => commit(() => native.optimize(options)) },
    {
      mark: () => freshness.mark(),
      onDone(mark) {
        freshness.optimized(mark);
        maintenance.optimized();
      },
    },
    { keepVersionsMs: policy.keepVersionsMs, keepVersions: policy.keepVersions },
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
    scalarIndexes: wantedScalarIndexes(policy, definition, columns),
    async buildIndex(column, kind, name) {
      const config =
        kind === 'bitmap'
          ? lancedb.Index.bitmap()
          : kind === 'btree'
            ? lancedb.Index.btree()
            : policy.vectorIndexType === 'ivf_pq'
              ? lancedb.Index.ivfPq({ distanceType: metric })
              : lancedb.Index.ivfFlat({ distanceType: metric });
      // A vector index gets its own name, beside the one it replaces (a search meanwhile uses the
      // old one); maintenance drops that one once this one is committed.
      await commit(() => native.createIndex(column, { config, replace: true, ...(name && { name }) }));
    },
    async dropIndex(name) {
      await commit(() => native.dropIndex(name));
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
        if (attempt < writeAttempts && removedVersionFile.test(message)) {
          // Read from a version an optimize has just removed (`keepVersionsMs`): again on the latest.
          await native.checkoutLatest().catch(() => undefined);
          continue;
        }
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

  function afterWrite(namespace: string, records: readonly Record<string, unknown>[], rows: number): void {
    freshness.recordWrite(
      records.map((record) => ({
        namespace,
        id: record['id'] as string,
        text: fullText
          .map((column) => record[column])
          .filter((value) => typeof value === 'string')
          .join('\n'),
      })),
    );
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

  const searcher = createTableSearch<TRow>({
    lancedb,
    native,
    definition,
    columns,
    freshness,
    tailLimit: policy.textTailLimit,
    storeCall,
    decode,
    label,
  });

  const table: LanceMemoryTable<TRow> = {
    name: definition.name,
    definition,

    async add({ namespace, rows }) {
      scope(namespace);
      const records = encodeRows(definition, columns, namespace, rows, { rowKey });
      if (records.length === 0) return;
      await storeCall('add', () => commit(() => native.add(toArrow(records))));
      afterWrite(namespace, records, records.length);
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
      afterWrite(namespace, [...lastById.values()], result.numInsertedRows + result.numUpdatedRows);
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
      return searcher.search(options, where, k);
    },

    async optimize() {
      await settle();
      await storeCall('optimize', () => maintenance.run());
    },

    settle: close,
  };
  return table;
}
