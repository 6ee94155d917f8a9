import type { Recalled } from './memory.js';

/** Limits for `fitToBudget`; an unset limit does not cut. */
export interface FitOptions {
  /** At most this many items. */
  k?: number;
  /** Items are taken in rank order until the next one would pass this many tokens. */
  tokenBudget?: number;
}

/**
 * The one way a ranked list is cut for a prompt: the first `k` items, then items in rank order
 * while their tokens fit in `tokenBudget`. It stops at the first item that does not fit (a later,
 * smaller item is not taken), so the prompt keeps the ranking's order without gaps.
 */
export function fitToBudget<T extends Pick<Recalled, 'tokens'>>(
  items: readonly T[],
  options: FitOptions = {},
): T[] {
  const ranked = options.k === undefined ? items : items.slice(0, Math.max(0, options.k));
  const budget = options.tokenBudget;
  if (budget === undefined) return [...ranked];
  const fitted: T[] = [];
  let used = 0;
  for (const item of ranked) {
    if (used + item.tokens > budget) break;
    used += item.tokens;
    fitted.push(item);
  }
  return fitted;
}
