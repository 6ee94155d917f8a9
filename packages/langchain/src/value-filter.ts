/**
 * LangGraph's filter on item values: `{ field: value }` for equality, or operators
 * `$eq $ne $gt $gte $lt $lte $in $nin`. Values are JSON documents stored whole, so the filter is
 * applied to the decoded value; a dotted field name reads a nested value.
 */
const operators = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);

export class ValueFilterError extends Error {}

export function checkValueFilter(filter: Record<string, unknown> | undefined): void {
  if (filter === undefined) return;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ValueFilterError('search filter must be an object of field → value or { $op: value }');
  }
  for (const [field, condition] of Object.entries(filter)) {
    if (!isOperatorObject(condition)) continue;
    for (const op of Object.keys(condition)) {
      if (!operators.has(op)) {
        throw new ValueFilterError(
          `search filter on "${field}": unknown operator "${op}" (use ${[...operators].join(' ')})`,
        );
      }
    }
  }
}

export function matchesValueFilter(
  value: Record<string, unknown>,
  filter: Record<string, unknown> | undefined,
): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([field, condition]) =>
    matchesField(readField(value, field), condition),
  );
}

function matchesField(actual: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return sameValue(actual, condition);
  return Object.entries(condition).every(([op, expected]) => {
    switch (op) {
      case '$eq':
        return sameValue(actual, expected);
      case '$ne':
        return !sameValue(actual, expected);
      case '$gt':
        return compare(actual, expected, (a, b) => a > b);
      case '$gte':
        return compare(actual, expected, (a, b) => a >= b);
      case '$lt':
        return compare(actual, expected, (a, b) => a < b);
      case '$lte':
        return compare(actual, expected, (a, b) => a <= b);
      case '$in':
        return Array.isArray(expected) && expected.some((candidate) => sameValue(actual, candidate));
      case '$nin':
        return !Array.isArray(expected) || !expected.some((candidate) => sameValue(actual, candidate));
      default:
        return false;
    }
  });
}

function isOperatorObject(condition: unknown): condition is Record<string, unknown> {
  return (
    typeof condition === 'object' &&
    condition !== null &&
    !Array.isArray(condition) &&
    Object.keys(condition).length > 0 &&
    Object.keys(condition).every((key) => key.startsWith('$'))
  );
}

function readField(value: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(value, field)) return value[field];
  let current: unknown = value;
  for (const part of field.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}

/** A number, or a string that is one (LangGraph's stores compare `$gt` and the like numerically). */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Two strings compare as text (ISO dates order correctly); otherwise both sides must be numbers or
 * numeric strings, compared as numbers. Anything else (a missing field, null, an object) never matches.
 */
function compare(
  actual: unknown,
  expected: unknown,
  test: (a: number | string, b: number | string) => boolean,
): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    const [a, b] = [asNumber(actual), asNumber(expected)];
    return a !== undefined && b !== undefined ? test(a, b) : test(actual, expected);
  }
  const [a, b] = [asNumber(actual), asNumber(expected)];
  return a !== undefined && b !== undefined && test(a, b);
}
