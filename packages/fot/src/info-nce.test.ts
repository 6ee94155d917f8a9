import { seededRandom } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { type ContrastiveBatch, contrastiveLoss } from './info-nce.js';

function randomArray(length: number, random: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => (random() * 2 - 1) * scale);
}

describe('contrastiveLoss', () => {
  const d = 6;
  const r = 3;
  const random = seededRandom(3);
  const batch: ContrastiveBatch = {
    rows: randomArray(8 * d, random),
    contexts: Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2]),
    anchors: [
      { row: 0, positives: [1] },
      { row: 3, positives: [4, 5] },
      { row: 6, positives: [7] },
    ],
  };
  const options = { temperature: 0.3, regularization: 0.05 };

  it('has the gradient finite differences give', () => {
    const u = randomArray(d * r, random, 0.3);
    const v = randomArray(d * r, random, 0.3);
    const { gradU, gradV } = contrastiveLoss(batch, { dimensions: d, rank: r }, u, v, options);
    const h = 1e-6;
    for (const [parameter, gradient] of [
      [u, gradU],
      [v, gradV],
    ] as const) {
      for (let i = 0; i < parameter.length; i++) {
        const kept = parameter[i] as number;
        parameter[i] = kept + h;
        const up = contrastiveLoss(batch, { dimensions: d, rank: r }, u, v, options, false).loss;
        parameter[i] = kept - h;
        const down = contrastiveLoss(batch, { dimensions: d, rank: r }, u, v, options, false).loss;
        parameter[i] = kept;
        expect(gradient[i]).toBeCloseTo((up - down) / (2 * h), 5);
      }
    }
  });

  it('leaves same-context rows that are not positives out of an anchor’s softmax', () => {
    const u = new Float64Array(d * r);
    const v = randomArray(d * r, random);
    const base = contrastiveLoss(batch, { dimensions: d, rank: r }, u, v, options, false).loss;
    // Row 2 belongs to context 0 and is no positive of anchor 0: moving it changes nothing for
    // anchor 0, and it is a negative of the other anchors, so only their terms may move.
    const moved: ContrastiveBatch = {
      ...batch,
      anchors: [{ row: 0, positives: [1] }],
      rows: Float64Array.from(batch.rows),
    };
    const before = contrastiveLoss(moved, { dimensions: d, rank: r }, u, v, options, false).loss;
    for (let i = 0; i < d; i++) moved.rows[2 * d + i] = random();
    const after = contrastiveLoss(moved, { dimensions: d, rank: r }, u, v, options, false).loss;
    expect(after).toBe(before);
    expect(Number.isFinite(base)).toBe(true);
  });
});
