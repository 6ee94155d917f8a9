import { seededRandom } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createLsh, decodeMatrix, encodeMatrix } from './lsh.js';

function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function unit(vector: Float32Array): Float32Array {
  const length = Math.sqrt(dot(vector, vector));
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / length;
  return vector;
}

/**
 * Random vectors with the structure embeddings have: points scattered around topic centres. (On
 * isotropic noise with no neighbourhoods no hashing scheme beats scanning; see docs/tim.md.)
 */
function clusteredVectors(count: number, dimensions: number, seed: number, centres = 100, spread = 0.5) {
  const random = seededRandom(seed);
  const middle = Array.from({ length: centres }, () =>
    Float32Array.from({ length: dimensions }, () => gaussian(random)),
  );
  return () =>
    Array.from({ length: count }, () => {
      const centre = middle[Math.floor(random() * centres)] as Float32Array;
      const vector = new Float32Array(dimensions);
      for (let i = 0; i < dimensions; i++) vector[i] = (centre[i] as number) + spread * gaussian(random);
      return unit(vector);
    });
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Indices of the 10 highest scores among those `accept`ed, in one pass. */
function top10(scores: Float32Array, accept: (index: number) => boolean): number[] {
  const best: number[] = [];
  for (let index = 0; index < scores.length; index++) {
    if (!accept(index)) continue;
    const score = scores[index] as number;
    if (best.length === 10 && score <= (scores[best[9] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && (scores[best[at - 1] as number] as number) < score) at--;
    best.splice(at, 0, index);
    if (best.length > 10) best.pop();
  }
  return best;
}

describe('LSH', () => {
  it('gives the same buckets for the same seed, and other buckets for another seed', () => {
    const vectors = clusteredVectors(200, 32, 7)();
    const first = createLsh({ dimensions: 32, buckets: 16, seed: 42 });
    const again = createLsh({ dimensions: 32, buckets: 16, seed: 42 });
    const other = createLsh({ dimensions: 32, buckets: 16, seed: 43 });
    const buckets = vectors.map((vector) => first.bucketOf(vector));
    expect(vectors.map((vector) => again.bucketOf(vector))).toEqual(buckets);
    expect(vectors.map((vector) => other.bucketOf(vector))).not.toEqual(buckets);
    expect(new Set(buckets).size).toBeGreaterThan(8);
    for (const bucket of buckets) expect(bucket).toBeGreaterThanOrEqual(0);
    for (const bucket of buckets) expect(bucket).toBeLessThan(16);
  });

  it('is argmax of [xR; -xR], and probes the next-largest entries in order', () => {
    const lsh = createLsh({ dimensions: 8, buckets: 6, seed: 1 });
    const vector = unit(Float32Array.from([1, -2, 0.5, 0, 3, -1, 0.25, 2]));
    const scores = lsh.scores(vector);
    for (let j = 0; j < 3; j++) {
      let projection = 0;
      for (let i = 0; i < 8; i++) projection += (vector[i] as number) * (lsh.matrix[i * 3 + j] as number);
      expect(scores[j]).toBeCloseTo(projection, 5);
      expect(scores[j + 3]).toBeCloseTo(-projection, 5);
    }
    const order = [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number));
    expect(lsh.bucketOf(vector)).toBe(order[0]);
    expect(lsh.probe(vector, 3)).toEqual(order.slice(0, 3));
  });

  it('round-trips its matrix through storage', () => {
    const lsh = createLsh({ dimensions: 10, buckets: 8, seed: 9 });
    const stored = createLsh({
      dimensions: 10,
      buckets: 8,
      seed: 0,
      matrix: decodeMatrix(encodeMatrix(lsh.matrix)),
    });
    expect([...stored.matrix]).toEqual([...lsh.matrix]);
    expect(() => createLsh({ dimensions: 10, buckets: 8, seed: 0, matrix: new Float32Array(3) })).toThrow(
      /stored LSH/,
    );
    expect(() => createLsh({ dimensions: 10, buckets: 7, seed: 0 })).toThrow(/even/);
  });

  it('multi-probe recalls at least 0.95 of the exhaustive top-10 on 10k random vectors', () => {
    const dimensions = 64;
    const generate = clusteredVectors(10_000, dimensions, 3);
    const data = generate();
    const queries = generate().slice(0, 60);
    const lsh = createLsh({ dimensions, buckets: 16, seed: 0 });
    const buckets = Int32Array.from(data, (vector) => lsh.bucketOf(vector));
    const scores = queries.map((query) => Float32Array.from(data, (vector) => dot(vector, query)));
    const exact = scores.map((row) => new Set(top10(row, () => true)));
    let searched = 0;
    const recallWith = (probes: number) => {
      let found = 0;
      searched = 0;
      queries.forEach((query, q) => {
        const probed = new Set(lsh.probe(query, probes));
        for (const bucket of buckets) if (probed.has(bucket)) searched++;
        const approximate = top10(scores[q] as Float32Array, (index) => probed.has(buckets[index] as number));
        found += approximate.filter((index) => exact[q]?.has(index)).length;
      });
      return found / (queries.length * 10);
    };
    const single = recallWith(1);
    const multi = recallWith(6);
    expect(multi).toBeGreaterThanOrEqual(0.95);
    // …while searching well under half of the vectors.
    expect(searched / (queries.length * data.length)).toBeLessThan(0.45);
    // The paper's one bucket loses neighbours across bucket borders.
    expect(single).toBeLessThan(0.8);
  });
});
