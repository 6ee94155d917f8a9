import { ConfigError, LociError, parseWith, seededRandom } from '@loci/core';
import { z } from 'zod';
import { type ContrastiveBatch, contrastiveLoss, type LossOptions } from './info-nce.js';
import { defaultRank, identityProjection, type Projection } from './projection.js';

/** One context (a thread, a document, a conversation): its keys and the anchors drawn from it. */
export interface TrainingContext {
  id: string;
  /** Key vectors of the context, all of one dimension. */
  keys: readonly Float32Array[];
  /** An anchor (a sentence key, or a labelled question) and the indices in `keys` of its positives. */
  anchors: readonly { vector: Float32Array; positives: readonly number[] }[];
}

/** Hyperparameters of `trainProjection`; out-of-range values throw `ConfigError`. */
export interface TrainProjectionOptions {
  /** d of crossbatch: contexts per batch, so each anchor meets keys of d − 1 other contexts. */
  contextsPerBatch?: number;
  anchorsPerContext?: number;
  /** Positives kept per anchor in a batch (drawn from its list). */
  positivesPerAnchor?: number;
  /** Extra keys drawn from each context of a batch, as negatives for the other contexts. */
  negativesPerContext?: number;
  rank?: number;
  temperature?: number;
  regularization?: number;
  learningRate?: number;
  /** Optimiser steps at most. */
  steps?: number;
  /** Wall-clock budget; training stops at the first step past it. */
  maxSeconds?: number;
  seed?: number;
  /** Start from these weights instead of the identity. */
  initial?: Projection;
  signal?: AbortSignal;
}

/** What a training run did, to judge whether it helped. */
export interface TrainProjectionReport {
  contexts: number;
  keys: number;
  anchors: number;
  steps: number;
  seconds: number;
  stoppedBy: 'steps' | 'time';
  /** Mean loss on fixed batches drawn before training, at the start and at the end. */
  lossBefore: number;
  lossAfter: number;
}

const optionsSchema = z.object({
  contextsPerBatch: z.number().int().min(2).max(256).default(16),
  anchorsPerContext: z.number().int().min(1).max(256).default(8),
  positivesPerAnchor: z.number().int().min(1).max(64).default(2),
  negativesPerContext: z.number().int().min(0).max(1024).default(16),
  rank: z.number().int().min(1).optional(),
  temperature: z.number().positive().max(10).default(0.05),
  regularization: z.number().min(0).default(0.05),
  learningRate: z.number().positive().max(1).default(0.01),
  steps: z.number().int().min(1).max(1_000_000).default(300),
  maxSeconds: z.number().positive().default(50),
  seed: z.number().int().default(1),
});

const validationBatches = 4;

/**
 * Trains P with crossbatch InfoNCE and Adam, in plain TypeScript on the CPU. Needs at least two
 * contexts (an anchor needs other contexts to be told apart from) and one anchor with a positive.
 * Runs to the end in one go; `trainProjectionInBackground` is the same training in slices.
 */
export function trainProjection(
  contexts: readonly TrainingContext[],
  options: TrainProjectionOptions = {},
): { projection: Projection; report: TrainProjectionReport } {
  const trainer = createTrainer(contexts, options);
  while (trainer.step()) {
    // every step runs here
  }
  return trainer.finish();
}

/**
 * `trainProjection` that hands the event loop back every `sliceMs` of work (default 20 ms), so
 * searches and writes of the same process keep being served while P trains. Same steps, same
 * result for the same seed.
 */
export async function trainProjectionInBackground(
  contexts: readonly TrainingContext[],
  options: TrainProjectionOptions & { sliceMs?: number } = {},
): Promise<{ projection: Projection; report: TrainProjectionReport }> {
  const { sliceMs = 20, ...rest } = options;
  const trainer = createTrainer(contexts, rest);
  let sliceStarted = performance.now();
  while (trainer.step()) {
    if (performance.now() - sliceStarted >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
  }
  return trainer.finish();
}

/** The training as a stepper: `step()` runs one optimiser step (false once done), `finish()` reports. */
function createTrainer(contexts: readonly TrainingContext[], options: TrainProjectionOptions) {
  const config = parseWith(
    optionsSchema,
    { ...options, initial: undefined, signal: undefined },
    'projection training options',
  );
  const dimensions = contexts.find((context) => context.keys.length > 0)?.keys[0]?.length ?? 0;
  const keys = contexts.reduce((sum, context) => sum + context.keys.length, 0);
  const anchors = contexts.reduce((sum, context) => sum + context.anchors.length, 0);
  if (keys === 0 || anchors === 0) {
    throw new LociError('nothing to train on: the memory has no keys with a positive pair', {
      code: 'fot_nothing_to_train',
      category: 'user',
    });
  }
  const usable = contexts.filter((context) => context.keys.length > 0);
  if (usable.length < 2) {
    throw new LociError(
      `training needs keys from at least two contexts (found ${usable.length}): add a negative pool, ` +
        'other threads, or labelled pairs from another context',
      { code: 'fot_one_context', category: 'user' },
    );
  }
  for (const context of usable) {
    for (const key of context.keys) {
      if (key.length !== dimensions) {
        throw new ConfigError(`context "${context.id}" has a ${key.length}-d key; expected ${dimensions}`);
      }
    }
  }
  const rank = Math.min(config.rank ?? defaultRank(dimensions), dimensions);
  const start = options.initial ?? identityProjection(dimensions, rank, config.seed);
  if (start.dimensions !== dimensions) {
    throw new ConfigError(`initial projection is ${start.dimensions}-d; the keys are ${dimensions}-d`);
  }
  const shape = { dimensions, rank: start.rank };
  const u = Float64Array.from(start.u);
  const v = Float64Array.from(start.v);
  const loss: LossOptions = { temperature: config.temperature, regularization: config.regularization };
  const sampler = batchSampler(usable, dimensions, config);
  const fixed = Array.from({ length: validationBatches }, (_, b) =>
    sampler(seededRandom(config.seed * 31 + b + 1)),
  );
  const meanLoss = () =>
    fixed.reduce((sum, batch) => sum + contrastiveLoss(batch, shape, u, v, loss, false).loss, 0) /
    fixed.length;
  const lossBefore = meanLoss();

  const adam = createAdam(u.length + v.length, config.learningRate);
  const random = seededRandom(config.seed);
  const started = performance.now();
  let steps = 0;
  let stoppedBy: 'steps' | 'time' = 'steps';
  return {
    step(): boolean {
      if (steps >= config.steps) return false;
      options.signal?.throwIfAborted();
      if ((performance.now() - started) / 1000 > config.maxSeconds) {
        stoppedBy = 'time';
        return false;
      }
      const { gradU, gradV } = contrastiveLoss(sampler(random), shape, u, v, loss);
      adam.step([u, v], [gradU, gradV]);
      steps++;
      return true;
    },
    finish(): { projection: Projection; report: TrainProjectionReport } {
      const projection: Projection = {
        dimensions,
        rank: shape.rank,
        u: Float32Array.from(u),
        v: Float32Array.from(v),
      };
      // The loss reported after training is the one of the weights as stored (Float32).
      u.set(projection.u);
      v.set(projection.v);
      return {
        projection,
        report: {
          contexts: usable.length,
          keys,
          anchors,
          steps,
          seconds: (performance.now() - started) / 1000,
          stoppedBy,
          lossBefore,
          lossAfter: meanLoss(),
        },
      };
    },
  };
}

function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  if (items.length <= count) return [...items];
  const copy = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

/** Draws crossbatch batches: d contexts, anchors with their positives, extra keys as negatives. */
function batchSampler(
  contexts: readonly TrainingContext[],
  dimensions: number,
  config: z.output<typeof optionsSchema>,
): (random: () => number) => ContrastiveBatch {
  const withAnchors = contexts.filter((context) => context.anchors.length > 0);
  const indices = contexts.map((_, index) => index);
  return (random) => {
    // At least one context with anchors; the rest drawn from all contexts.
    const first = withAnchors[Math.floor(random() * withAnchors.length)] as TrainingContext;
    const others = sample(
      indices.filter((index) => contexts[index] !== first),
      config.contextsPerBatch - 1,
      random,
    ).map((index) => contexts[index] as TrainingContext);
    const vectors: Float32Array[] = [];
    const labels: number[] = [];
    const anchors: { row: number; positives: number[] }[] = [];
    [first, ...others].forEach((context, label) => {
      const rowOfKey = new Map<number, number>();
      const keyRow = (key: number) => {
        let row = rowOfKey.get(key);
        if (row === undefined) {
          row = vectors.length;
          vectors.push(context.keys[key] as Float32Array);
          labels.push(label);
          rowOfKey.set(key, row);
        }
        return row;
      };
      for (const anchor of sample(context.anchors, config.anchorsPerContext, random)) {
        const row = vectors.length;
        vectors.push(anchor.vector);
        labels.push(label);
        const positives = sample(anchor.positives, config.positivesPerAnchor, random).map(keyRow);
        anchors.push({ row, positives });
      }
      const extra = sample(
        context.keys.map((_, key) => key),
        config.negativesPerContext,
        random,
      );
      for (const key of extra) keyRow(key);
    });
    const rows = new Float64Array(vectors.length * dimensions);
    for (let row = 0; row < vectors.length; row++) rows.set(vectors[row] as Float32Array, row * dimensions);
    return { rows, contexts: Int32Array.from(labels), anchors };
  };
}

function createAdam(size: number, learningRate: number) {
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  const m = new Float64Array(size);
  const s = new Float64Array(size);
  let t = 0;
  return {
    step(parameters: Float64Array[], gradients: Float64Array[]) {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      let offset = 0;
      parameters.forEach((p, index) => {
        const g = gradients[index] as Float64Array;
        for (let i = 0; i < p.length; i++) {
          const o = offset + i;
          const gi = g[i] as number;
          const mi = beta1 * (m[o] as number) + (1 - beta1) * gi;
          const si = beta2 * (s[o] as number) + (1 - beta2) * gi * gi;
          m[o] = mi;
          s[o] = si;
          p[i] = (p[i] as number) - (learningRate * (mi / c1)) / (Math.sqrt(si / c2) + epsilon);
        }
        offset += p.length;
      });
    },
  };
}
