/** Dot product; a longer vector's extra entries are ignored. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Euclidean length. */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot(a, b) / denominator;
}

/** A unit-length copy (all zeros stay zeros). */
export function normalize(a: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(a);
  const length = norm(out);
  if (length > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / length;
  return out;
}

/** Mean of equal-length vectors. */
export function mean(vectors: readonly ArrayLike<number>[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new RangeError('mean of no vectors');
  const out = new Float32Array(first.length);
  for (const vector of vectors)
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (vector[i] as number);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / vectors.length;
  return out;
}
