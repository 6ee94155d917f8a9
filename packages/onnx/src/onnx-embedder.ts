import type { Tokenizer } from '@huggingface/tokenizers';
import { ConfigError, type EmbeddingModel, LociError, lociHome, normalize, parseWith } from '@loci/core';
import { z } from 'zod';
import { batches, checkEmbedInput } from './embed-input.js';
import { readModelFolder } from './model-folder.js';
import { modelDirectory, modelIdSchema } from './model-id.js';
import { createSession, type InferenceSession, type OrtModule } from './ort-session.js';
import { padTokenBatch } from './token-batch.js';

/** Options of `createOnnxEmbedder`: give `path` or `model`. */
export interface OnnxEmbedderOptions {
  /** A folder holding a sentence-transformers ONNX export: model.onnx (or onnx/model.onnx) + tokenizer.json. */
  path?: string;
  /** Instead of `path`: a model pulled with `loci models pull <id>`, found in `<home>/models/<id>/`. */
  model?: string;
  /** Loci home for `model`; default `LOCI_HOME` or `~/.loci`. */
  home?: string;
  /** Model id reported by the embedder; default the pulled id or the folder name. */
  modelId?: string;
  /** Tokens per text including special tokens; default from the folder's configs, else 512. */
  maxLength?: number;
  /** How token vectors become one vector; default from 1_Pooling/config.json, else 'mean'. */
  pooling?: 'mean' | 'cls';
  /** Texts per inference call; larger `embed` calls are split. Default 32. */
  batchSize?: number;
  /** Text put before queries / documents, for models trained with prefixes (e.g. E5: "query: "). */
  prefixes?: { query?: string; document?: string };
  /** Graph output holding token vectors (or pooled ones); default last_hidden_state, token_embeddings, else the first. */
  output?: string;
  /** onnxruntime intra-op threads. Default 1. */
  threads?: number;
}

const optionsSchema = z
  .strictObject({
    path: z.string().min(1).optional(),
    model: modelIdSchema.optional(),
    home: z.string().min(1).optional(),
    modelId: z.string().min(1).optional(),
    maxLength: z.number().int().min(2).max(1_000_000).optional(),
    pooling: z.enum(['mean', 'cls']).optional(),
    batchSize: z.number().int().min(1).max(65_536).optional(),
    prefixes: z.strictObject({ query: z.string().optional(), document: z.string().optional() }).optional(),
    output: z.string().min(1).optional(),
    threads: z.number().int().min(1).max(256).optional(),
  })
  .refine((value) => (value.path === undefined) !== (value.model === undefined), {
    message: 'give exactly one of path (a folder) or model (a pulled model id)',
    path: ['path'],
  });

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids']);

/** Special tokens the post-processor adds around a text, found by encoding a probe both ways. */
function specialTokenFrame(tokenizer: Tokenizer): { prefix: number; suffix: number } {
  // The package's .d.ts files use extension-less imports that NodeNext cannot follow, so `Encoding`
  // resolves to any: type the results here.
  const withSpecials: number[] = tokenizer.encode('hello world', { add_special_tokens: true }).ids;
  const without: number[] = tokenizer.encode('hello world', { add_special_tokens: false }).ids;
  for (let start = 0; start + without.length <= withSpecials.length; start++) {
    if (without.every((id, index) => withSpecials[start + index] === id)) {
      return { prefix: start, suffix: withSpecials.length - start - without.length };
    }
  }
  return { prefix: 0, suffix: 0 };
}

function padIdOf(tokenizer: Tokenizer, config: Record<string, unknown>): number {
  const configured = typeof config['pad_token'] === 'string' ? config['pad_token'] : undefined;
  for (const token of [configured, '[PAD]', '<pad>']) {
    const id = token === undefined ? undefined : tokenizer.token_to_id(token);
    if (id !== undefined) return id;
  }
  return 0;
}

/**
 * An `EmbeddingModel` over any sentence-transformers ONNX export in a local folder: tokenised with
 * the folder's tokenizer.json, run with onnxruntime, pooled over the attention mask and L2-normalised.
 */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<EmbeddingModel> {
  const config = parseWith(optionsSchema, options, 'onnx embedder options');
  const directory = config.path ?? modelDirectory(config.home ?? lociHome(), config.model as string);
  const hint = config.model
    ? `run \`loci models pull ${config.model}\` to download it again`
    : 'the folder needs a sentence-transformers ONNX export: model.onnx (or onnx/model.onnx) and tokenizer.json';
  const folder = await readModelFolder(directory, hint);

  const { Tokenizer } = await import('@huggingface/tokenizers');
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(
      {
        normalizer: null,
        pre_tokenizer: null,
        post_processor: null,
        decoder: null,
        added_tokens: [],
        ...folder.tokenizerJson,
      },
      folder.tokenizerConfig,
    );
  } catch (error) {
    throw new LociError(
      `model folder ${directory}: tokenizer.json cannot be used (${(error as Error).message}); ${hint}`,
      {
        code: 'model_folder_invalid',
        category: 'user',
        cause: error,
      },
    );
  }
  const frame = specialTokenFrame(tokenizer);
  const maxLength = config.maxLength ?? folder.maxLength ?? 512;
  if (maxLength <= frame.prefix + frame.suffix) {
    throw new ConfigError(`invalid onnx embedder options: maxLength: ${maxLength} leaves no room for text`, [
      { path: 'maxLength', message: 'leaves no room for text after the special tokens' },
    ]);
  }
  const pooling = config.pooling ?? folder.pooling ?? 'mean';
  const batchSize = config.batchSize ?? 32;
  const padId = padIdOf(tokenizer, folder.tokenizerConfig);

  const { ort, session } = await createSession(
    folder.modelPath,
    config.threads ? { threads: config.threads } : {},
  );
  const unknownInput = session.inputNames.find((name) => !KNOWN_INPUTS.has(name));
  if (unknownInput) {
    throw new LociError(
      `model folder ${directory}: the graph wants input "${unknownInput}"; Loci feeds input_ids, attention_mask and token_type_ids only`,
      { code: 'model_folder_invalid', category: 'user' },
    );
  }
  const outputName =
    config.output ??
    ['last_hidden_state', 'token_embeddings'].find((name) => session.outputNames.includes(name)) ??
    session.outputNames[0];
  if (!outputName || !session.outputNames.includes(outputName)) {
    throw new ConfigError(
      `invalid onnx embedder options: output: the graph has no output "${outputName}" (it has ${session.outputNames.join(', ')})`,
      [{ path: 'output', message: 'no such graph output' }],
    );
  }

  function encode(text: string): number[] {
    const ids: number[] = tokenizer.encode(text, { add_special_tokens: true }).ids;
    if (ids.length <= maxLength) return ids;
    // Keep the leading text and the closing special tokens ([SEP], </s>), as HF truncation does.
    return [...ids.slice(0, maxLength - frame.suffix), ...ids.slice(ids.length - frame.suffix)];
  }

  const run = (texts: readonly string[]) =>
    runBatch({ ort, session, outputName, pooling, padId, sequences: texts.map(encode) });

  // One probe inference tells the embedding width, whatever the graph's declared shapes say.
  const [probe] = await run(['hello world']);
  const dimensions = probe?.length ?? 0;
  if (dimensions === 0) {
    throw new LociError(`model folder ${directory}: output "${outputName}" gives no vector`, {
      code: 'model_folder_invalid',
      category: 'user',
    });
  }

  return {
    provider: 'onnx',
    modelId:
      config.modelId ??
      folder.modelId ??
      config.model ??
      directory.split(/[\\/]/).filter(Boolean).pop() ??
      'onnx',
    dimensions,
    maxBatchSize: batchSize,
    async embed(texts, embedOptions) {
      checkEmbedInput(texts, embedOptions);
      const prefix = config.prefixes?.[embedOptions.kind] ?? '';
      const vectors: Float32Array[] = [];
      for (const batch of batches(texts, batchSize)) {
        embedOptions.signal?.throwIfAborted();
        vectors.push(...(await run(batch.map((text) => prefix + text))));
      }
      embedOptions.signal?.throwIfAborted();
      return vectors;
    },
  };
}

async function runBatch(input: {
  ort: OrtModule;
  session: InferenceSession;
  outputName: string;
  pooling: 'mean' | 'cls';
  padId: number;
  sequences: number[][];
}): Promise<Float32Array[]> {
  const { ort, session, sequences } = input;
  const batch = padTokenBatch(sequences, input.padId);
  const shape = [batch.rows, batch.columns];
  const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', batch.ids, shape);
    else if (name === 'attention_mask')
      feeds[name] = new ort.Tensor(
        'int64',
        BigInt64Array.from(batch.mask, (value) => BigInt(value)),
        shape,
      );
    else feeds[name] = new ort.Tensor('int64', new BigInt64Array(batch.rows * batch.columns), shape);
  }
  const result = (await session.run(feeds))[input.outputName];
  if (result?.type !== 'float32') {
    throw new LociError(`output "${input.outputName}" is ${result?.type ?? 'missing'}, expected float32`, {
      code: 'model_output_invalid',
      category: 'system',
    });
  }
  const data = result.data as Float32Array;
  const vectors: Float32Array[] = [];
  if (result.dims.length === 2) {
    // Already pooled ([batch, dimensions], e.g. a sentence_embedding output).
    const width = result.dims[1] as number;
    for (let row = 0; row < batch.rows; row++)
      vectors.push(normalize(data.subarray(row * width, (row + 1) * width)));
    return vectors;
  }
  if (result.dims.length !== 3 || result.dims[1] !== batch.columns) {
    throw new LociError(
      `output "${input.outputName}" has shape [${result.dims.join(', ')}], expected [batch, tokens, dimensions]`,
      {
        code: 'model_output_invalid',
        category: 'system',
      },
    );
  }
  const width = result.dims[2] as number;
  for (let row = 0; row < batch.rows; row++) {
    const pooled = new Float32Array(width);
    const rowStart = row * batch.columns;
    if (input.pooling === 'cls') {
      pooled.set(data.subarray(rowStart * width, (rowStart + 1) * width));
    } else {
      let count = 0;
      for (let column = 0; column < batch.columns; column++) {
        if (batch.mask[rowStart + column] === 0) continue;
        count++;
        const offset = (rowStart + column) * width;
        for (let d = 0; d < width; d++) pooled[d] = (pooled[d] as number) + (data[offset + d] as number);
      }
      for (let d = 0; d < width; d++) pooled[d] = (pooled[d] as number) / Math.max(count, 1);
    }
    vectors.push(normalize(pooled));
  }
  return vectors;
}
