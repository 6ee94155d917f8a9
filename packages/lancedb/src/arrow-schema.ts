import type * as Arrow from 'apache-arrow';
import { type ColumnSpec, NAMESPACE_COLUMN, ROW_KEY_COLUMN } from './columns.js';

export type ArrowModule = typeof Arrow;

function arrowType(arrow: ArrowModule, column: ColumnSpec): Arrow.DataType {
  switch (column.kind) {
    case 'string':
      return new arrow.Utf8();
    case 'number':
      return new arrow.Float64();
    case 'boolean':
      return new arrow.Bool();
    case 'date':
      return new arrow.TimestampMillisecond();
    case 'stringList':
      return new arrow.List(new arrow.Field('item', new arrow.Utf8(), true));
    case 'vector':
      return new arrow.FixedSizeList(
        column.dimensions ?? 0,
        new arrow.Field('item', new arrow.Float32(), true),
      );
  }
}

// Lance reads the unenforced primary key from this field metadata (1-based position in the key).
const primaryKeyMetadata = 'lance-schema:unenforced-primary-key:position';

/**
 * The Arrow schema of a table: the store's `namespace` and row-key columns, then the definition's
 * columns. `rowKey: false` describes tables written before the row key existed.
 */
export function arrowSchemaOf(
  arrow: ArrowModule,
  columns: readonly ColumnSpec[],
  options: { rowKey: boolean } = { rowKey: true },
): Arrow.Schema {
  const store = [new arrow.Field(NAMESPACE_COLUMN, new arrow.Utf8(), false)];
  if (options.rowKey) {
    store.push(
      new arrow.Field(ROW_KEY_COLUMN, new arrow.Utf8(), false, new Map([[primaryKeyMetadata, '1']])),
    );
  }
  return new arrow.Schema([
    ...store,
    ...columns.map((column) => new arrow.Field(column.name, arrowType(arrow, column), column.nullable)),
  ]);
}

/** Whether a table on disk has the row-key column (tables from before it do not). */
export function hasRowKey(schema: Arrow.Schema): boolean {
  return schema.fields.some((field) => field.name === ROW_KEY_COLUMN);
}

/**
 * What differs between a table found on disk and the schema a definition asks for, one line per
 * column; empty when they match.
 */
export function schemaDifferences(found: Arrow.Schema, expected: Arrow.Schema): string[] {
  const differences: string[] = [];
  const foundByName = new Map(found.fields.map((field) => [field.name, field]));
  for (const field of expected.fields) {
    const existing = foundByName.get(field.name);
    if (!existing) {
      differences.push(`column "${field.name}" is missing (expected ${describe(field)})`);
      continue;
    }
    foundByName.delete(field.name);
    if (describe(existing) !== describe(field)) {
      differences.push(`column "${field.name}" is ${describe(existing)} but ${describe(field)} was expected`);
    }
  }
  for (const name of foundByName.keys()) {
    differences.push(`column "${name}" is in the table but not in the definition`);
  }
  return differences;
}

function describe(field: Arrow.Field): string {
  return `${typeName(field.type)}${field.nullable ? ' (nullable)' : ''}`;
}

function typeName(type: Arrow.DataType): string {
  // Child field names and nullability of list items vary between writers; compare element types only.
  const children = type.children ?? [];
  const base = String(type)
    .replace(/<.*>$/, '')
    .replace(/\[\d+\]$/, '');
  const size = 'listSize' in type ? `[${String(type.listSize)}]` : '';
  return children.length > 0
    ? `${base}${size}<${children.map((child) => typeName(child.type)).join(', ')}>`
    : String(type);
}
