import { ConfigError, parseWith, seededRandom } from '@loci/core';
import { z } from 'zod';

/**
 * The SideNet: score(q, c) = base(q, c) + g · f_θ(x(q, c)), where base is the frozen retriever's
 * cosine, x the candidate's features and f_θ a small MLP with a linear skip. The gate g starts at 0,
 * so an untrained SideNet ranks exactly like the frozen retriever (LongMem's residual
 * initialisation); learning never touches the frozen keys, only θ and g.
 */
export const sideNetVersion = 1;

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
  let H = options.hidden ?? 8;
  let gate = 0;
  let w1: Float64Array;
  let b1: Float64Array;
  let w2: Float64Array;
  let linear: Float64Array;
  let trainedOn: SideNetWeights['trainedOn'];

  if (options.weights !== undefined) {
    const weights = parseWith(weightsSchema, options.weights, 'SideNet weights');
    if (weights.features.join(',') !== featureNames.join(',')) {
      throw new ConfigError(
        `SideNet weights were trained on features [${weights.features.join(', ')}] but this memory computes ` +
          `[${featureNames.join(', ')}]: retrain them (loci train sidenet) for this version`,
        [{ path: 'features', message: 'feature list differs' }],
      );
    }
    H = weights.hidden;
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
    gate = weights.gate;
    w1 = Float64Array.from(weights.w1);
    b1 = Float64Array.from(weights.b1);
    w2 = Float64Array.from(weights.w2);
    linear = Float64Array.from(weights.linear);
    trainedOn = weights.trainedOn;
  } else {
    const random = seededRandom(options.seed ?? 7);
    const scale = 1 / Math.sqrt(F);
    w1 = Float64Array.from({ length: H * F }, () => (random() * 2 - 1) * scale);
    b1 = new Float64Array(H);
    w2 = Float64Array.from({ length: H }, () => (random() * 2 - 1) / Math.sqrt(Math.max(1, H)));
    // With no hidden layer the linear part must start off zero, or gate and weights never move.
    linear =
      H === 0 ? Float64Array.from({ length: F }, () => (random() * 2 - 1) * scale) : new Float64Array(F);
  }

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
    for (let c = 0; c < base.length; c++) {
      out[c] =
        gate === 0 ? (base[c] as number) : (base[c] as number) + gate * side(features, c, hiddenScratch);
    }
    return out;
  }

  function exampleLoss(example: SideNetExample, inverseTemperature: number): number {
    const scores = score(example.base, example.features);
    let max = -Infinity;
    for (const s of scores) max = Math.max(max, s * inverseTemperature);
    let all = 0;
    let positive = 0;
    const positives = new Set(example.positives);
    for (let c = 0; c < scores.length; c++) {
      const e = Math.exp((scores[c] as number) * inverseTemperature - max);
      all += e;
      if (positives.has(c)) positive += e;
    }
    return -Math.log(positive / all);
  }

  function loss(examples: readonly SideNetExample[], temperature = 0.05): number {
    if (examples.length === 0) return 0;
    let total = 0;
    for (const example of examples) total += exampleLoss(example, 1 / temperature);
    return total / examples.length;
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
    // Parameters as one flat view for Adam: [gate, linear, w1, b1, w2].
    const size = 1 + F + H * F + H + H;
    const gradient = new Float64Array(size);
    const m = new Float64Array(size);
    const v = new Float64Array(size);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    const order = usable.map((_, i) => i);
    const batchSize = 16;
    const sides: Float64Array[] = [];
    const hiddens: Float64Array[] = [];

    const maxSteps = trainOptions.maxSteps ?? Number.POSITIVE_INFINITY;
    let epoch = 0;
    for (; epoch < epochs && step < maxSteps; epoch++) {
      trainOptions.signal?.throwIfAborted();
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      for (let start = 0; start < order.length && step < maxSteps; start += batchSize) {
        gradient.fill(0);
        const batch = order.slice(start, start + batchSize);
        for (const index of batch) {
          const example = usable[index] as SideNetExample;
          const n = example.base.length;
          while (sides.length < n) {
            sides.push(new Float64Array(1));
            hiddens.push(new Float64Array(H));
          }
          const logits = new Float64Array(n);
          let max = -Infinity;
          for (let c = 0; c < n; c++) {
            const s = side(example.features, c, hiddens[c] as Float64Array);
            (sides[c] as Float64Array)[0] = s;
            logits[c] = ((example.base[c] as number) + gate * s) * inverseTemperature;
            max = Math.max(max, logits[c] as number);
          }
          let all = 0;
          let positive = 0;
          const positives = new Set(example.positives);
          for (let c = 0; c < n; c++) {
            const e = Math.exp((logits[c] as number) - max);
            logits[c] = e;
            all += e;
            if (positives.has(c)) positive += e;
          }
          // d loss / d logit_c = p_c − q_c, with q the softmax restricted to the positives.
          for (let c = 0; c < n; c++) {
            const e = logits[c] as number;
            const d = (e / all - (positives.has(c) ? e / positive : 0)) * inverseTemperature;
            if (d === 0) continue;
            const s = (sides[c] as Float64Array)[0] as number;
            gradient[0] = (gradient[0] as number) + d * s;
            const dSide = d * gate;
            if (dSide === 0) continue;
            const offset = c * F;
            for (let f = 0; f < F; f++) {
              gradient[1 + f] =
                (gradient[1 + f] as number) + dSide * (example.features[offset + f] as number);
            }
            const hidden = hiddens[c] as Float64Array;
            for (let h = 0; h < H; h++) {
              const t = hidden[h] as number;
              const w2Index = 1 + F + H * F + H + h;
              gradient[w2Index] = (gradient[w2Index] as number) + dSide * t;
              const dA = dSide * (w2[h] as number) * (1 - t * t);
              const b1Index = 1 + F + H * F + h;
              gradient[b1Index] = (gradient[b1Index] as number) + dA;
              const row = 1 + F + h * F;
              for (let f = 0; f < F; f++) {
                gradient[row + f] =
                  (gradient[row + f] as number) + dA * (example.features[offset + f] as number);
              }
            }
          }
        }
        step++;
        const correction1 = 1 - beta1 ** step;
        const correction2 = 1 - beta2 ** step;
        for (let p = 0; p < size; p++) {
          let g = (gradient[p] as number) / batch.length;
          if (p > 0) g += weightDecay * read(p);
          m[p] = beta1 * (m[p] as number) + (1 - beta1) * g;
          v[p] = beta2 * (v[p] as number) + (1 - beta2) * g * g;
          const update =
            (learningRate * ((m[p] as number) / correction1)) /
            (Math.sqrt((v[p] as number) / correction2) + 1e-8);
          write(p, read(p) - update);
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

  function read(p: number): number {
    if (p === 0) return gate;
    if (p < 1 + F) return linear[p - 1] as number;
    if (p < 1 + F + H * F) return w1[p - 1 - F] as number;
    if (p < 1 + F + H * F + H) return b1[p - 1 - F - H * F] as number;
    return w2[p - 1 - F - H * F - H] as number;
  }

  function write(p: number, value: number): void {
    if (p === 0) gate = value;
    else if (p < 1 + F) linear[p - 1] = value;
    else if (p < 1 + F + H * F) w1[p - 1 - F] = value;
    else if (p < 1 + F + H * F + H) b1[p - 1 - F - H * F] = value;
    else w2[p - 1 - F - H * F - H] = value;
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
        gate,
        w1: [...w1],
        b1: [...b1],
        w2: [...w2],
        linear: [...linear],
        ...(trainedOn ? { trainedOn } : {}),
      };
    },
  };
}
