import { type MatchCondition, validateNamespace } from '@langchain/langgraph-checkpoint';

/**
 * LangGraph namespaces are label arrays. LangGraph forbids ':' (and '.', NUL, empty labels) inside a
 * label, so labels joined by ':' name a path unambiguously; every prefix of a path is stored with the
 * item, so a prefix search is an exact `contains` on that list — never a string-prefix match that
 * would let ["user1"] see ["user10"].
 */
const separator = ':';

/**
 * LangGraph's label rules (strings, no '.', ':' or NUL, none empty). What else is checked follows
 * LangGraph's stores: an item is written under a non-empty namespace; reads and deletes may name any
 * namespace; the root "langgraph" is refused by `BaseStore.put` before the batch, never by the batch.
 */
export function checkNamespace(namespace: readonly string[], use: 'write' | 'read'): void {
  validateNamespace([...namespace], { allowEmpty: use === 'read', allowReservedRoot: true });
}

export function namespacePath(namespace: readonly string[]): string {
  return namespace.join(separator);
}

/** "a", "a:b", "a:b:c" for ["a","b","c"]. */
export function namespacePrefixes(namespace: readonly string[]): string[] {
  return namespace.map((_, index) => namespacePath(namespace.slice(0, index + 1)));
}

export function matchesCondition(namespace: readonly string[], condition: MatchCondition): boolean {
  const { path } = condition;
  if (path.length > namespace.length) return false;
  const offset = condition.matchType === 'prefix' ? 0 : namespace.length - path.length;
  return path.every((label, index) => label === '*' || namespace[offset + index] === label);
}
