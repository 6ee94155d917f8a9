import { describe, expect, it } from 'vitest';
import { listwiseLoss } from './listwise-loss.js';

describe('listwiseLoss', () => {
  it('is −log of the softmax mass on the positives', () => {
    const scores = Float64Array.from([0.3, 0.1, 0.2]);
    const exps = [...scores].map((s) => Math.exp(s * 2));
    const total = exps.reduce((a, b) => a + b, 0);
    expect(listwiseLoss(scores, new Set([0, 2]), 2)).toBeCloseTo(
      -Math.log(((exps[0] as number) + (exps[2] as number)) / total),
      12,
    );
  });

  it('writes the gradient with respect to each score (checked by finite differences)', () => {
    const scores = Float64Array.from([0.31, 0.12, 0.27, -0.05]);
    const positives = new Set([2]);
    const gradient = new Float64Array(scores.length);
    listwiseLoss(scores, positives, 20, gradient);
    const epsilon = 1e-6;
    for (let c = 0; c < scores.length; c++) {
      const up = Float64Array.from(scores);
      const down = Float64Array.from(scores);
      up[c] = (up[c] as number) + epsilon;
      down[c] = (down[c] as number) - epsilon;
      const numeric = (listwiseLoss(up, positives, 20) - listwiseLoss(down, positives, 20)) / (2 * epsilon);
      expect(gradient[c]).toBeCloseTo(numeric, 5);
    }
  });
});
