import { ConfigError, DimensionMismatchError, norm, ProviderError } from '@loci/core';
import { describeEmbeddingModelConformance } from '@loci/testing/embedding-conformance';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpenAIEmbedder } from './embedder.js';
import type { OpenAIEmbedderOptions } from './options.js';

describeEmbeddingModelConformance('@loci/openai embedder', async () => {
  const server = await startScriptedServer();
  const model = createOpenAIEmbedder({
    model: 'scripted-embedder',
    dimensions: 64,
    baseURL: server.url,
    maxBatchSize: 8,
    retryDelayMs: 1,
  });
  return { model, cleanup: () => server.close() };
});

const requestSchema = z.object({
  model: z.string(),
  input: z.array(z.string()),
  encoding_format: z.string().optional(),
  dimensions: z.number().optional(),
});

describe('@loci/openai embedder against the scripted server', () => {
  let server: ScriptedServer;
  const embedder = (options: Partial<OpenAIEmbedderOptions> = {}) =>
    createOpenAIEmbedder({
      model: 'scripted-embedder',
      dimensions: 64,
      baseURL: server.url,
      retryDelayMs: 1,
      ...options,
    });
  const embeddingRequests = () =>
    server.requests
      .filter((request) => request.path === '/v1/embeddings')
      .map((request) => requestSchema.parse(request.body));

  beforeEach(async () => {
    server = await startScriptedServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('asks for float vectors and splits batches at maxBatchSize, keeping order', async () => {
    const texts = ['one fish', 'two fish', 'red fish', 'blue fish', 'old fish'];
    const batched = await embedder({ maxBatchSize: 2 }).embed(texts, { kind: 'document' });
    const requests = embeddingRequests();
    expect(requests.map((request) => request.input)).toEqual([
      ['one fish', 'two fish'],
      ['red fish', 'blue fish'],
      ['old fish'],
    ]);
    expect(requests.every((request) => request.encoding_format === 'float')).toBe(true);
    const whole = await embedder({ maxBatchSize: 100 }).embed(texts, { kind: 'document' });
    expect(batched).toEqual(whole);
  });

  it('normalises vectors a server returns unnormalised', async () => {
    server.setEmbedder(() => [3, 4]);
    const [vector] = await embedder({ dimensions: 2 }).embed(['x'], { kind: 'query' });
    expect(Array.from(vector ?? [])).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('rejects vectors of the wrong size with a DimensionMismatchError', async () => {
    server.setEmbedder(() => [1, 0, 0]);
    const error = await embedder({ dimensions: 4 })
      .embed(['x'], { kind: 'document' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DimensionMismatchError);
    expect(error).toMatchObject({ expected: 4, actual: 3 });
  });

  it('gives empty texts zeros without sending them', async () => {
    const vectors = await embedder().embed(['', 'a real sentence', '   '], { kind: 'document' });
    expect(norm(vectors[0] ?? [])).toBe(0);
    expect(norm(vectors[1] ?? [])).toBeCloseTo(1, 5);
    expect(norm(vectors[2] ?? [])).toBe(0);
    expect(embeddingRequests().map((request) => request.input)).toEqual([['a real sentence']]);
  });

  it('retries a failing server, then reports status and body', async () => {
    let failures = 2;
    server.setEmbedder((text) => {
      if (failures-- > 0) throw new Error('embedder warming up');
      return Array.from({ length: 64 }, (_, i) => (i === text.length % 64 ? 1 : 0));
    });
    const [vector] = await embedder().embed(['hello'], { kind: 'document' });
    expect(vector?.[5]).toBe(1);
    expect(embeddingRequests()).toHaveLength(3);

    server.setEmbedder(() => {
      throw new Error('embedder exploded');
    });
    const error = await embedder({ maxRetries: 1 })
      .embed(['hello'], { kind: 'document' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 500 });
    expect((error as ProviderError).body).toContain('embedder exploded');
  });

  it('adds the query and document prefixes of asymmetric models', async () => {
    const model = embedder({ queryPrefix: 'search_query: ', documentPrefix: 'search_document: ' });
    await model.embed(['cats'], { kind: 'query' });
    await model.embed(['dogs'], { kind: 'document' });
    expect(embeddingRequests().map((request) => request.input)).toEqual([
      ['search_query: cats'],
      ['search_document: dogs'],
    ]);
  });

  it('sends dimensions only to models that can shorten their vectors', async () => {
    server.setEmbedder(() => Array.from({ length: 256 }, (_, i) => i + 1));
    await embedder({ model: 'text-embedding-3-small', dimensions: 256 }).embed(['x'], { kind: 'query' });
    server.setEmbedder(() => Array.from({ length: 768 }, (_, i) => i + 1));
    await embedder({ model: 'nomic-embed-text', dimensions: 768 }).embed(['x'], { kind: 'query' });
    const [shortened, plain] = embeddingRequests();
    expect(shortened?.dimensions).toBe(256);
    expect(plain?.dimensions).toBeUndefined();
  });

  it('knows the size of common models and asks for it otherwise', () => {
    expect(createOpenAIEmbedder({ model: 'text-embedding-3-large', apiKey: 'k' }).dimensions).toBe(3072);
    expect(createOpenAIEmbedder({ model: 'nomic-embed-text:latest', baseURL: server.url }).dimensions).toBe(
      768,
    );
    expect(() => createOpenAIEmbedder({ model: 'my-embedder', baseURL: server.url })).toThrow(ConfigError);
    expect(() => createOpenAIEmbedder({ model: 'my-embedder', baseURL: server.url })).toThrow(/dimensions/);
    expect(() => createOpenAIEmbedder({ model: 'm', dimensions: 0, baseURL: server.url })).toThrow(
      /dimensions/,
    );
  });
});
