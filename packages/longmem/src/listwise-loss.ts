/**
 * The SideNet's one loss: softmax over a query's candidate scores (at `1 / inverseTemperature`),
 * minus the log of the probability mass on the positives. When `gradient` is given it receives
 * d loss / d score for each candidate: (p_c − q_c) / temperature, with q the softmax restricted to
 * the positives.
 */
export function listwiseLoss(
  scores: Float64Array,
  positives: ReadonlySet<number>,
  inverseTemperature: number,
  gradient?: Float64Array,
): number {
  const n = scores.length;
  let max = -Infinity;
  for (let c = 0; c < n; c++) max = Math.max(max, (scores[c] as number) * inverseTemperature);
  const exps = new Float64Array(n);
  let all = 0;
  let positive = 0;
  for (let c = 0; c < n; c++) {
    const e = Math.exp((scores[c] as number) * inverseTemperature - max);
    exps[c] = e;
    all += e;
    if (positives.has(c)) positive += e;
  }
  if (gradient) {
    for (let c = 0; c < n; c++) {
      const e = exps[c] as number;
      gradient[c] = (e / all - (positives.has(c) ? e / positive : 0)) * inverseTemperature;
    }
  }
  return -Math.log(positive / all);
}
