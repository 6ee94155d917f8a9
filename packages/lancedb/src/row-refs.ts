import { namespaceClause, sqlIdentifier, sqlString } from './filter-sql.js';

/** A row as the store addresses it: ids are unique within a namespace only. */
export interface RowRef {
  namespace: string;
  id: string;
}

/** `IN` lists are sent in slices so a statement stays small however many ids a caller passes. */
export const ID_SLICE = 500;

/** `ids` cut into consecutive slices of at most `size`. */
export function idSlices(ids: readonly string[], size: number = ID_SLICE): string[][] {
  const slices: string[][] = [];
  for (let start = 0; start < ids.length; start += size) slices.push(ids.slice(start, start + size));
  return slices;
}

/** `` `id` IN ('a', 'b') `` with escaped literals; `ids` must not be empty. */
export function idInClause(ids: readonly string[]): string {
  return `${sqlIdentifier('id')} IN (${ids.map(sqlString).join(', ')})`;
}

/** Matches exactly the given rows: one `(namespace AND id IN ...)` group per namespace. */
export function rowsClause(rows: readonly RowRef[]): string {
  const byNamespace = new Map<string, string[]>();
  for (const row of rows) {
    const ids = byNamespace.get(row.namespace) ?? [];
    ids.push(row.id);
    byNamespace.set(row.namespace, ids);
  }
  return [...byNamespace]
    .map(([namespace, ids]) => `(${namespaceClause(namespace)} AND ${idInClause(ids)})`)
    .join(' OR ');
}
