/**
 * The one percentile rule every Loci benchmark uses: nearest rank over the sorted values
 * (`p` in 0..100). No values have no percentile: `null`, which JSON keeps and text shows as "n/a".
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** What `summarizeLatencies` returns, in the unit of its input. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** Count, p50, p95 and max of some timings (any unit); `null` figures when there are none. */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length === 0 ? null : Math.max(...values),
  };
}

/** A figure for a text table: fixed decimals, or "n/a" when there is none. */
export function formatFigure(value: number | null, decimals = 1): string {
  return value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(decimals);
}
