import { type EmbeddingModel, norm } from '@loci/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface EmbeddingConformanceOptions {
  /** Largest per-component difference accepted between two embeddings of the same text. Default 1e-5. */
  tolerance?: number;
}

const sentences = [
  'The cat sat quietly on the warm mat by the window.',
  'Caroline went to an LGBTQ support group last Tuesday.',
  'Interest rates rose and bond yields climbed sharply.',
  "Melanie's kids don't like swimming in the cold lake.",
];

function expectClose(
  actual: Float32Array | undefined,
  expected: Float32Array | undefined,
  tolerance: number,
): void {
  if (!actual || !expected) throw new Error('expected two vectors');
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < actual.length; index++) {
    worst = Math.max(worst, Math.abs((actual[index] as number) - (expected[index] as number)));
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function cosineOf(a: Float32Array | undefined, b: Float32Array | undefined): number {
  if (!a || !b) throw new Error('expected two vectors');
  let dot = 0;
  for (let index = 0; index < a.length; index++) dot += (a[index] as number) * (b[index] as number);
  return dot / (norm(a) * norm(b));
}

/**
 * The contract every `EmbeddingModel` meets (see `@loci/core` embedding-model.ts). `make` creates
 * the model once for the suite; `cleanup` runs after it.
 */
export function describeEmbeddingModelConformance(
  name: string,
  make: () => Promise<{ model: EmbeddingModel; cleanup?: () => Promise<void> }>,
  options: EmbeddingConformanceOptions = {},
): void {
  const tolerance = options.tolerance ?? 1e-5;

  describe(`EmbeddingModel conformance: ${name}`, () => {
    let model: EmbeddingModel;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const made = await make();
      model = made.model;
      cleanup = made.cleanup;
    });

    afterAll(async () => {
      await cleanup?.();
    });

    it('describes itself', () => {
      expect(model.provider.length).toBeGreaterThan(0);
      expect(model.modelId.length).toBeGreaterThan(0);
      expect(Number.isInteger(model.dimensions) && model.dimensions > 0).toBe(true);
      expect(Number.isInteger(model.maxBatchSize) && model.maxBatchSize > 0).toBe(true);
    });

    it('returns one unit-length Float32Array of `dimensions` values per text, in order', async () => {
      const vectors = await model.embed(sentences, { kind: 'document' });
      expect(vectors).toHaveLength(sentences.length);
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector).toHaveLength(model.dimensions);
        expect(norm(vector)).toBeCloseTo(1, 4);
      }
      for (const [index, text] of sentences.entries()) {
        const [single] = await model.embed([text], { kind: 'document' });
        expectClose(vectors[index], single, tolerance);
      }
    });

    it('is deterministic', async () => {
      const first = await model.embed(sentences, { kind: 'query' });
      const second = await model.embed(sentences, { kind: 'query' });
      for (const [index, vector] of first.entries()) expectClose(vector, second[index], tolerance);
    });

    it('returns an empty list for no texts', async () => {
      expect(await model.embed([], { kind: 'document' })).toEqual([]);
    });

    it('gives an empty text a finite vector of unit or zero length', async () => {
      const [empty] = await model.embed([''], { kind: 'document' });
      expect(empty).toHaveLength(model.dimensions);
      expect(empty?.every((value) => Number.isFinite(value))).toBe(true);
      const length = norm(empty ?? []);
      expect(Math.abs(length - 1) < 1e-4 || length === 0).toBe(true);
    });

    it('accepts query and document kinds', async () => {
      for (const kind of ['query', 'document'] as const) {
        const [vector] = await model.embed([sentences[0] as string], { kind });
        expect(vector).toHaveLength(model.dimensions);
        expect(norm(vector ?? [])).toBeCloseTo(1, 4);
      }
    });

    it('splits calls above maxBatchSize and gives the same vectors as single calls', async () => {
      const count = model.maxBatchSize + 3;
      const texts = Array.from(
        { length: count },
        (_, index) =>
          `${sentences[index % sentences.length]} Note ${index} about ${['gardens', 'trains', 'music'][index % 3]}.`,
      );
      const vectors = await model.embed(texts, { kind: 'document' });
      expect(vectors).toHaveLength(count);
      // The batch boundary and both ends, checked against calls that carry one text each.
      for (const index of [0, model.maxBatchSize - 1, model.maxBatchSize, count - 1]) {
        const [single] = await model.embed([texts[index] as string], { kind: 'document' });
        expectClose(vectors[index], single, tolerance);
      }
    });

    it('rejects when the abort signal has fired', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(model.embed(sentences, { kind: 'document', signal: controller.signal })).rejects.toThrow();
    });

    it('puts similar sentences closer than unrelated ones', async () => {
      const [cat, kitten, bonds] = await model.embed(
        [
          'The cat sat quietly on the warm mat.',
          'A cat was sitting on the mat, quiet and warm.',
          'Quarterly bond yields climbed after the central bank decision.',
        ],
        { kind: 'document' },
      );
      expect(cosineOf(cat, kitten)).toBeGreaterThan(cosineOf(cat, bonds));
    });
  });
}
