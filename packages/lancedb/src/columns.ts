import { ConfigError, type TableDefinition } from '@loci/core';
import type { z } from 'zod';

/** What a table column holds, as far as storage and filtering are concerned. */
export type ColumnKind = 'string' | 'number' | 'boolean' | 'date' | 'stringList' | 'vector';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** The column may hold null (the zod type is optional, nullable or has a default). */
  nullable: boolean;
  /** A missing value reads back as `null` (zod `.nullable()`) rather than as an absent key. */
  readsNull: boolean;
  /** Vector columns only. */
  dimensions?: number;
}

/** The column the store adds to every table; callers never write it. */
export const NAMESPACE_COLUMN = 'namespace';

/**
 * A second store column: one string per (namespace, id), declared as the table's (unenforced)
 * primary key. LanceDB keys merge-insert conflict detection on a single primary-key column, so with
 * it two processes upserting the same new id retry instead of both inserting (measured: without
 * it, 3 concurrent upserts of 30 new ids left 90 rows).
 */
export const ROW_KEY_COLUMN = 'loci_key';

/** Unambiguous for any strings (NUL bytes included): a JSON array of the two. */
export function rowKeyOf(namespace: string, id: string): string {
  return JSON.stringify([namespace, id]);
}

// Names LanceDB reserves for computed columns start with an underscore (_distance, _score, _rowid).
const columnNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

interface ZodInternals {
  _zod: {
    def: { type: string; innerType?: unknown; element?: unknown; entries?: unknown; values?: unknown };
  };
}

function defOf(schema: unknown): ZodInternals['_zod']['def'] {
  return (schema as ZodInternals)._zod.def;
}

/**
 * Reads a table definition's zod schema into column specs, or throws a `ConfigError` naming the
 * first column whose type the store cannot hold.
 */
export function columnsOf(definition: TableDefinition): ColumnSpec[] {
  const vectors = definition.vectors ?? {};
  const shape = (definition.schema as z.ZodObject).shape as Record<string, unknown>;
  const columns: ColumnSpec[] = [];
  for (const [name, schema] of Object.entries(shape)) {
    const where = `table "${definition.name}", column "${name}"`;
    if (name === ROW_KEY_COLUMN) {
      throw new ConfigError(`${where}: "${ROW_KEY_COLUMN}" is added by the store; rename the column`, [
        { path: name, message: 'reserved column name' },
      ]);
    }
    if (!columnNamePattern.test(name)) {
      throw new ConfigError(`${where}: column names must match [A-Za-z][A-Za-z0-9_]{0,63}`, [
        { path: name, message: 'invalid column name' },
      ]);
    }
    let inner = schema;
    let nullable = false;
    let readsNull = false;
    for (;;) {
      const def = defOf(inner);
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') {
        nullable = true;
        if (def.type === 'nullable') readsNull = true;
        inner = def.innerType;
        continue;
      }
      break;
    }
    const kind = kindOf(inner, name in vectors, where);
    const dimensions = vectors[name];
    if (kind === 'vector') {
      if (dimensions === undefined || !Number.isInteger(dimensions) || dimensions < 1) {
        throw new ConfigError(`${where}: vector columns need a positive integer size in "vectors"`, [
          { path: `vectors.${name}`, message: 'missing or invalid dimensions' },
        ]);
      }
      columns.push({ name, kind, nullable, readsNull, dimensions });
    } else {
      columns.push({ name, kind, nullable, readsNull });
    }
  }
  for (const name of Object.keys(vectors)) {
    if (!columns.some((column) => column.name === name && column.kind === 'vector')) {
      throw new ConfigError(
        `table "${definition.name}": "vectors" names "${name}" but the schema has no vectorColumn() of that name`,
        [{ path: `vectors.${name}`, message: 'no such vector column' }],
      );
    }
  }
  const id = columns.find((column) => column.name === 'id');
  if (id?.kind !== 'string' || id.nullable) {
    throw new ConfigError(`table "${definition.name}": "id" must be a required z.string()`, [
      { path: 'id', message: 'expected a required string' },
    ]);
  }
  for (const name of definition.fullText ?? []) {
    const column = columns.find((candidate) => candidate.name === name);
    if (column?.kind !== 'string') {
      throw new ConfigError(`table "${definition.name}": fullText column "${name}" must be a string column`, [
        { path: `fullText.${name}`, message: 'not a string column' },
      ]);
    }
  }
  return columns;
}

function kindOf(schema: unknown, declaredVector: boolean, where: string): ColumnKind {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return 'string';
    case 'enum':
    case 'literal': {
      const values = def.type === 'enum' ? Object.values(def.entries as object) : (def.values as unknown[]);
      if (values.every((value) => typeof value === 'string')) return 'string';
      break;
    }
    case 'number':
      // Integers are stored as Float64 too: exact up to 2^53 and no BigInt in the rows callers see.
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'array':
      if (defOf(def.element).type === 'string') return 'stringList';
      break;
    case 'custom':
      if (declaredVector) return 'vector';
      break;
  }
  throw new ConfigError(
    `${where}: unsupported column type "${def.type}"; use string, number, int, boolean, date, ` +
      'array of strings or vectorColumn() (each optionally .optional()/.nullable())',
    [{ path: where, message: `unsupported type ${def.type}` }],
  );
}
