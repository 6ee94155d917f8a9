import { countTokens } from '@loci/core';

/**
 * `countTokens` with a small LRU cache. The big parts of the prompt (instructions, core memory,
 * summary, recalled memory) repeat from call to call and tokenizing them each time would be most
 * of the agent's own time per step.
 */
export function createTokenMemo(capacity = 64): (text: string) => number {
  const cache = new Map<string, number>();
  return (text) => {
    const cached = cache.get(text);
    if (cached !== undefined) {
      cache.delete(text);
      cache.set(text, cached);
      return cached;
    }
    const tokens = countTokens(text);
    cache.set(text, tokens);
    if (cache.size > capacity) cache.delete(cache.keys().next().value as string);
    return tokens;
  };
}
