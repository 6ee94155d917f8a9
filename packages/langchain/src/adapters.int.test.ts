import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { DimensionMismatchError } from '@loci/core';
import { describeEmbeddingModelConformance } from '@loci/testing/embedding-conformance';
import { describeLanguageModelConformance } from '@loci/testing/language-model-conformance';
import { startScriptedServer } from '@loci/testing/scripted-server';
import { describe, expect, it } from 'vitest';
import { fromLangChainChatModel } from './from-langchain-chat-model.js';
import { fromLangChainEmbeddings } from './from-langchain-embeddings.js';

// LangChain's own OpenAI classes, pointed at the scripted OpenAI-compatible server on 127.0.0.1.
describeLanguageModelConformance('fromLangChainChatModel(ChatOpenAI)', async (server) => {
  const make = (settings = {}) =>
    new ChatOpenAI({
      model: 'scripted',
      apiKey: 'test',
      maxRetries: 0,
      configuration: { baseURL: server.url },
      ...settings,
    });
  return fromLangChainChatModel(make(), { contextWindow: 8192, configure: make });
});

describeEmbeddingModelConformance('fromLangChainEmbeddings(OpenAIEmbeddings)', async () => {
  const server = await startScriptedServer();
  const embeddings = new OpenAIEmbeddings({
    model: 'scripted-embed',
    apiKey: 'test',
    configuration: { baseURL: server.url },
  });
  return {
    model: fromLangChainEmbeddings(embeddings, { dimensions: 64, maxBatchSize: 8 }),
    cleanup: () => server.close(),
  };
});

describe('adapter faults', () => {
  it('names a wrong embedding dimension', async () => {
    const server = await startScriptedServer();
    try {
      const embeddings = new OpenAIEmbeddings({
        model: 'scripted-embed',
        apiKey: 'test',
        configuration: { baseURL: server.url },
      });
      const model = fromLangChainEmbeddings(embeddings, { dimensions: 128 });
      const error = await model.embed(['hello'], { kind: 'document' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DimensionMismatchError);
      expect(String(error)).toMatch(/64 dimensions but 128/);
    } finally {
      await server.close();
    }
  });

  it('turns a failing LangChain call into a ProviderError with the status', async () => {
    const server = await startScriptedServer();
    try {
      server.enqueue({ status: 401, body: '{"error":{"message":"bad key"}}' });
      const model = fromLangChainChatModel(
        new ChatOpenAI({
          model: 'scripted',
          apiKey: 'test',
          maxRetries: 0,
          configuration: { baseURL: server.url },
        }),
        { contextWindow: 8192 },
      );
      const error = await model
        .generate({ messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ProviderError', status: 401, category: 'provider' });
    } finally {
      await server.close();
    }
  });
});
