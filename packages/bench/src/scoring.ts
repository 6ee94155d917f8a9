import { fitToBudget, type Recalled } from '@loci/core';

/**
 * Evidence recall within the first `k` turns' worth of items: an item covering several turns
 * uses that many of the k, so a method cannot win by returning bigger items.
 */
export function recallAtK(items: readonly Recalled[], evidence: readonly string[], k: number): number {
  if (evidence.length === 0) return 0;
  const found = new Set<string>();
  let used = 0;
  for (const item of items) {
    const cost = Math.max(1, new Set(item.sources).size);
    if (used + cost > k) break;
    used += cost;
    for (const source of item.sources) found.add(source);
  }
  return share(evidence, found);
}

/** Evidence recall within a token budget, and the tokens used. */
export interface BudgetResult {
  recall: number;
  /** Tokens of the items placed in context. */
  tokens: number;
}

/** Evidence recall of the items taken in rank order while their tokens fit in `budget`. */
export function recallAtBudget(
  items: readonly Recalled[],
  evidence: readonly string[],
  budget: number,
): BudgetResult {
  const placed = fitToBudget(items, { tokenBudget: budget });
  const found = new Set(placed.flatMap((item) => item.sources));
  const tokens = placed.reduce((sum, item) => sum + item.tokens, 0);
  return { recall: evidence.length === 0 ? 0 : share(evidence, found), tokens };
}

function share(evidence: readonly string[], found: ReadonlySet<string>): number {
  const unique = new Set(evidence);
  let hits = 0;
  for (const id of unique) if (found.has(id)) hits++;
  return hits / unique.size;
}
