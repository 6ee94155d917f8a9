import { z } from 'zod';
import type { Filter } from './filter.js';

/**
 * A typed table. `schema` is a zod object that must contain `id: z.string()`; vector columns are
 * declared with `vectorColumn()` in the schema and their sizes in `vectors`. Supported column types:
 * string, number, integer, boolean, date, array of strings, Float32Array vectors, each optionally
 * `.optional()` / `.nullable()`. The store adds a `namespace` column itself: callers never write it.
 */
export interface TableDefinition<TSchema extends z.ZodObject = z.ZodObject> {
  /** `[a-z][a-z0-9_]*`, at most 64 characters. */
  name: string;
  schema: TSchema;
  /** Vector column name → dimensions. */
  vectors?: Record<string, number>;
  /** Distance used for vector search; scores are similarities (higher is better) for all three. */
  metric?: 'cosine' | 'dot' | 'l2';
  /** Columns with a full-text index, searched by `mode: 'text' | 'hybrid'`. */
  fullText?: string[];
  /**
   * Columns that filters use often, with the kind of scalar index they want: `bitmap` for a
   * column with few distinct values (a version, a kind), `btree` for one with many (a timestamp, a
   * foreign id). A hint for stores that build indexes: the LanceDB store builds them once a table
   * passes its index threshold, like its vector index; the in-memory store scans and ignores it.
   * Results are the same with or without them.
   */
  filterIndexes?: Record<string, 'bitmap' | 'btree'>;
}

/** A zod schema for a vector column. Its length is checked by the store against `vectors`. */
export function vectorColumn() {
  return z.custom<Float32Array>((value) => value instanceof Float32Array, {
    message: 'expected a Float32Array',
  });
}

/**
 * Checks a table definition early, when the module loads, instead of at `openTable`. Throws
 * `TypeError` for a bad name, a missing `id` column, a `namespace` column or a filter index on a
 * column that is not in the schema (or is a vector or full-text column).
 */
export function defineTable<TSchema extends z.ZodObject>(
  definition: TableDefinition<TSchema>,
): TableDefinition<TSchema> {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(definition.name)) {
    throw new TypeError(`table name "${definition.name}" must match [a-z][a-z0-9_]{0,63}`);
  }
  if (!('id' in definition.schema.shape)) {
    throw new TypeError(`table "${definition.name}" needs an "id" column in its schema`);
  }
  if ('namespace' in definition.schema.shape) {
    throw new TypeError(
      `table "${definition.name}": "namespace" is added by the store; remove it from the schema`,
    );
  }
  for (const [column, kind] of Object.entries(definition.filterIndexes ?? {})) {
    const where = `table "${definition.name}": filterIndexes.${column}`;
    if (!(column in definition.schema.shape)) throw new TypeError(`${where}: no such column in the schema`);
    if (column in (definition.vectors ?? {}) || definition.fullText?.includes(column)) {
      throw new TypeError(`${where}: a vector or full-text column has its own index`);
    }
    if (kind !== 'bitmap' && kind !== 'btree') {
      throw new TypeError(`${where}: expected "bitmap" or "btree", got ${JSON.stringify(kind)}`);
    }
  }
  return definition;
}

/** The row type of a table definition, e.g. `RowOf<typeof turnsTable>`. */
export type RowOf<TDefinition extends TableDefinition> = z.output<TDefinition['schema']> & { id: string };

/** `vector` (nearest neighbours), `text` (full-text BM25) or `hybrid` (both, fused by rank). */
export type SearchMode = 'vector' | 'text' | 'hybrid';

/** Options of `MemoryTable.search`. */
export interface SearchOptions {
  namespace: string;
  mode: SearchMode;
  /** Required for `vector` and `hybrid`. */
  vector?: Float32Array;
  /** Which vector column to search when a table has several. */
  vectorColumn?: string;
  /** Required for `text` and `hybrid`. */
  text?: string;
  filter?: Filter;
  /** Hits at most. */
  k: number;
}

/** One search result. */
export interface SearchHit<TRow> {
  row: TRow;
  /** Higher is better: a similarity for vector search, BM25 for text, reciprocal-rank fusion for hybrid. */
  score: number;
}

/** Options of `MemoryTable.query`. */
export interface QueryOptions {
  namespace: string;
  filter?: Filter;
  /** Sort by a column before paging. */
  orderBy?: { field: string; direction?: 'asc' | 'desc' };
  limit?: number;
  offset?: number;
}

/** An open table, every call scoped to one namespace. Rows are validated against the table's schema. */
export interface MemoryTable<TRow extends { id: string }> {
  readonly name: string;
  readonly definition: TableDefinition;
  /** Appends rows. Every row is validated first; on any invalid row nothing is written. */
  add(options: { namespace: string; rows: readonly TRow[] }): Promise<void>;
  /** Inserts or replaces rows by id within the namespace. */
  upsert(options: { namespace: string; rows: readonly TRow[] }): Promise<void>;
  /** The rows with these ids in the namespace; ids not found are left out. */
  get(options: { namespace: string; ids: readonly string[] }): Promise<TRow[]>;
  /** Deletes by ids or filter within the namespace; returns how many rows were removed. */
  delete(options: { namespace: string; ids?: readonly string[]; filter?: Filter }): Promise<number>;
  /** Rows in the namespace that match the filter (all of them without one). */
  count(options: { namespace: string; filter?: Filter }): Promise<number>;
  /** The `k` best rows by `mode`, best first. */
  search(options: SearchOptions): Promise<SearchHit<TRow>[]>;
  /** Filtered, ordered, paged scan. */
  query(options: QueryOptions): Promise<TRow[]>;
  /** Compacts files and refreshes indexes. */
  optimize(): Promise<void>;
}

/** Where memory systems keep their tables: LanceDB (`createLanceStore`) or the in-memory store. */
export interface MemoryStore {
  readonly uri: string;
  /**
   * Opens the table, creating it when it does not exist. An existing table with a different schema
   * is a `StoreError` with code `schema_mismatch`.
   */
  openTable<TSchema extends z.ZodObject>(
    definition: TableDefinition<TSchema>,
  ): Promise<MemoryTable<z.output<TSchema> & { id: string }>>;
  /** Names of the tables in the store. */
  listTables(): Promise<string[]>;
  /** Deletes a table with all its rows, in every namespace. */
  dropTable(name: string): Promise<void>;
  /** Releases the store; its tables are not used afterwards. */
  close(): Promise<void>;
}
