import { z } from 'zod';
import { ConfigError, DimensionMismatchError, StoreError } from './errors.js';
import type { Filter } from './filter.js';
import {
  type ColumnSpec,
  columnsOf,
  decodeRow,
  encodeRows,
  isWellFormed,
  type StoredRow,
} from './in-memory-columns.js';
import { compareValues, compileFilter, type RowPredicate } from './in-memory-filter.js';
import { createTextIndex, occurrences, symbolNeedle, type TextIndex } from './in-memory-text-index.js';
import type { MemoryTable, QueryOptions, SearchHit, SearchOptions, TableDefinition } from './memory-store.js';
import { parseWith } from './parse.js';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.js';
import { chooseVectorColumn } from './vector-column.js';
import { cosine, dot } from './vector-math.js';

const namespaceSchema = z
  .string()
  .min(1, 'namespace must be a non-empty string')
  .refine(isWellFormed, 'namespace has a lone UTF-16 surrogate; it must be well-formed Unicode');
const idsSchema = z.array(z.string()).readonly();
const kSchema = z.int().min(1).max(10_000);
const pageSchema = z.object({ limit: z.int().min(0).optional(), offset: z.int().min(0).optional() });

interface Namespace {
  /** id → row, in insertion order (a replaced row keeps its place). */
  rows: Map<string, StoredRow>;
  text: TextIndex;
}

/** What a table keeps; the store holds it by name so a dropped table's handles stop working. */
export interface TableData {
  definition: TableDefinition;
  columns: ColumnSpec[];
  namespaces: Map<string, Namespace>;
  dropped: boolean;
}

export function createTableData(definition: TableDefinition): TableData {
  return { definition, columns: columnsOf(definition), namespaces: new Map(), dropped: false };
}

export function createInMemoryTable<TRow extends { id: string }>(
  data: TableData,
  isOpen: () => boolean,
): MemoryTable<TRow> {
  const { definition, columns } = data;
  const label = `table "${definition.name}"`;
  const metric = definition.metric ?? 'cosine';
  const fullText = definition.fullText ?? [];
  const vectorColumns = columns.filter((column) => column.kind === 'vector');

  function usable(): void {
    if (!isOpen()) throw new StoreError(`${label}: the in-memory store is closed`, { code: 'store_closed' });
    if (data.dropped) {
      throw new StoreError(`${label} was dropped; open it again`, {
        code: 'table_dropped',
        category: 'user',
      });
    }
  }

  /** The namespace's rows that pass `filter`, each check done before any row is read. */
  function scope(
    namespace: unknown,
    filter?: Filter,
  ): { space: Namespace | undefined; accept: RowPredicate } {
    usable();
    const name = parseWith(namespaceSchema, namespace, `${label} namespace`);
    const predicate = filter === undefined ? () => true : compileFilter(filter, columns);
    return { space: data.namespaces.get(name), accept: predicate };
  }

  function spaceFor(namespace: string): Namespace {
    let space = data.namespaces.get(namespace);
    if (!space) {
      space = { rows: new Map(), text: createTextIndex(fullText.length) };
      data.namespaces.set(namespace, space);
    }
    return space;
  }

  function write(namespace: unknown, rows: readonly TRow[]): void {
    usable();
    const name = parseWith(namespaceSchema, namespace, `${label} namespace`);
    const records = encodeRows(definition, columns, rows);
    if (records.length === 0) return;
    const space = spaceFor(name);
    for (const record of records) {
      const id = record['id'] as string;
      space.rows.set(id, record);
      space.text.set(
        id,
        fullText.map((column) => record[column] as string | null),
      );
    }
  }

  function matching(space: Namespace | undefined, accept: RowPredicate): StoredRow[] {
    return space ? [...space.rows.values()].filter((row) => accept(row) === true) : [];
  }

  const decode = (row: StoredRow) => decodeRow(columns, row) as TRow;

  const vectorColumnFor = (options: SearchOptions): ColumnSpec =>
    chooseVectorColumn(label, vectorColumns, options.vectorColumn);

  /** Scores are similarities, as LanceDB's store reports them: cos, dot, or 1 / (1 + euclidean). */
  function similarity(a: Float32Array, b: Float32Array): number {
    if (metric === 'cosine') return cosine(a, b);
    if (metric === 'dot') return dot(a, b);
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
    return 1 / (1 + Math.sqrt(sum));
  }

  function vectorSearch(
    options: SearchOptions,
    rows: readonly StoredRow[],
    limit: number,
  ): SearchHit<TRow>[] {
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
    return rows
      .flatMap((row) => {
        const stored = row[column.name];
        return stored instanceof Float32Array ? [{ row, score: similarity(vector, stored) }] : [];
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map(({ row, score }) => ({ row: decode(row), score }));
  }

  function textSearch(
    options: SearchOptions,
    space: Namespace | undefined,
    accept: RowPredicate,
    limit: number,
  ): SearchHit<TRow>[] {
    if (typeof options.text !== 'string') {
      throw new ConfigError(`${label}: ${options.mode} search needs "text"`, [
        { path: 'text', message: 'expected string' },
      ]);
    }
    if (fullText.length === 0) {
      throw new ConfigError(`${label} has no fullText columns; declare them in the table definition`, [
        { path: 'fullText', message: 'no full-text columns' },
      ]);
    }
    if (!space || options.text.trim().length === 0) return [];
    const rows = space.rows;
    const needle = symbolNeedle(options.text);
    if (needle !== undefined) {
      return [...rows.values()]
        .filter((row) => accept(row) === true)
        .map((row) => ({
          row,
          score: fullText.reduce((sum, column) => sum + occurrences(row[column], needle), 0),
        }))
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, limit)
        .map(({ row, score }) => ({ row: decode(row), score }));
    }
    return space.text
      .search(options.text, (id) => accept(rows.get(id) as StoredRow) === true)
      .slice(0, limit)
      .map(({ id, score }) => ({ row: decode(rows.get(id) as StoredRow), score }));
  }

  return {
    name: definition.name,
    definition,

    async add({ namespace, rows }) {
      write(namespace, rows);
    },

    async upsert({ namespace, rows }) {
      write(namespace, rows);
    },

    async get({ namespace, ids }) {
      const { space } = scope(namespace);
      const wanted = parseWith(idsSchema, ids, `${label} ids`);
      // In the order asked for; an id asked twice comes back once.
      return [...new Set(wanted)].flatMap((id) => {
        const row = space?.rows.get(id);
        return row ? [decode(row)] : [];
      });
    },

    async delete({ namespace, ids, filter }) {
      if (ids === undefined && filter === undefined) {
        throw new ConfigError(`${label}: delete needs ids or a filter`, [
          { path: 'ids', message: 'pass ids or filter' },
        ]);
      }
      const { space, accept } = scope(namespace, filter);
      const wanted = ids === undefined ? undefined : new Set(parseWith(idsSchema, ids, `${label} ids`));
      if (!space) return 0;
      let removed = 0;
      for (const row of matching(space, accept)) {
        const id = row['id'] as string;
        if (wanted && !wanted.has(id)) continue;
        space.rows.delete(id);
        space.text.delete(id);
        removed++;
      }
      return removed;
    },

    async count({ namespace, filter }) {
      const { space, accept } = scope(namespace, filter);
      return matching(space, accept).length;
    },

    async query(options: QueryOptions) {
      const { space, accept } = scope(options.namespace, options.filter);
      const page = parseWith(
        pageSchema,
        { limit: options.limit, offset: options.offset },
        `${label} query paging`,
      );
      let rows = matching(space, accept);
      if (options.orderBy) {
        const field = options.orderBy.field;
        const column = columns.find((candidate) => candidate.name === field);
        if (!column || column.kind === 'vector' || column.kind === 'stringList') {
          throw new ConfigError(`${label}: cannot order by "${field}"`, [
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
        const sign = direction === 'asc' ? 1 : -1;
        // Nulls sort last ascending and first descending, as in SQL; id breaks ties so pages never overlap.
        rows = [...rows].sort((a, b) => {
          const x = a[field];
          const y = b[field];
          const xNull = x === null || x === undefined;
          const yNull = y === null || y === undefined;
          const order = xNull || yNull ? Number(xNull) - Number(yNull) : compareValues(x, y);
          return sign * order || compareValues(a['id'], b['id']);
        });
      }
      const offset = page.offset ?? 0;
      const end = page.limit === undefined ? undefined : offset + page.limit;
      return rows.slice(offset, end).map(decode);
    },

    async search(options: SearchOptions) {
      const { space, accept } = scope(options.namespace, options.filter);
      const k = parseWith(kSchema, options.k, `${label} search k`);
      switch (options.mode) {
        case 'vector':
          return vectorSearch(options, matching(space, accept), k);
        case 'text':
          return textSearch(options, space, accept, k);
        case 'hybrid': {
          // Deeper lists than k so an item ranked modestly by both can still win the fusion.
          const depth = Math.min(10_000, Math.max(k * 2, k + 20));
          const byVector = vectorSearch(options, matching(space, accept), depth);
          const byText = textSearch(options, space, accept, depth);
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
      usable();
    },
  };
}
