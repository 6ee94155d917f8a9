/**
 * A small typed filter language. Stores compile it to their own query language with escaping;
 * caller values are always data, never query text. Field names are checked against the table's
 * schema by the store.
 */
export type FilterValue = string | number | boolean | Date;

export type Filter =
  | { op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'; field: string; value: FilterValue }
  | { op: 'in'; field: string; values: readonly FilterValue[] }
  | { op: 'isNull' | 'isNotNull'; field: string }
  /** The list column `field` contains `value` (e.g. a turn id in `sources`). */
  | { op: 'contains'; field: string; value: string }
  | { op: 'and' | 'or'; filters: readonly Filter[] }
  | { op: 'not'; filter: Filter };

export const where = {
  eq: (field: string, value: FilterValue): Filter => ({ op: 'eq', field, value }),
  ne: (field: string, value: FilterValue): Filter => ({ op: 'ne', field, value }),
  lt: (field: string, value: FilterValue): Filter => ({ op: 'lt', field, value }),
  lte: (field: string, value: FilterValue): Filter => ({ op: 'lte', field, value }),
  gt: (field: string, value: FilterValue): Filter => ({ op: 'gt', field, value }),
  gte: (field: string, value: FilterValue): Filter => ({ op: 'gte', field, value }),
  in: (field: string, values: readonly FilterValue[]): Filter => ({ op: 'in', field, values }),
  isNull: (field: string): Filter => ({ op: 'isNull', field }),
  isNotNull: (field: string): Filter => ({ op: 'isNotNull', field }),
  contains: (field: string, value: string): Filter => ({ op: 'contains', field, value }),
  and: (...filters: Filter[]): Filter => ({ op: 'and', filters }),
  or: (...filters: Filter[]): Filter => ({ op: 'or', filters }),
  not: (filter: Filter): Filter => ({ op: 'not', filter }),
};

/** Every field a filter mentions, for validation against a schema. */
export function filterFields(filter: Filter): string[] {
  switch (filter.op) {
    case 'and':
    case 'or':
      return filter.filters.flatMap(filterFields);
    case 'not':
      return filterFields(filter.filter);
    default:
      return [filter.field];
  }
}
