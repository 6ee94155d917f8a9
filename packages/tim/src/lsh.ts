import { ConfigError, seededRandom } from '@loci/core';

/**
 * Locality-sensitive hashing as Think-in-Memory has it: a seeded Gaussian matrix R (d × b/2) and
 * bucket(x) = argmax([xR; −xR]), b buckets. Multi-probe: the query's best few buckets (the
 * next-largest entries of [xR; −xR]), so neighbours just across a bucket border are still found.
 */
export interface Lsh {
  readonly dimensions: number;
  readonly buckets: number;
  readonly seed: number;
  /** Row-major d × (b/2): entry (i, j) at `i * (b / 2) + j`. */
  readonly matrix: Float32Array;
  /** [xR; −xR], b scores. */
  scores(vector: ArrayLike<number>): Float32Array;
  /** The bucket `vector` hashes to, in [0, buckets). */
  bucketOf(vector: ArrayLike<number>): number;
  /** The `probes` best buckets for `vector`, best first (the first is `bucketOf(vector)`). */
  probe(vector: ArrayLike<number>, probes: number): number[];
}

/** Shape of the hash; the same seed and sizes give the same buckets, so saved thoughts stay findable. */
export interface LshOptions {
  dimensions: number;
  /** Even, at least 2. */
  buckets: number;
  seed: number;
  /** A stored matrix (from `encodeMatrix`); generated from the seed when absent. */
  matrix?: Float32Array;
}

/** A standard normal draw (Box–Muller) from a uniform generator. */
function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Throws `ConfigError` when `dimensions` is not a positive integer or `buckets` not even and at least 2. */
export function createLsh(options: LshOptions): Lsh {
  const { dimensions, buckets, seed } = options;
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new ConfigError(`LSH dimensions must be a positive integer, got ${dimensions}`, [
      { path: 'dimensions', message: 'expected a positive integer' },
    ]);
  }
  if (!Number.isInteger(buckets) || buckets < 2 || buckets % 2 !== 0) {
    throw new ConfigError(`LSH buckets must be an even integer of at least 2, got ${buckets}`, [
      { path: 'buckets', message: 'expected an even integer >= 2' },
    ]);
  }
  const half = buckets / 2;
  let matrix = options.matrix;
  if (matrix === undefined) {
    const random = seededRandom(seed);
    matrix = new Float32Array(dimensions * half);
    for (let i = 0; i < matrix.length; i++) matrix[i] = gaussian(random);
  } else if (matrix.length !== dimensions * half) {
    throw new ConfigError(
      `stored LSH matrix has ${matrix.length} entries but ${dimensions} × ${half} were expected`,
      [{ path: 'matrix', message: 'wrong size' }],
    );
  }
  const weights = matrix;

  function scores(vector: ArrayLike<number>): Float32Array {
    const out = new Float32Array(buckets);
    const n = Math.min(dimensions, vector.length);
    for (let i = 0; i < n; i++) {
      const x = vector[i] as number;
      if (x === 0) continue;
      const row = i * half;
      for (let j = 0; j < half; j++) out[j] = (out[j] as number) + x * (weights[row + j] as number);
    }
    for (let j = 0; j < half; j++) out[j + half] = -(out[j] as number);
    return out;
  }

  function probe(vector: ArrayLike<number>, probes: number): number[] {
    const all = scores(vector);
    const order = Array.from({ length: buckets }, (_, bucket) => bucket);
    // Ties (a zero vector) break by bucket number, so the order is deterministic.
    order.sort((a, b) => (all[b] as number) - (all[a] as number) || a - b);
    return order.slice(0, Math.max(1, Math.min(buckets, Math.floor(probes))));
  }

  return {
    dimensions,
    buckets,
    seed,
    matrix: weights,
    scores,
    bucketOf(vector) {
      const all = scores(vector);
      let best = 0;
      for (let bucket = 1; bucket < buckets; bucket++)
        if ((all[bucket] as number) > (all[best] as number)) best = bucket;
      return best;
    },
    probe,
  };
}

/** The matrix as base64 of its little-endian float32 bytes, for storage with the memory. */
export function encodeMatrix(matrix: Float32Array): string {
  return Buffer.from(matrix.buffer, matrix.byteOffset, matrix.byteLength).toString('base64');
}

export function decodeMatrix(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
