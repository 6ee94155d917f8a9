import { describe, expect, it } from 'vitest';
import { zipfSifWeights } from './sif-weights.js';

describe('zipfSifWeights', () => {
  it('gives frequent words small weights and rare words weights near 1', () => {
    const weights = zipfSifWeights(100_000);
    expect(weights).toHaveLength(100_000);
    // H_100000 ≈ 12.09, so p(the) ≈ 0.083 and a / (a + p) ≈ 0.012.
    expect(weights[0]).toBeCloseTo(0.001 / (0.001 + 1 / 12.0901), 5);
    expect(weights[99_999]).toBeGreaterThan(0.99);
    let ascending = true;
    for (let index = 1; index < weights.length; index++) {
      if ((weights[index] as number) < (weights[index - 1] as number)) ascending = false;
    }
    expect(ascending).toBe(true);
  });

  it('uses the smoothing constant it is given', () => {
    const sharper = zipfSifWeights(1000, 1e-4);
    const smoother = zipfSifWeights(1000, 1e-2);
    expect(sharper[10]).toBeLessThan(smoother[10] as number);
  });
});
