import { ConfigError } from './errors.js';
import type { Filter, FilterValue } from './filter.js';
import type { ColumnSpec, StoredRow } from './in-memory-columns.js';

/** SQL's three-valued logic: a comparison with a missing value is unknown (`null`), never true. */
type Truth = boolean | null;
export type RowPredicate = (row: StoredRow) => Truth;

// A real filter is a few levels deep; deeper ones come from outside data gone wrong.
const maxDepth = 32;

function fail(field: string, message: string): never {
  throw new ConfigError(`invalid filter on "${field}": ${message}`, [{ path: field, message }]);
}

/**
 * Code-point order, as UTF-8 byte order in SQL stores (plain `<` compares UTF-16 units, which puts
 * characters above U+FFFF before U+E000–U+FFFF).
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Orders two non-null values of one column kind. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (a instanceof Date) return a.getTime() - (b as Date).getTime();
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return (a as number) - (b as number);
}

function columnFor(columns: ReadonlyMap<string, ColumnSpec>, field: string): ColumnSpec {
  const column = columns.get(field);
  if (!column) fail(field, `unknown field (columns: ${[...columns.keys()].join(', ')})`);
  if (column.kind === 'vector') fail(field, 'vector columns cannot be filtered');
  return column;
}

function checkLiteral(column: ColumnSpec, value: FilterValue): FilterValue {
  switch (column.kind) {
    case 'string':
      if (typeof value !== 'string') fail(column.name, `expected a string value, got ${typeof value}`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(column.name, `expected a finite number, got ${String(value)}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail(column.name, `expected a boolean value, got ${typeof value}`);
      return value;
    case 'date':
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        fail(column.name, 'expected a valid Date');
      return value;
    default:
      return fail(column.name, `a ${column.kind} column only supports contains / isNull / isNotNull`);
  }
}

const comparisons = {
  eq: (order: number) => order === 0,
  ne: (order: number) => order !== 0,
  lt: (order: number) => order < 0,
  lte: (order: number) => order <= 0,
  gt: (order: number) => order > 0,
  gte: (order: number) => order >= 0,
} as const;

/**
 * Checks a filter against the table's columns (unknown fields and mistyped values throw a
 * `ConfigError` naming the field, before any row is read) and returns its row predicate.
 */
export function compileFilter(filter: Filter, columns: readonly ColumnSpec[]): RowPredicate {
  return compile(filter, new Map(columns.map((column) => [column.name, column])), 0);
}

function compile(filter: Filter, columns: ReadonlyMap<string, ColumnSpec>, depth: number): RowPredicate {
  if (depth > maxDepth) throw new ConfigError(`filter nests deeper than ${maxDepth} levels`);
  switch (filter.op) {
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const column = columnFor(columns, filter.field);
      if (column.kind === 'boolean' && filter.op !== 'eq' && filter.op !== 'ne') {
        fail(filter.field, `"${filter.op}" does not apply to a boolean`);
      }
      const value = checkLiteral(column, filter.value);
      const test = comparisons[filter.op];
      return (row) => {
        const stored = row[column.name];
        return stored === null || stored === undefined ? null : test(compareValues(stored, value));
      };
    }
    case 'in': {
      const column = columnFor(columns, filter.field);
      if (!Array.isArray(filter.values)) fail(filter.field, '"in" needs an array of values');
      const values = filter.values.map((value) => checkLiteral(column, value));
      return (row) => {
        const stored = row[column.name];
        if (stored === null || stored === undefined) return values.length === 0 ? false : null;
        return values.some((value) => compareValues(stored, value) === 0);
      };
    }
    case 'isNull':
    case 'isNotNull': {
      const column = columns.get(filter.field);
      if (!column) fail(filter.field, 'unknown field');
      const wantNull = filter.op === 'isNull';
      return (row) => (row[column.name] === null || row[column.name] === undefined) === wantNull;
    }
    case 'contains': {
      const column = columnFor(columns, filter.field);
      if (column.kind !== 'stringList') fail(filter.field, '"contains" needs an array-of-strings column');
      if (typeof filter.value !== 'string') fail(filter.field, 'expected a string value');
      const value = filter.value;
      return (row) => {
        const stored = row[column.name] as string[] | null | undefined;
        return stored === null || stored === undefined ? null : stored.includes(value);
      };
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(filter.filters)) throw new ConfigError(`"${filter.op}" needs an array of filters`);
      const parts = filter.filters.map((inner) => compile(inner, columns, depth + 1));
      // Kleene logic: `and` is false if any part is false, unknown if any is unknown; `or` mirrors it.
      const decisive = filter.op === 'or';
      return (row) => {
        let unknown = false;
        for (const part of parts) {
          const truth = part(row);
          if (truth === decisive) return decisive;
          if (truth === null) unknown = true;
        }
        return unknown ? null : !decisive;
      };
    }
    case 'not': {
      const inner = compile(filter.filter, columns, depth + 1);
      return (row) => {
        const truth = inner(row);
        return truth === null ? null : !truth;
      };
    }
    default: {
      const op = (filter as { op?: unknown }).op;
      throw new ConfigError(`unknown filter op ${JSON.stringify(op)}`, [
        { path: 'op', message: 'unknown op' },
      ]);
    }
  }
}
