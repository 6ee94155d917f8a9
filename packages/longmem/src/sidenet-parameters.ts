/**
 * All SideNet parameters live in one array (what the optimiser walks) with a named view per
 * part, so training code reads `linear[f]`, not an offset formula. The layout is
 * [gate, linear (F), w1 (H × F, row-major), b1 (H), w2 (H)].
 */
export interface SideNetParameters {
  /** Every parameter, in the layout above. */
  readonly all: Float64Array;
  /** Length 1: the residual gate g. */
  readonly gate: Float64Array;
  /** The linear skip, one weight per feature. */
  readonly linear: Float64Array;
  /** Hidden layer weights, hidden × features, row-major. */
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  /** Output weights of the hidden units. */
  readonly w2: Float64Array;
  readonly features: number;
  readonly hidden: number;
}

export function parameterCount(features: number, hidden: number): number {
  return 1 + features + hidden * features + hidden + hidden;
}

/** Named views over `all` (a fresh zeroed array by default). */
export function sideNetParameters(
  features: number,
  hidden: number,
  all = new Float64Array(parameterCount(features, hidden)),
): SideNetParameters {
  if (all.length !== parameterCount(features, hidden)) {
    throw new RangeError(
      `expected ${parameterCount(features, hidden)} SideNet parameters, got ${all.length}`,
    );
  }
  let offset = 0;
  const take = (length: number) => {
    const view = all.subarray(offset, offset + length);
    offset += length;
    return view;
  };
  return {
    all,
    gate: take(1),
    linear: take(features),
    w1: take(hidden * features),
    b1: take(hidden),
    w2: take(hidden),
    features,
    hidden,
  };
}
