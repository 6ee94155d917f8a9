import { ConfigError, type Filter, type FilterValue } from '@loci/core';
import { type ColumnSpec, NAMESPACE_COLUMN } from './columns.js';

/**
 * A SQL string literal for LanceDB (DataFusion): single quotes doubled, nothing else special.
 * Backslashes, NUL bytes and newlines are plain characters inside such a literal.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A quoted column name. LanceDB's SQL reads backticks as identifier quotes (double quotes would be a
 * string there); names are validated against the schema before they get here.
 */
export function sqlIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ConfigError(`"${name}" is not a valid column name`, [{ path: name, message: 'invalid name' }]);
  }
  return `\`${name}\``;
}

/** The clause every statement of the store carries. */
export function namespaceClause(namespace: string): string {
  return `${sqlIdentifier(NAMESPACE_COLUMN)} = ${sqlString(namespace)}`;
}

function fail(field: string, message: string): never {
  throw new ConfigError(`invalid filter on "${field}": ${message}`, [{ path: field, message }]);
}

function columnFor(columns: ReadonlyMap<string, ColumnSpec>, field: string): ColumnSpec {
  const column = columns.get(field);
  if (!column) {
    const known = [...columns.keys()].join(', ');
    fail(field, `unknown field (columns: ${known})`);
  }
  if (column.kind === 'vector') fail(field, 'vector columns cannot be filtered');
  return column;
}

function literal(column: ColumnSpec, value: FilterValue): string {
  switch (column.kind) {
    case 'string':
      if (typeof value !== 'string') fail(column.name, `expected a string value, got ${typeof value}`);
      return sqlString(value);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(column.name, `expected a finite number, got ${String(value)}`);
      }
      return String(value);
    case 'boolean':
      if (typeof value !== 'boolean') fail(column.name, `expected a boolean value, got ${typeof value}`);
      return value ? 'TRUE' : 'FALSE';
    case 'date': {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
        fail(column.name, 'expected a valid Date');
      }
      return `arrow_cast(${value.getTime()}, 'Timestamp(Millisecond, None)')`;
    }
    default:
      return fail(column.name, `a ${column.kind} column only supports contains / isNull / isNotNull`);
  }
}

const comparison = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/**
 * Compiles a filter to a LanceDB SQL predicate. Every field is checked against `columns`, every
 * value becomes a typed literal; caller strings never become SQL text.
 */
export function compileFilter(filter: Filter, columns: readonly ColumnSpec[]): string {
  const byName = new Map(columns.map((column) => [column.name, column]));
  return compile(filter, byName, 0);
}

// Deep nesting from outside data could overflow the SQL parser; a real filter is a few levels deep.
const maxDepth = 32;

function compile(filter: Filter, columns: ReadonlyMap<string, ColumnSpec>, depth: number): string {
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
      return `${sqlIdentifier(column.name)} ${comparison[filter.op]} ${literal(column, filter.value)}`;
    }
    case 'in': {
      const column = columnFor(columns, filter.field);
      if (!Array.isArray(filter.values)) fail(filter.field, '"in" needs an array of values');
      if (filter.values.length === 0) return 'FALSE';
      return `${sqlIdentifier(column.name)} IN (${filter.values.map((value) => literal(column, value)).join(', ')})`;
    }
    case 'isNull':
    case 'isNotNull': {
      const column = columns.get(filter.field);
      if (!column) fail(filter.field, 'unknown field');
      return `${sqlIdentifier(column.name)} ${filter.op === 'isNull' ? 'IS NULL' : 'IS NOT NULL'}`;
    }
    case 'contains': {
      const column = columnFor(columns, filter.field);
      if (column.kind !== 'stringList') fail(filter.field, '"contains" needs an array-of-strings column');
      if (typeof filter.value !== 'string') fail(filter.field, 'expected a string value');
      return `array_has(${sqlIdentifier(column.name)}, ${sqlString(filter.value)})`;
    }
    case 'and':
    case 'or': {
      if (!Array.isArray(filter.filters)) throw new ConfigError(`"${filter.op}" needs an array of filters`);
      if (filter.filters.length === 0) return filter.op === 'and' ? 'TRUE' : 'FALSE';
      const joiner = filter.op === 'and' ? ' AND ' : ' OR ';
      return filter.filters.map((inner) => `(${compile(inner, columns, depth + 1)})`).join(joiner);
    }
    case 'not':
      return `NOT (${compile(filter.filter, columns, depth + 1)})`;
    default: {
      const op = (filter as { op?: unknown }).op;
      throw new ConfigError(`unknown filter op ${JSON.stringify(op)}`, [
        { path: 'op', message: 'unknown op' },
      ]);
    }
  }
}
