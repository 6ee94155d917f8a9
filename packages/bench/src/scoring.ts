import type { Recalled } from '@loci/core';

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
  const found = new Set<string>();
  let tokens = 0;
  for (const item of items) {
    if (tokens + item.tokens > budget) break;
    tokens += item.tokens;
    for (const source of item.sources) found.add(source);
  }
  return { recall: evidence.length === 0 ? 0 : share(evidence, found), tokens };
}

function share(evidence: readonly string[], found: ReadonlySet<string>): number {
  const unique = new Set(evidence);
  let hits = 0;
  for (const id of unique) if (found.has(id)) hits++;
  return hits / unique.size;
}

/** Nearest-rank percentile (`p` in 0..100) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
