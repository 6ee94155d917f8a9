import { normalize } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { buildSifGraph, SIF_INPUT_IDS, SIF_INPUT_MASK, SIF_OUTPUT } from './glove-sif-graph.js';
import { createSession } from './ort-session.js';
import { padTokenBatch } from './token-batch.js';

// A 6-word, 4-d vocabulary with hand-picked vectors and SIF weights.
const dimensions = 4;
const matrix = Float32Array.from(
  [
    [1, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 3, 1],
    [1, 1, 1, 1],
    [-1, 0.5, 0, 2],
    [0.25, -4, 1, 0],
  ].flat(),
);
const weights = Float32Array.from([0.01, 0.5, 0.9, 1, 0.3, 0.7]);

/** The SIF embedding in plain JS: normalise(Σ weight · vector) (the mean's 1/n cancels). */
function expected(ids: readonly number[]): Float32Array {
  const sum = new Float32Array(dimensions);
  for (const id of ids)
    for (let d = 0; d < dimensions; d++)
      sum[d] = (sum[d] as number) + (weights[id] as number) * (matrix[id * dimensions + d] as number);
  return normalize(sum);
}

describe('SIF ONNX graph', () => {
  it('computes the weighted, masked, normalised mean of word vectors', async () => {
    const { ort, session } = await createSession(buildSifGraph({ matrix, weights, dimensions }));
    expect(session.inputNames).toEqual([SIF_INPUT_IDS, SIF_INPUT_MASK]);
    const sequences = [[0, 1, 2], [5], [], [3, 3, 4, 2, 1, 0], [4, 4]];
    const batch = padTokenBatch(sequences);
    const shape = [batch.rows, batch.columns];
    const result = await session.run({
      [SIF_INPUT_IDS]: new ort.Tensor('int64', batch.ids, shape),
      [SIF_INPUT_MASK]: new ort.Tensor('float32', batch.mask, shape),
    });
    const output = result[SIF_OUTPUT];
    expect(output?.dims).toEqual([sequences.length, dimensions]);
    const data = output?.data as Float32Array;
    sequences.forEach((ids, row) => {
      const actual = data.slice(row * dimensions, (row + 1) * dimensions);
      const want = expected(ids);
      for (let d = 0; d < dimensions; d++) expect(actual[d]).toBeCloseTo(want[d] as number, 5);
    });
    // The empty row is exactly zero, not NaN.
    expect([...data.slice(2 * dimensions, 3 * dimensions)]).toEqual([0, 0, 0, 0]);
    await session.release();
  });

  it('rejects a matrix that does not match the vocabulary', () => {
    expect(() => buildSifGraph({ matrix: new Float32Array(10), weights, dimensions })).toThrow(
      /expected 6 × 4/,
    );
  });
});
