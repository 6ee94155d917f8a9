/** A value a filter compares a column with. */
export type FilterValue = string | number | boolean | Date;

/**
 * A small typed filter language. Stores compile it to their own query language with escaping;
 * caller values are always data, never query text. Field names are checked against the table's
 * schema by the store. Build filters with `where`.
 */
export type Filter =
  | { op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'; field: string; value: FilterValue }
  | { op: 'in'; field: string; values: readonly FilterValue[] }
  | { op: 'isNull' | 'isNotNull'; field: string }
  /** The list column `field` contains `value` (e.g. a turn id in `sources`). */
  | { op: 'contains'; field: string; value: string }
  | { op: 'and' | 'or'; filters: readonly Filter[] }
  | { op: 'not'; filter: Filter };

/** Builds `Filter`s, e.g. `where.and(where.eq('speaker', 'ana'), where.gte('at', since))`. */
export const where = {
  /** `field` equals `value`. */
  eq: (field: string, value: FilterValue): Filter => ({ op: 'eq', field, value }),
  /** `field` differs from `value`. */
  ne: (field: string, value: FilterValue): Filter => ({ op: 'ne', field, value }),
  /** `field` is less than `value`. */
  lt: (field: string, value: FilterValue): Filter => ({ op: 'lt', field, value }),
  /** `field` is at most `value`. */
  lte: (field: string, value: FilterValue): Filter => ({ op: 'lte', field, value }),
  /** `field` is greater than `value`. */
  gt: (field: string, value: FilterValue): Filter => ({ op: 'gt', field, value }),
  /** `field` is at least `value`. */
  gte: (field: string, value: FilterValue): Filter => ({ op: 'gte', field, value }),
  /** `field` equals one of `values`. */
  in: (field: string, values: readonly FilterValue[]): Filter => ({ op: 'in', field, values }),
  /** `field` is null or unset. */
  isNull: (field: string): Filter => ({ op: 'isNull', field }),
  /** `field` has a value. */
  isNotNull: (field: string): Filter => ({ op: 'isNotNull', field }),
  /** The list column `field` contains `value`. */
  contains: (field: string, value: string): Filter => ({ op: 'contains', field, value }),
  /** Every filter matches. */
  and: (...filters: Filter[]): Filter => ({ op: 'and', filters }),
  /** At least one filter matches. */
  or: (...filters: Filter[]): Filter => ({ op: 'or', filters }),
  /** The filter does not match. */
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
