import { ConfigError, DimensionMismatchError, type TableDefinition } from '@loci/core';
import type { ColumnSpec } from './columns.js';
import { NAMESPACE_COLUMN, ROW_KEY_COLUMN, rowKeyOf } from './columns.js';

export type StoredRecord = Record<string, unknown>;

/**
 * Validates every row against the table's zod schema and vector sizes and returns the records to
 * write, each with the namespace. Throws on the first bad row, before anything is written.
 */
export function encodeRows(
  definition: TableDefinition,
  columns: readonly ColumnSpec[],
  namespace: string,
  rows: readonly unknown[],
  options: { rowKey: boolean } = { rowKey: true },
): StoredRecord[] {
  if (!Array.isArray(rows)) throw new ConfigError(`table "${definition.name}": rows must be an array`);
  const records: StoredRecord[] = [];
  rows.forEach((row, index) => {
    const result = definition.schema.safeParse(row);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)',
        message: issue.message,
      }));
      const detail = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      throw new ConfigError(
        `table "${definition.name}": invalid row ${index}: ${detail}; nothing was written`,
        issues,
        result.error,
      );
    }
    const parsed = result.data as Record<string, unknown>;
    const record: StoredRecord = { [NAMESPACE_COLUMN]: namespace };
    if (options.rowKey) record[ROW_KEY_COLUMN] = rowKeyOf(namespace, parsed['id'] as string);
    for (const column of columns) {
      const value = parsed[column.name];
      if (value === undefined || value === null) {
        record[column.name] = null;
        continue;
      }
      if (column.kind === 'string' || column.kind === 'stringList') {
        const strings = column.kind === 'string' ? [value as string] : (value as string[]);
        for (const text of strings) {
          const at = loneSurrogateAt(text);
          if (at >= 0) {
            throw new ConfigError(
              `table "${definition.name}": invalid row ${index}: ${column.name}: text has a lone UTF-16 surrogate at ` +
                `index ${at}, which UTF-8 storage cannot keep; nothing was written`,
              [{ path: column.name, message: 'not well-formed Unicode' }],
            );
          }
        }
      }
      if (column.kind === 'vector') {
        const vector = value as Float32Array;
        if (vector.length !== column.dimensions) {
          throw new DimensionMismatchError({
            expected: column.dimensions ?? 0,
            actual: vector.length,
            what: `table "${definition.name}", row ${index}, column "${column.name}"`,
          });
        }
        for (let i = 0; i < vector.length; i++) {
          if (!Number.isFinite(vector[i])) {
            throw new ConfigError(
              `table "${definition.name}": invalid row ${index}: ${column.name}: element ${i} is not finite; nothing was written`,
              [{ path: column.name, message: 'non-finite vector element' }],
            );
          }
        }
      }
      record[column.name] = value;
    }
    records.push(record);
  });
  return records;
}

/** Turns a row as LanceDB returns it (Arrow values) back into the shape the zod schema describes. */
export function decodeRow(
  columns: readonly ColumnSpec[],
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    const value = stored[column.name];
    if (value === null || value === undefined) {
      if (column.readsNull) row[column.name] = null;
      continue;
    }
    switch (column.kind) {
      case 'date':
        row[column.name] = new Date(value instanceof Date ? value.getTime() : Number(value));
        break;
      case 'stringList':
        row[column.name] = Array.from(value as Iterable<string>);
        break;
      case 'vector':
        row[column.name] = Float32Array.from(value as Iterable<number>);
        break;
      default:
        row[column.name] = value;
    }
  }
  return row;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Index of the first unpaired surrogate (text UTF-8 cannot represent), or -1. */
export function loneSurrogateAt(text: string): number {
  const match = loneSurrogate.exec(text);
  return match ? match.index : -1;
}
