import { DimensionMismatchError, seededRandom } from '@loci/core';

/**
 * The focusing map over frozen keys: P = I + U Vᵀ, with U and V of size d × rank (row-major).
 * U starts at zero, so a fresh projection is exactly the identity and an untrained memory is plain
 * dense retrieval; training moves U and V. A low rank keeps training and re-projection linear in d
 * (d · rank per vector instead of d²), which is what lets 1536-d keys train on two cores.
 */
export interface Projection {
  readonly dimensions: number;
  readonly rank: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
}

/** Rank used when none is given: full rank for small embeddings, 64 above that. */
export function defaultRank(dimensions: number): number {
  return Math.min(dimensions, 64);
}

/** P = I: U is zero; V is a seeded Gaussian so that training has directions to start from. */
export function identityProjection(dimensions: number, rank = defaultRank(dimensions), seed = 1): Projection {
  if (!Number.isInteger(dimensions) || dimensions < 1) throw new RangeError('dimensions must be ≥ 1');
  if (!Number.isInteger(rank) || rank < 1 || rank > dimensions) {
    throw new RangeError(`rank must be a whole number from 1 to ${dimensions}`);
  }
  const random = seededRandom(seed);
  const v = new Float32Array(dimensions * rank);
  const scale = 1 / Math.sqrt(dimensions);
  for (let i = 0; i < v.length; i += 2) {
    // Box–Muller: two normal draws per pair of uniforms.
    const radius = Math.sqrt(-2 * Math.log(1 - random())) * scale;
    const angle = 2 * Math.PI * random();
    v[i] = radius * Math.cos(angle);
    if (i + 1 < v.length) v[i + 1] = radius * Math.sin(angle);
  }
  return { dimensions, rank, u: new Float32Array(dimensions * rank), v };
}

/** True when P is exactly the identity (U all zero): keys are then the frozen ones, untouched. */
export function isIdentity(projection: Projection): boolean {
  for (const value of projection.u) if (value !== 0) return false;
  return true;
}

/**
 * A function computing P·x normalised to unit length (scores stay cosines whatever P's scale). The
 * identity returns an exact copy of `x`, not a renormalised one, so an untrained projection changes
 * no bit of a key.
 */
export function projector(projection: Projection): (x: ArrayLike<number>) => Float32Array {
  const { dimensions: d, rank: r, u, v } = projection;
  const identity = isIdentity(projection);
  const t = new Float64Array(r);
  const y = new Float64Array(d);
  return (x) => {
    if (x.length !== d) {
      throw new DimensionMismatchError({ expected: d, actual: x.length, what: 'vector to project' });
    }
    if (identity) return Float32Array.from(x);
    t.fill(0);
    for (let i = 0; i < d; i++) {
      const xi = x[i] as number;
      if (xi === 0) continue;
      const row = i * r;
      for (let k = 0; k < r; k++) t[k] = (t[k] as number) + xi * (v[row + k] as number);
    }
    let squared = 0;
    for (let i = 0; i < d; i++) {
      let sum = x[i] as number;
      const row = i * r;
      for (let k = 0; k < r; k++) sum += (u[row + k] as number) * (t[k] as number);
      y[i] = sum;
      squared += sum * sum;
    }
    const length = Math.sqrt(squared);
    const out = new Float32Array(d);
    if (length > 0) for (let i = 0; i < d; i++) out[i] = (y[i] as number) / length;
    return out;
  };
}

/** One vector through `projector`. */
export function applyProjection(projection: Projection, x: ArrayLike<number>): Float32Array {
  return projector(projection)(x);
}
