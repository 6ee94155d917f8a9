import {
  ConfigError,
  DimensionMismatchError,
  type EmbeddingModel,
  type EmbedOptions,
  normalize,
  ProviderError,
} from '@loci/core';
import { z } from 'zod';
import { parseReplyBody } from './chat-reply.js';
import { describeEndpoint } from './client.js';
import { connectEndpoint } from './endpoint.js';
import { knownEmbeddingDimensions } from './known-models.js';
import { type OpenAIEmbedderOptions, parseEmbedderOptions } from './options.js';
import { timedAttempt, withRetries } from './retry.js';

const embeddingResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ index: z.int().min(0).optional(), embedding: z.array(z.number()) })),
});

const defaultMaxBatchSize = 256;

/** An `EmbeddingModel` over the `openai` SDK's embeddings endpoint (OpenAI, Ollama, vLLM, …). */
export function createOpenAIEmbedder(input: OpenAIEmbedderOptions): EmbeddingModel {
  const options = parseEmbedderOptions(input);
  const configuredDimensions = options.dimensions ?? knownEmbeddingDimensions(options.model);
  if (configuredDimensions === undefined) {
    throw new ConfigError(
      `invalid OpenAI embedder options: dimensions: required for model "${options.model}", whose vector size Loci does not know`,
      [{ path: 'dimensions', message: 'required for an unknown model' }],
    );
  }
  const dimensions: number = configuredDimensions;
  const endpoint = connectEndpoint(options, 'OpenAI embedder options');
  const { client, baseURL, policy, timeout } = endpoint;
  const hooks = endpoint.hooks('embeddings');
  const maxBatchSize = options.maxBatchSize ?? defaultMaxBatchSize;
  // Only the text-embedding-3 family can shorten its vectors; other models reject the parameter.
  const sendDimensions = options.dimensions !== undefined && options.model.startsWith('text-embedding-3');
  const what = `embeddings (${options.model} at ${describeEndpoint(baseURL)})`;

  async function embedBatch(texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const waitSettings = { timeoutMs: timeout, signal, hooks, maxAttempts: policy.maxRetries + 1 };
    const body = await withRetries(
      what,
      policy,
      signal,
      (attempt) =>
        timedAttempt(what, waitSettings, attempt, async (attemptSignal) => {
          const response = await client.embeddings
            .create(
              {
                model: options.model,
                input: texts,
                encoding_format: 'float',
                ...(sendDimensions ? { dimensions } : {}),
              },
              { timeout, signal: attemptSignal },
            )
            .asResponse();
          return parseReplyBody(embeddingResponseSchema, await response.text(), what);
        }),
      hooks,
    );
    if (body.data.length !== texts.length) {
      throw new ProviderError(
        `${what}: sent ${texts.length} texts but got ${body.data.length} vectors back`,
        {
          code: 'invalid_reply',
        },
      );
    }
    const ordered = body.data.every((item) => item.index !== undefined)
      ? [...body.data].sort((a, b) => (a.index as number) - (b.index as number))
      : body.data;
    return ordered.map((item, position) => {
      if (item.embedding.length !== dimensions) {
        throw new DimensionMismatchError({
          expected: dimensions,
          actual: item.embedding.length,
          what: `embedding ${position} from ${options.model}`,
        });
      }
      if (!item.embedding.every(Number.isFinite)) {
        throw new ProviderError(`${what}: embedding ${position} holds a value that is not a finite number`, {
          code: 'invalid_reply',
        });
      }
      // Many compatible servers return raw, unnormalised vectors; the contract promises unit length.
      return normalize(item.embedding);
    });
  }

  return {
    provider: 'openai',
    modelId: options.model,
    dimensions,
    maxBatchSize,
    async embed(texts: readonly string[], embedOptions: EmbedOptions): Promise<Float32Array[]> {
      if (embedOptions.signal?.aborted) throw embedOptions.signal.reason;
      const prefix = (embedOptions.kind === 'query' ? options.queryPrefix : options.documentPrefix) ?? '';
      const vectors = new Array<Float32Array>(texts.length);
      // OpenAI rejects empty input strings; an empty text carries no information, so it gets zeros.
      const pending: number[] = [];
      texts.forEach((text, index) => {
        if (text.trim() === '') vectors[index] = new Float32Array(dimensions);
        else pending.push(index);
      });
      for (let start = 0; start < pending.length; start += maxBatchSize) {
        const indices = pending.slice(start, start + maxBatchSize);
        const batch = await embedBatch(
          indices.map((index) => prefix + (texts[index] as string)),
          embedOptions.signal,
        );
        indices.forEach((textIndex, position) => {
          vectors[textIndex] = batch[position] as Float32Array;
        });
      }
      return vectors;
    },
  };
}
