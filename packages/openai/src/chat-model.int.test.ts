import {
  ConfigError,
  ContextOverflowError,
  DimensionMismatchError,
  defineTool,
  LociError,
  ProviderError,
  type StreamPart,
} from '@loci/core';
import { describeLanguageModelConformance } from '@loci/testing/language-model-conformance';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createOpenAIChatModel } from './chat-model.js';
import type { OpenAIChatModelOptions } from './options.js';
import { providerFacts } from './provider-error.js';

describeLanguageModelConformance('@loci/openai chat model (native tools)', async (server) =>
  createOpenAIChatModel({ model: 'test-model', baseURL: server.url, apiKey: 'test-key', retryDelayMs: 1 }),
);

const user = (content: string) => [{ role: 'user' as const, content }];

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('@loci/openai chat model against the scripted server', () => {
  let server: ScriptedServer;
  const model = (options: Partial<OpenAIChatModelOptions> = {}) =>
    createOpenAIChatModel({
      model: 'test-model',
      baseURL: server.url,
      apiKey: 'test-key',
      retryDelayMs: 1,
      maxRetryDelayMs: 50,
      ...options,
    });

  beforeEach(async () => {
    server = await startScriptedServer();
  });
  afterEach(async () => {
    await server.close();
  });

  describe('retries', () => {
    it('retries 429, 500, 503 and then succeeds', async () => {
      server.enqueue(
        { status: 429, headers: { 'retry-after': '0' } },
        { status: 500 },
        { status: 503, body: 'busy' },
        { content: 'finally' },
      );
      const result = await model({ maxRetries: 3 }).generate({ messages: user('x') });
      expect(result.message.content).toBe('finally');
      expect(server.chatRequests()).toHaveLength(4);
    });

    it('retries 408 and 409 too', async () => {
      server.enqueue({ status: 408 }, { status: 409 }, { content: 'ok' });
      expect((await model().generate({ messages: user('x') })).message.content).toBe('ok');
    });

    it('gives up after maxRetries with a ProviderError carrying the status and a body excerpt', async () => {
      const body = `{"error":{"message":"upstream overloaded","type":"server_error"},"padding":"${'x'.repeat(2000)}"}`;
      server.setDefault({ status: 503, body });
      const error = await failure(model({ maxRetries: 2 }).generate({ messages: user('x') }));
      expect(error.status).toBe(503);
      expect(error.body).toContain('upstream overloaded');
      expect(error.body?.length).toBeLessThanOrEqual(501);
      expect(error.message).toContain('HTTP 503');
      expect(error.message).toContain('after 3 tries');
      expect(error.category).toBe('provider');
      expect(server.chatRequests()).toHaveLength(3);
    });

    it('does not retry other 4xx', async () => {
      server.enqueue({ status: 400, body: '{"error":{"message":"bad tool schema"}}' }, { content: 'never' });
      const error = await failure(model().generate({ messages: user('x') }));
      expect(error.status).toBe(400);
      expect(error.message).toContain('bad tool schema');
      expect(server.chatRequests()).toHaveLength(1);
      expect(server.pending()).toBe(1);
    });

    it('says what to check on 401 and 404', async () => {
      server.enqueue({ status: 401 }, { status: 404 });
      expect((await failure(model().generate({ messages: user('x') }))).message).toContain('API key');
      expect((await failure(model().generate({ messages: user('x') }))).message).toContain('model id');
    });

    it('caps a long retry-after', async () => {
      server.enqueue({ status: 429, headers: { 'retry-after': '3600' } }, { content: 'ok' });
      const result = await model({ maxRetryDelayMs: 10 }).generate({ messages: user('x') });
      expect(result.message.content).toBe('ok');
    });

    it('retries a timed-out request, then reports the timeout', async () => {
      server.enqueue({ content: 'late', delayMs: 10_000 }, { content: 'in time' });
      const result = await model({ timeoutMs: 200 }).generate({ messages: user('x') });
      expect(result.message.content).toBe('in time');

      server.setDefault({ content: 'late', delayMs: 10_000 });
      const error = await failure(model({ timeoutMs: 200, maxRetries: 1 }).generate({ messages: user('x') }));
      expect(error.code).toBe('timeout');
      expect(providerFacts(error)).toEqual({ timeoutMs: 200, phase: 'response', attempts: 2 });
      expect(error.message).toContain('200 ms');
      expect(server.chatRequests()).toHaveLength(4);
    });

    it('reports a server that is not there', async () => {
      const gone = await startScriptedServer();
      await gone.close();
      const error = await failure(
        model({ baseURL: gone.url, maxRetries: 1 }).generate({ messages: user('x') }),
      );
      expect(error.code).toBe('connection_failed');
      expect(providerFacts(error)).toEqual({ attempts: 2 });
      expect(error.message).toContain(gone.url);
    });

    it('stops waiting between retries when aborted', async () => {
      server.setDefault({ status: 500 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const error = await model({ retryDelayMs: 60_000, maxRetryDelayMs: 60_000 })
        .generate({ messages: user('x'), signal: controller.signal })
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(server.chatRequests()).toHaveLength(1);
    });
  });

  describe('context overflow', () => {
    it("turns the server's 'prompt too long' into a ContextOverflowError with its figures", async () => {
      server.enqueue({
        status: 400,
        body: JSON.stringify({
          error: {
            message:
              "This model's maximum context length is 8192 tokens. However, your messages resulted in 9120 tokens.",
            type: 'invalid_request_error',
            code: 'context_length_exceeded',
          },
        }),
      });
      const error = await model()
        .generate({ messages: user('x') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContextOverflowError);
      expect(error).toMatchObject({ tokens: 9120, limit: 8192, category: 'user' });
      expect(server.chatRequests()).toHaveLength(1);
    });

    it('falls back to its own estimate when the server gives no figures (llama.cpp)', async () => {
      server.enqueue({
        status: 400,
        body: '{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}',
      });
      const chat = model({ contextWindow: 4096 });
      const error = await chat.stream!({ messages: user('a long prompt') })
        [Symbol.asyncIterator]()
        .next()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContextOverflowError);
      expect((error as ContextOverflowError).limit).toBe(4096);
      expect((error as ContextOverflowError).tokens).toBeGreaterThan(0);
    });

    it('leaves other 400s alone', async () => {
      server.enqueue({ status: 400, body: '{"error":{"message":"unknown parameter: foo"}}' });
      const error = await model()
        .generate({ messages: user('x') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
    });
  });

  describe('bad replies', () => {
    it('turns a garbage JSON body into a ProviderError quoting it, without retrying', async () => {
      server.enqueue({ body: '{"choices": [ garbage' });
      const error = await failure(model().generate({ messages: user('x') }));
      expect(error.code).toBe('invalid_reply');
      expect(error.message).toContain('{"choices": [ garbage');
      expect(server.chatRequests()).toHaveLength(1);
    });

    it('names what is missing from a JSON reply that is not a completion', async () => {
      server.enqueue({ body: '{"error":{"message":"model not loaded"}}' });
      const error = await failure(model().generate({ messages: user('x') }));
      expect(error.message).toContain('choices');
      expect(error.message).toContain('model not loaded');
    });

    it('accepts tool arguments sent as objects and missing ids and usage, estimating usage', async () => {
      server.enqueue({
        body: JSON.stringify({
          choices: [
            {
              message: {
                role: 'assistant',
                content: '',
                tool_calls: [{ function: { name: 'search', arguments: { query: 'cats' } } }],
              },
              finish_reason: 'stop',
            },
          ],
        }),
      });
      const result = await model().generate({ messages: user('find cats') });
      expect(result.toolCalls).toHaveLength(1);
      expect(result.toolCalls[0]).toMatchObject({ name: 'search', arguments: '{"query":"cats"}' });
      expect(result.toolCalls[0]?.id).toMatch(/^call_/);
      expect(result.message.content).toBeNull();
      // A server that says 'stop' next to tool calls still means a tool call.
      expect(result.finishReason).toBe('tool-calls');
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    });

    it("passes OpenAI's refusal on as the reply's content, also when streamed", async () => {
      const refused = JSON.stringify({
        choices: [
          {
            message: { role: 'assistant', content: null, refusal: "I can't help with that." },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 6 },
      });
      server.enqueue({ body: refused });
      const result = await model().generate({ messages: user('x') });
      expect(result.message.content).toBe("I can't help with that.");

      server.enqueue({
        headers: { 'content-type': 'text/event-stream' },
        body: [
          { choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: "I can't " } }] },
          { choices: [{ index: 0, delta: { refusal: 'help with that.' }, finish_reason: 'stop' }] },
          { choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } },
        ]
          .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
          .concat('data: [DONE]\n\n')
          .join(''),
      });
      const parts: StreamPart[] = [];
      for await (const part of model().stream!({ messages: user('x') })) parts.push(part);
      expect(parts.at(-1)).toEqual({ type: 'finish', result });
    });

    it('reports a response that is not JSON when a schema was asked for', async () => {
      server.enqueue({ content: 'Paris, I think.' });
      const error = await failure(
        model().generate({ messages: user('capital?'), responseSchema: z.object({ answer: z.string() }) }),
      );
      expect(error.code).toBe('invalid_response_object');
      expect(error.message).toContain('Paris, I think.');
    });

    it('reads a structured reply wrapped in a Markdown fence', async () => {
      server.enqueue({ content: 'Here:\n```json\n{"answer":"Paris"}\n```' });
      const result = await model().generate({
        messages: user('capital?'),
        responseSchema: z.object({ answer: z.string() }),
      });
      expect(result.object).toEqual({ answer: 'Paris' });
    });

    it('sends the response schema as json_schema', async () => {
      server.enqueue({ content: '{"answer":"Paris"}' });
      await model().generate({
        messages: user('capital?'),
        responseSchema: z.object({ answer: z.string() }),
      });
      expect(chatRequestBody(server.chatRequests()[0]!).response_format).toMatchObject({
        type: 'json_schema',
        json_schema: { name: 'response', strict: false, schema: { type: 'object', required: ['answer'] } },
      });
    });
  });

  describe('streaming', () => {
    async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
      const out: StreamPart[] = [];
      for await (const part of parts) out.push(part);
      return out;
    }

    it('retries before the stream starts', async () => {
      server.enqueue({ status: 503 }, { content: 'streamed' });
      const parts = await collect(model().stream!({ messages: user('x') }));
      const finish = parts.at(-1);
      expect(finish?.type === 'finish' && finish.result.message.content).toBe('streamed');
    });

    it('fails with a ProviderError on a broken event in the middle, after the deltas it had', async () => {
      server.enqueue({
        headers: { 'content-type': 'text/event-stream' },
        body: 'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {garbage\n\n',
      });
      const seen: StreamPart[] = [];
      const error = await (async () => {
        for await (const part of model().stream!({ messages: user('x') })) seen.push(part);
      })().catch((e: unknown) => e);
      expect(seen).toEqual([{ type: 'text-delta', text: 'Hi' }]);
      expect(error).toBeInstanceOf(ProviderError);
    });

    it('reports a stream that goes quiet for longer than timeoutMs, retried while nothing was handed on', async () => {
      server.setDefault({ content: 'one two three four five six', chunkDelayMs: 30_000 });
      const seen: StreamPart[] = [];
      const error = await (async () => {
        for await (const part of model({ timeoutMs: 300, maxRetries: 1 }).stream!({ messages: user('x') }))
          seen.push(part);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'timeout' });
      // The first chunk (the role) came, then nothing: a quiet stream, and no part for the caller yet.
      expect(providerFacts(error)).toEqual({ timeoutMs: 300, phase: 'stream', attempts: 2 });
      expect(seen).toEqual([]);
      expect(server.chatRequests()).toHaveLength(2);
    });

    it('stops a stream aborted in the middle without a finish part', async () => {
      server.enqueue({ content: 'one two three four five six', chunkDelayMs: 30_000 });
      const controller = new AbortController();
      const seen: StreamPart[] = [];
      const error = await (async () => {
        for await (const part of model().stream!({ messages: user('x'), signal: controller.signal })) {
          seen.push(part);
          controller.abort();
        }
      })().catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(seen).toEqual([{ type: 'text-delta', text: 'one two t' }]);
    });

    it('does not count a slow caller against the stream timeout', async () => {
      server.enqueue({ content: 'one two three four five six' });
      const parts: StreamPart[] = [];
      for await (const part of model({ timeoutMs: 100 }).stream!({ messages: user('x') })) {
        parts.push(part);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      expect(parts.at(-1)?.type).toBe('finish');
    });

    it('lets a caller stop early and go on using the model', async () => {
      server.enqueue({ content: 'one two three four five six', chunkDelayMs: 30_000 }, { content: 'next' });
      const chat = model();
      for await (const part of chat.stream!({ messages: user('x') })) {
        expect(part.type).toBe('text-delta');
        break;
      }
      expect((await chat.generate({ messages: user('y') })).message.content).toBe('next');
    });

    it('asks for usage in the stream', async () => {
      server.enqueue({ content: 'x' });
      await collect(model().stream!({ messages: user('x') }));
      expect(chatRequestBody(server.chatRequests()[0]!).stream_options).toEqual({ include_usage: true });
    });
  });

  describe('options', () => {
    it('uses max_tokens for compatible servers and max_completion_tokens when asked', async () => {
      server.enqueue({ content: 'a' }, { content: 'b' });
      await model().generate({ messages: user('x'), maxTokens: 10 });
      await model({ maxTokensParameter: 'max_completion_tokens' }).generate({
        messages: user('x'),
        maxTokens: 20,
      });
      const [first, second] = server.chatRequests().map(chatRequestBody);
      expect(first).toMatchObject({ max_tokens: 10 });
      expect(first?.max_completion_tokens).toBeUndefined();
      expect(second).toMatchObject({ max_completion_tokens: 20 });
      expect(second?.max_tokens).toBeUndefined();
    });

    it('sends the API key and extra headers, and no tool_choice without tools', async () => {
      server.enqueue({ content: 'a' });
      await model({ headers: { 'x-gateway': 'loci' } }).generate({
        messages: user('x'),
        toolChoice: 'required',
      });
      const request = server.chatRequests()[0]!;
      expect(request.headers['authorization']).toBe('Bearer test-key');
      expect(request.headers['x-gateway']).toBe('loci');
      expect(chatRequestBody(request).tool_choice).toBeUndefined();
    });

    it('takes the context window from the options, the known table, or 8192', () => {
      expect(model({ model: 'gpt-4o-mini' }).contextWindow).toBe(128_000);
      expect(model({ model: 'gpt-4o-2024-08-06' }).contextWindow).toBe(128_000);
      expect(model({ model: 'llama3.1:8b' }).contextWindow).toBe(8192);
      expect(model({ model: 'llama3.1:8b', contextWindow: 32_768 }).contextWindow).toBe(32_768);
    });

    it('rejects bad options with a ConfigError naming the field', () => {
      const attempt = (options: unknown) => {
        try {
          createOpenAIChatModel(options as OpenAIChatModelOptions);
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const cases: [unknown, string][] = [
        [{ model: '' }, 'model'],
        [{ model: 'm', baseURL: 'not a url' }, 'baseURL'],
        [{ model: 'm', baseURL: server.url, maxRetries: -1 }, 'maxRetries'],
        [{ model: 'm', baseURL: server.url, toolMode: 'xml' }, 'toolMode'],
        [{ model: 'm', baseURL: server.url, temprature: 0.2 }, 'temprature'],
      ];
      for (const [options, field] of cases) {
        const error = attempt(options);
        expect(error, field).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain(field);
      }
    });

    it('asks for an API key only when talking to api.openai.com', () => {
      vi.stubEnv('OPENAI_API_KEY', undefined);
      try {
        expect(() => createOpenAIChatModel({ model: 'gpt-4o-mini' })).toThrow(/apiKey.*OPENAI_API_KEY/);
        expect(createOpenAIChatModel({ model: 'llama3.1', baseURL: server.url }).modelId).toBe('llama3.1');
      } finally {
        vi.unstubAllEnvs();
      }
    });
  });

  it('keeps LociError semantics for errors crossing package copies', async () => {
    server.enqueue({ status: 400 });
    const error = await failure(model().generate({ messages: user('x') }));
    expect(LociError.isInstance(error)).toBe(true);
    expect(error).not.toBeInstanceOf(DimensionMismatchError);
  });

  it('sends tools defined with defineTool', async () => {
    const tool = defineTool({
      name: 'note',
      description: 'Take a note.',
      parameters: z.object({ text: z.string() }),
    });
    server.enqueue({ toolCalls: [{ name: 'note', arguments: { text: 'milk' } }] });
    const result = await model().generate({ messages: user('remember milk'), tools: [tool] });
    expect(JSON.parse(result.toolCalls[0]?.arguments ?? '')).toEqual({ text: 'milk' });
  });
});
