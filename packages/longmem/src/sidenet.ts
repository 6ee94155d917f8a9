import { ConfigError, parseWith, seededRandom } from '@loci/core';
import { z } from 'zod';
import { listwiseLoss } from './listwise-loss.js';
import { type SideNetParameters, sideNetParameters } from './sidenet-parameters.js';

/**
 * The SideNet: score(q, c) = base(q, c) + g · f_θ(x(q, c)), where base is the frozen retriever's
 * cosine, x the candidate's features and f_θ a small MLP with a linear skip. The gate g starts at 0,
 * so an untrained SideNet ranks exactly like the frozen retriever (LongMem's residual
 * initialisation); learning never touches the frozen keys, only θ and g.
 */
export const sideNetVersion = 1;

/** A SideNet's saved form (JSON); loading checks `version` and `features` against this build. */
export interface SideNetWeights {
  version: number;
  /** Feature names, in order; weights only load against the same list. */
  features: string[];
  hidden: number;
  gate: number;
  /** hidden × features, row-major. */
  w1: number[];
  b1: number[];
  w2: number[];
  linear: number[];
  /** Examples and epochs of the last training, for inspection. */
  trainedOn?: { examples: number; epochs: number; source: string };
}

const weightsSchema = z.object({
  version: z.literal(sideNetVersion),
  features: z.array(z.string()).min(1),
  hidden: z.number().int().min(0).max(256),
  gate: z.number().finite(),
  w1: z.array(z.number().finite()),
  b1: z.array(z.number().finite()),
  w2: z.array(z.number().finite()),
  linear: z.array(z.number().finite()),
  trainedOn: z
    .object({ examples: z.number().int(), epochs: z.number().int(), source: z.string() })
    .optional(),
});

/** One listwise training example: a query's first-stage candidates and which of them are right. */
export interface SideNetExample {
  /** Frozen score of each candidate. */
  base: Float64Array;
  /** candidates × features, row-major. */
  features: Float64Array;
  /** Indices of the positive candidates (at least one). */
  positives: readonly number[];
}

export interface TrainOptions {
  epochs?: number;
  /**
   * Stop after this many optimiser steps (mini-batches of 16), whatever `epochs` says. A small
   * step budget keeps the SideNet near the frozen retriever when the training task is easier than
   * the real one (self-supervised pseudo-queries): early stopping as regularisation.
   */
  maxSteps?: number;
  learningRate?: number;
  /** Softmax temperature over candidate scores; cosines differ by hundredths, so it is small. */
  temperature?: number;
  /** L2 penalty on θ (not the gate), keeping weights small when examples are few. */
  weightDecay?: number;
  seed?: number;
  source?: string;
  signal?: AbortSignal;
}

/** What a training run did, to judge whether it learnt anything. */
export interface TrainReport {
  examples: number;
  epochs: number;
  steps: number;
  /** Mean listwise loss before the first and after the last epoch. */
  lossBefore: number;
  lossAfter: number;
}

export interface SideNet {
  readonly features: readonly string[];
  /** Final scores of candidates, written into `out` (length = candidates). */
  score(base: Float64Array, features: Float64Array, out?: Float64Array): Float64Array;
  train(examples: readonly SideNetExample[], options?: TrainOptions): TrainReport;
  /** Mean listwise loss over `examples` at the current weights. */
  loss(examples: readonly SideNetExample[], temperature?: number): number;
  toJSON(): SideNetWeights;
}

export interface CreateSideNetOptions {
  features: readonly string[];
  hidden?: number;
  seed?: number;
  /** Start from saved weights (validated; the feature list must match). */
  weights?: unknown;
}

export function createSideNet(options: CreateSideNetOptions): SideNet {
  const featureNames = [...options.features];
  const F = featureNames.length;
  let trainedOn: SideNetWeights['trainedOn'];
  let params: SideNetParameters;

  if (options.weights !== undefined) {
    const weights = parseWith(weightsSchema, options.weights, 'SideNet weights');
    params = loadParameters(weights, featureNames);
    trainedOn = weights.trainedOn;
  } else {
    params = sideNetParameters(F, options.hidden ?? 8);
    const H = params.hidden;
    const random = seededRandom(options.seed ?? 7);
    const scale = 1 / Math.sqrt(F);
    for (let i = 0; i < H * F; i++) params.w1[i] = (random() * 2 - 1) * scale;
    for (let h = 0; h < H; h++) params.w2[h] = (random() * 2 - 1) / Math.sqrt(Math.max(1, H));
    // With no hidden layer the linear part must start off zero, or gate and weights never move.
    if (H === 0) for (let f = 0; f < F; f++) params.linear[f] = (random() * 2 - 1) * scale;
  }

  const H = params.hidden;
  const { gate, linear, w1, b1, w2 } = params;
  const hiddenScratch = new Float64Array(H);

  /** f_θ(x) for candidate `c`; leaves tanh activations in `hiddenOut` for backprop. */
  function side(features: Float64Array, c: number, hiddenOut: Float64Array): number {
    const offset = c * F;
    let out = 0;
    for (let f = 0; f < F; f++) out += (linear[f] as number) * (features[offset + f] as number);
    for (let h = 0; h < H; h++) {
      let a = b1[h] as number;
      const row = h * F;
      for (let f = 0; f < F; f++) a += (w1[row + f] as number) * (features[offset + f] as number);
      const t = Math.tanh(a);
      hiddenOut[h] = t;
      out += (w2[h] as number) * t;
    }
    return out;
  }

  function score(base: Float64Array, features: Float64Array, out = new Float64Array(base.length)) {
    if (features.length !== base.length * F) {
      throw new RangeError(`expected ${base.length * F} feature values, got ${features.length}`);
    }
    const g = gate[0] as number;
    for (let c = 0; c < base.length; c++) {
      out[c] = g === 0 ? (base[c] as number) : (base[c] as number) + g * side(features, c, hiddenScratch);
    }
    return out;
  }

  function loss(examples: readonly SideNetExample[], temperature = 0.05): number {
    if (examples.length === 0) return 0;
    let total = 0;
    for (const example of examples) {
      total += listwiseLoss(
        score(example.base, example.features),
        new Set(example.positives),
        1 / temperature,
      );
    }
    return total / examples.length;
  }

  /** Adds the gradient of one example's loss to `gradient` (same layout as the parameters). */
  function accumulate(
    example: SideNetExample,
    inverseTemperature: number,
    gradient: SideNetParameters,
  ): void {
    const n = example.base.length;
    const g = gate[0] as number;
    const sides = new Float64Array(n);
    const hiddens = Array.from({ length: n }, () => new Float64Array(H));
    const scores = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      const s = side(example.features, c, hiddens[c] as Float64Array);
      sides[c] = s;
      scores[c] = (example.base[c] as number) + g * s;
    }
    const dScores = new Float64Array(n);
    listwiseLoss(scores, new Set(example.positives), inverseTemperature, dScores);
    for (let c = 0; c < n; c++) {
      const d = dScores[c] as number;
      if (d === 0) continue;
      gradient.gate[0] = (gradient.gate[0] as number) + d * (sides[c] as number);
      const dSide = d * g;
      if (dSide === 0) continue;
      const offset = c * F;
      for (let f = 0; f < F; f++) {
        gradient.linear[f] =
          (gradient.linear[f] as number) + dSide * (example.features[offset + f] as number);
      }
      const hidden = hiddens[c] as Float64Array;
      for (let h = 0; h < H; h++) {
        const t = hidden[h] as number;
        gradient.w2[h] = (gradient.w2[h] as number) + dSide * t;
        const dA = dSide * (w2[h] as number) * (1 - t * t);
        gradient.b1[h] = (gradient.b1[h] as number) + dA;
        const row = h * F;
        for (let f = 0; f < F; f++) {
          gradient.w1[row + f] =
            (gradient.w1[row + f] as number) + dA * (example.features[offset + f] as number);
        }
      }
    }
  }

  function train(examples: readonly SideNetExample[], trainOptions: TrainOptions = {}): TrainReport {
    const usable = examples.filter(
      (example) =>
        example.positives.length > 0 &&
        example.positives.length < example.base.length &&
        example.features.length === example.base.length * F,
    );
    const epochs = trainOptions.epochs ?? 30;
    const learningRate = trainOptions.learningRate ?? 0.02;
    const temperature = trainOptions.temperature ?? 0.05;
    const weightDecay = trainOptions.weightDecay ?? 1e-4;
    const inverseTemperature = 1 / temperature;
    const random = seededRandom(trainOptions.seed ?? 11);
    const lossBefore = loss(usable, temperature);
    const all = params.all;
    const gradient = sideNetParameters(F, H);
    // Adam's moment estimates, one per parameter.
    const m = new Float64Array(all.length);
    const v = new Float64Array(all.length);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    const order = usable.map((_, i) => i);
    const batchSize = 16;

    const maxSteps = trainOptions.maxSteps ?? Number.POSITIVE_INFINITY;
    let epoch = 0;
    for (; epoch < epochs && step < maxSteps; epoch++) {
      trainOptions.signal?.throwIfAborted();
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (let start = 0; start < order.length && step < maxSteps; start += batchSize) {
        gradient.all.fill(0);
        const batch = order.slice(start, start + batchSize);
        for (const index of batch) accumulate(usable[index] as SideNetExample, inverseTemperature, gradient);
        step++;
        const correction1 = 1 - beta1 ** step;
        const correction2 = 1 - beta2 ** step;
        for (let p = 0; p < all.length; p++) {
          let g = (gradient.all[p] as number) / batch.length;
          // Weight decay on θ only: the gate (index 0) is free to grow.
          if (p > 0) g += weightDecay * (all[p] as number);
          m[p] = beta1 * (m[p] as number) + (1 - beta1) * g;
          v[p] = beta2 * (v[p] as number) + (1 - beta2) * g * g;
          const update =
            (learningRate * ((m[p] as number) / correction1)) /
            (Math.sqrt((v[p] as number) / correction2) + 1e-8);
          all[p] = (all[p] as number) - update;
        }
      }
    }
    trainedOn = { examples: usable.length, epochs: epoch, source: trainOptions.source ?? 'unspecified' };
    return {
      examples: usable.length,
      epochs: epoch,
      steps: step,
      lossBefore,
      lossAfter: loss(usable, temperature),
    };
  }

  return {
    features: featureNames,
    score,
    train,
    loss,
    toJSON() {
      return {
        version: sideNetVersion,
        features: featureNames,
        hidden: H,
        gate: gate[0] as number,
        w1: [...w1],
        b1: [...b1],
        w2: [...w2],
        linear: [...linear],
        ...(trainedOn ? { trainedOn } : {}),
      };
    },
  };
}

/**
 * Saved weights as parameters for `featureNames`. Weights name their features, so a list in
 * another order loads with its columns moved to match (never silently misread); a list with other
 * features, or arrays of the wrong size, throw.
 */
function loadParameters(
  weights: z.output<typeof weightsSchema>,
  featureNames: readonly string[],
): SideNetParameters {
  const F = featureNames.length;
  const H = weights.hidden;
  const source = new Map(weights.features.map((name, index) => [name, index]));
  if (
    source.size !== weights.features.length ||
    F !== source.size ||
    !featureNames.every((name) => source.has(name))
  ) {
    throw new ConfigError(
      `SideNet weights were trained on features [${weights.features.join(', ')}] but this memory computes ` +
        `[${featureNames.join(', ')}]: retrain them (loci train sidenet) for this version`,
      [{ path: 'features', message: 'feature list differs' }],
    );
  }
  if (
    weights.w1.length !== H * F ||
    weights.b1.length !== H ||
    weights.w2.length !== H ||
    weights.linear.length !== F
  ) {
    throw new ConfigError('SideNet weights have the wrong shape for their feature list and hidden size', [
      { path: 'w1', message: 'shape mismatch' },
    ]);
  }
  const params = sideNetParameters(F, H);
  params.gate[0] = weights.gate;
  featureNames.forEach((name, f) => {
    const from = source.get(name) as number;
    params.linear[f] = weights.linear[from] as number;
    for (let h = 0; h < H; h++) params.w1[h * F + f] = weights.w1[h * F + from] as number;
  });
  params.b1.set(weights.b1);
  params.w2.set(weights.w2);
  return params;
}
