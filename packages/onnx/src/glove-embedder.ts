import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type EmbeddingModel, lociHome, parseWith } from '@loci/core';
import { z } from 'zod';
import { batches, checkEmbedInput } from './embed-input.js';
import { ensureGloveModel, GLOVE_DIMENSIONS, GLOVE_MODEL_ID, gloveFilesStamp } from './glove-model.js';
import { SIF_INPUT_IDS, SIF_INPUT_MASK, SIF_OUTPUT } from './glove-sif-graph.js';
import { createGloveTokenizer, type GloveTokenizer } from './glove-tokenizer.js';
import { createSession } from './ort-session.js';
import type { ProgressListener } from './progress.js';
import { padTokenBatch } from './token-batch.js';

/** Options of `createGloveEmbedder`; all optional. */
export interface GloveEmbedderOptions {
  /** Loci home holding `models/glove-sif-100d/`; default `LOCI_HOME` or `~/.loci`. */
  home?: string;
  /** Build and verification progress (the first use builds the model: a few seconds). */
  onProgress?: ProgressListener;
  /** Texts per inference call; larger `embed` calls are split. Default 256. */
  maxBatchSize?: number;
  /** Known words per text; the rest is ignored. Default 512. */
  maxLength?: number;
  /** onnxruntime intra-op threads. Default 1. */
  threads?: number;
}

const optionsSchema = z.strictObject({
  home: z.string().min(1).optional(),
  onProgress: z
    .custom<ProgressListener>((value) => typeof value === 'function', 'expected a function')
    .optional(),
  maxBatchSize: z.number().int().min(1).max(65_536).optional(),
  maxLength: z.number().int().min(1).max(65_536).optional(),
  threads: z.number().int().min(1).max(256).optional(),
});

type GloveRuntime = Awaited<ReturnType<typeof createSession>> & { tokenizer: GloveTokenizer };

/**
 * Loaded sessions and vocabularies, shared by every embedder of this process that uses the same
 * files (a session holds the 138 MB matrix). The key includes the files' stamp, so a rebuilt model
 * gets a fresh session.
 */
const runtimes = new Map<string, Promise<GloveRuntime>>();

async function loadGloveRuntime(
  modelPath: string,
  vocabularyPath: string,
  threads: number,
): Promise<GloveRuntime> {
  const key = `${modelPath}|${await gloveFilesStamp(dirname(modelPath))}|${threads}`;
  let runtime = runtimes.get(key);
  if (!runtime) {
    runtime = (async () => {
      const words = (await readFile(vocabularyPath, 'utf8')).split('\n');
      const tokenizer = createGloveTokenizer(new Map(words.map((word, index) => [word, index])));
      return { ...(await createSession(modelPath, { threads })), tokenizer };
    })();
    runtimes.set(key, runtime);
    runtime.catch(() => runtimes.delete(key));
  }
  return runtime;
}

/**
 * The built-in `glove-sif-100d` embedder: GloVe 6B 100-d word vectors combined with SIF weights
 * (Arora et al. 2017, without the common-component removal) and L2-normalised, run as an ONNX graph.
 * Symmetric: queries and documents are embedded alike. A text with no known word (empty, only
 * punctuation or numbers, another script) gets the all-zero vector.
 */
export async function createGloveEmbedder(options: GloveEmbedderOptions = {}): Promise<EmbeddingModel> {
  const config = parseWith(optionsSchema, options, 'glove-sif-100d options');
  const maxBatchSize = config.maxBatchSize ?? 256;
  const maxLength = config.maxLength ?? 512;
  const files = await ensureGloveModel({
    home: config.home ?? lociHome(),
    ...(config.onProgress ? { onProgress: config.onProgress } : {}),
  });
  const { ort, session, tokenizer } = await loadGloveRuntime(
    files.modelPath,
    files.vocabularyPath,
    config.threads ?? 1,
  );

  return {
    provider: 'onnx',
    modelId: GLOVE_MODEL_ID,
    dimensions: GLOVE_DIMENSIONS,
    maxBatchSize,
    async embed(texts, embedOptions) {
      checkEmbedInput(texts, embedOptions);
      const vectors: Float32Array[] = [];
      for (const batch of batches(texts, maxBatchSize)) {
        embedOptions.signal?.throwIfAborted();
        const tokens = padTokenBatch(batch.map((text) => tokenizer.encode(text, maxLength)));
        const shape = [tokens.rows, tokens.columns];
        const result = await session.run({
          [SIF_INPUT_IDS]: new ort.Tensor('int64', tokens.ids, shape),
          [SIF_INPUT_MASK]: new ort.Tensor('float32', tokens.mask, shape),
        });
        const output = result[SIF_OUTPUT]?.data as Float32Array;
        for (let row = 0; row < tokens.rows; row++) {
          vectors.push(output.slice(row * GLOVE_DIMENSIONS, (row + 1) * GLOVE_DIMENSIONS));
        }
      }
      embedOptions.signal?.throwIfAborted();
      return vectors;
    },
  };
}
