import type { z } from 'zod';
import { ConfigError, DimensionMismatchError } from './errors.js';
import type { TableDefinition } from './memory-store.js';

/** What a column holds, as far as the in-memory store's filters, ordering and copies care. */
export type ColumnKind = 'string' | 'number' | 'boolean' | 'date' | 'stringList' | 'vector';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** A missing value reads back as `null` (zod `.nullable()`) rather than as an absent key. */
  readsNull: boolean;
  dimensions?: number;
}

export type StoredRow = Record<string, unknown>;

interface ZodDef {
  type: string;
  innerType?: unknown;
  element?: unknown;
  entries?: object;
  values?: unknown[];
}

const defOf = (schema: unknown) => (schema as { _zod: { def: ZodDef } })._zod.def;
const columnNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function invalid(table: string, path: string, message: string): never {
  throw new ConfigError(`table "${table}": ${path}: ${message}`, [{ path, message }]);
}

/** The column specs of a table definition; a `ConfigError` names the first column the store cannot hold. */
export function columnsOf(definition: TableDefinition): ColumnSpec[] {
  const vectors = definition.vectors ?? {};
  const shape = (definition.schema as z.ZodObject).shape as Record<string, unknown>;
  const columns: ColumnSpec[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    if (!columnNamePattern.test(name))
      invalid(definition.name, name, 'column names must match [A-Za-z][A-Za-z0-9_]{0,63}');
    let inner = schema;
    let readsNull = false;
    let required = true;
    for (let def = defOf(inner); ['optional', 'nullable', 'default'].includes(def.type); def = defOf(inner)) {
      if (def.type === 'nullable') readsNull = true;
      required = false;
      inner = def.innerType;
    }
    const kind = kindOf(inner, name in vectors);
    if (!kind) invalid(definition.name, name, `unsupported column type "${defOf(inner).type}"`);
    if (name === 'id' && (kind !== 'string' || !required))
      invalid(definition.name, 'id', 'expected a required z.string()');
    const dimensions = vectors[name];
    if (kind === 'vector') {
      if (dimensions === undefined || !Number.isInteger(dimensions) || dimensions < 1) {
        invalid(
          definition.name,
          `vectors.${name}`,
          'vector columns need a positive integer size in "vectors"',
        );
      }
      columns.push({ name, kind, readsNull, dimensions });
    } else {
      columns.push({ name, kind, readsNull });
    }
  }
  for (const name of Object.keys(vectors)) {
    if (!columns.some((column) => column.name === name && column.kind === 'vector')) {
      invalid(definition.name, `vectors.${name}`, 'no vectorColumn() of that name in the schema');
    }
  }
  for (const name of definition.fullText ?? []) {
    if (columns.find((column) => column.name === name)?.kind !== 'string') {
      invalid(definition.name, `fullText.${name}`, 'full-text columns must be string columns');
    }
  }
  return columns;
}

function kindOf(schema: unknown, declaredVector: boolean): ColumnKind | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return 'string';
    case 'enum':
    case 'literal': {
      const values = def.type === 'enum' ? Object.values(def.entries ?? {}) : (def.values ?? []);
      return values.every((value) => typeof value === 'string') ? 'string' : undefined;
    }
    case 'number':
    case 'boolean':
    case 'date':
      return def.type;
    case 'array':
      return defOf(def.element).type === 'string' ? 'stringList' : undefined;
    case 'custom':
      return declaredVector ? 'vector' : undefined;
    default:
      return undefined;
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is well-formed Unicode (no unpaired surrogate), as every persistent store needs. */
export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}

/** A copy that shares no mutable object (vector, date, list) with `value`. */
function copyValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (kind === 'vector') return Float32Array.from(value as Float32Array);
  if (kind === 'date') return new Date((value as Date).getTime());
  if (kind === 'stringList') return [...(value as string[])];
  return value;
}

/**
 * Validates rows against the schema and vector sizes (the same rules and errors as every store:
 * nothing is written when any row fails) and returns private copies to keep.
 */
export function encodeRows(
  definition: TableDefinition,
  columns: readonly ColumnSpec[],
  rows: readonly unknown[],
): StoredRow[] {
  if (!Array.isArray(rows)) throw new ConfigError(`table "${definition.name}": rows must be an array`);
  return rows.map((row, index) => {
    const result = definition.schema.safeParse(row);
    const where = `table "${definition.name}": invalid row ${index}`;
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)',
        message: issue.message,
      }));
      const detail = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      throw new ConfigError(`${where}: ${detail}; nothing was written`, issues, result.error);
    }
    const parsed = result.data as StoredRow;
    const stored: StoredRow = {};
    for (const column of columns) {
      const value = parsed[column.name];
      if (value === undefined || value === null) {
        stored[column.name] = null;
        continue;
      }
      checkValue(definition.name, index, column, value);
      stored[column.name] = copyValue(column.kind, value);
    }
    return stored;
  });
}

function checkValue(table: string, index: number, column: ColumnSpec, value: unknown): void {
  const where = `table "${table}": invalid row ${index}: ${column.name}`;
  if (column.kind === 'string' || column.kind === 'stringList') {
    const texts = column.kind === 'string' ? [value as string] : (value as string[]);
    if (!texts.every(isWellFormed)) {
      throw new ConfigError(`${where}: text has a lone UTF-16 surrogate; nothing was written`, [
        { path: column.name, message: 'not well-formed Unicode' },
      ]);
    }
  }
  if (column.kind === 'vector') {
    const vector = value as Float32Array;
    if (vector.length !== column.dimensions) {
      throw new DimensionMismatchError({
        expected: column.dimensions ?? 0,
        actual: vector.length,
        what: `table "${table}", row ${index}, column "${column.name}"`,
      });
    }
    if (!vector.every(Number.isFinite)) {
      throw new ConfigError(`${where}: a vector element is not finite; nothing was written`, [
        { path: column.name, message: 'non-finite vector element' },
      ]);
    }
  }
}

/** A stored row as callers read it: fresh copies, absent optional columns left out. */
export function decodeRow(columns: readonly ColumnSpec[], stored: StoredRow): StoredRow {
  const row: StoredRow = {};
  for (const column of columns) {
    const value = stored[column.name];
    if (value === null || value === undefined) {
      if (column.readsNull) row[column.name] = null;
      continue;
    }
    row[column.name] = copyValue(column.kind, value);
  }
  return row;
}
