import { type GenerateResult, ProviderError, type StreamPart } from '@loci/core';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIChatModel } from './chat-model.js';
import type { OpenAIChatModelOptions } from './options.js';
import { providerFacts } from './provider-error.js';
import type { OpenAIRetryEvent, OpenAIWaitEvent } from './wait-clock.js';

/**
 * Replies that did not finish or are not replies at all, from a misbehaving server, through the real
 * `openai` client and adapter: each is a ProviderError (retried while nothing was handed on), never
 * an answer, and a cut tool call never reaches the caller as a call.
 */

const user = (content: string) => [{ role: 'user' as const, content }];
const searchCall = { toolCalls: [{ name: 'search', arguments: { query: 'cats and dogs' } }] };

let server: ScriptedServer;
const model = (options: Partial<OpenAIChatModelOptions> = {}) =>
  createOpenAIChatModel({
    model: 'test-model',
    baseURL: server.url,
    apiKey: 'test-key',
    retryDelayMs: 1,
    maxRetryDelayMs: 20,
    ...options,
  });

beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

/** Everything a stream yields, and how it ended. */
async function drain(
  parts: AsyncIterable<StreamPart>,
): Promise<{ seen: StreamPart[]; error: ProviderError | undefined; result: GenerateResult | undefined }> {
  const seen: StreamPart[] = [];
  try {
    for await (const part of parts) seen.push(part);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    const finish = seen.find((part) => part.type === 'finish');
    expect(finish).toBeUndefined();
    return { seen, error: error as ProviderError, result: undefined };
  }
  const finish = seen.at(-1);
  return { seen, error: undefined, result: finish?.type === 'finish' ? finish.result : undefined };
}

async function generateFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('streamed replies', () => {
  it('refuses a 200 whose body is not an event stream, quoting it, without retrying', async () => {
    server.setDefault({ content: 'whole reply', misbehave: 'not-sse' });
    const { seen, error } = await drain(model().stream!({ messages: user('x') }));
    expect(seen).toEqual([]);
    expect(error?.code).toBe('invalid_reply');
    expect(error?.message).toContain('whole reply');
    expect(providerFacts(error)).toMatchObject({ contentType: 'application/json', attempts: 1 });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('retries a stream of empty choices and uses the next reply', async () => {
    server.enqueue({ content: 'lost', misbehave: 'empty-choices' }, { content: 'found' });
    const { result } = await drain(model().stream!({ messages: user('x') }));
    expect(result?.message.content).toBe('found');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('gives up on streams of empty choices with incomplete_reply', async () => {
    server.setDefault({ content: 'lost', misbehave: 'empty-choices' });
    const { seen, error } = await drain(model({ maxRetries: 1 }).stream!({ messages: user('x') }));
    expect(seen).toEqual([]);
    expect(error?.code).toBe('incomplete_reply');
    expect(providerFacts(error)).toMatchObject({ attempts: 2 });
  });

  it('fails a stream that never says it finished, after the text it handed on, without retrying', async () => {
    server.setDefault({ content: 'half an answer', misbehave: 'no-finish-reason' });
    const { seen, error } = await drain(model().stream!({ messages: user('x') }));
    expect(seen.map((part) => (part.type === 'text-delta' ? part.text : '')).join('')).toBe('half an answer');
    expect(error?.code).toBe('incomplete_reply');
    expect(providerFacts(error)).toMatchObject({ attempts: 1, partial: true });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('never finishes a stream cut in the middle of a tool call, so the call cannot run', async () => {
    server.setDefault({ ...searchCall, misbehave: 'cut-off' });
    const { seen, error } = await drain(model().stream!({ messages: user('x') }));
    const argumentsSeen = seen
      .map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : ''))
      .join('');
    expect(argumentsSeen.length).toBeGreaterThan(0);
    expect(argumentsSeen).not.toBe('{"query":"cats and dogs"}');
    expect(error?.code).toBe('incomplete_reply');
    expect(error?.message).toContain('tool call');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('fails a stream whose connection drops in the middle', async () => {
    server.setDefault({ ...searchCall, misbehave: 'reset-mid-stream' });
    const { error } = await drain(model().stream!({ messages: user('x') }));
    expect(error?.code).toBe('incomplete_reply');
    expect(providerFacts(error)).toMatchObject({ partial: true });
  });

  it('keeps a reply that finished when the connection drops before [DONE]', async () => {
    server.setDefault({
      misbehave: 'reset-mid-stream',
      headers: { 'content-type': 'text/event-stream' },
      body: `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'done' }, finish_reason: 'stop' }] })}\n\n`,
    });
    const { result } = await drain(model().stream!({ messages: user('x') }));
    expect(result?.message.content).toBe('done');
    expect(result?.finishReason).toBe('stop');
  });

  it('retries a stream that drops before any part, and a connection closed before any response', async () => {
    server.enqueue(
      { misbehave: 'reset-mid-stream' },
      { misbehave: 'close-connection' },
      { content: 'made it' },
    );
    const { result } = await drain(model().stream!({ messages: user('x') }));
    expect(result?.message.content).toBe('made it');
    expect(server.chatRequests()).toHaveLength(3);
  });

  it('fails a tool call cut off at the token limit', async () => {
    server.setDefault({
      toolCalls: [{ name: 'search', arguments: '{"query": "cats and d' }],
      finishReason: 'length',
    });
    const { error } = await drain(model().stream!({ messages: user('x') }));
    expect(error?.code).toBe('incomplete_reply');
    expect(providerFacts(error)).toMatchObject({ finishReason: 'length', toolName: 'search' });
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('retries a server that stalls after the first chunk, within timeoutMs', async () => {
    server.enqueue({ content: 'slow', stallMs: 30_000 }, { content: 'quick' });
    const { result } = await drain(model({ timeoutMs: 300 }).stream!({ messages: user('x') }));
    expect(result?.message.content).toBe('quick');
  });
});

describe('whole replies', () => {
  it('retries a reply without a finish reason, and never returns one', async () => {
    server.enqueue({ content: 'maybe cut', misbehave: 'no-finish-reason' }, { content: 'whole' });
    expect((await model().generate({ messages: user('x') })).message.content).toBe('whole');

    server.setDefault({ content: 'maybe cut', misbehave: 'no-finish-reason' });
    const error = await generateFailure(model({ maxRetries: 2 }).generate({ messages: user('x') }));
    expect(error.code).toBe('incomplete_reply');
    expect(providerFacts(error)).toMatchObject({ attempts: 3 });
  });

  it('refuses empty choices and a body cut in half', async () => {
    server.enqueue({ content: 'x', misbehave: 'empty-choices' }, { content: 'x', misbehave: 'cut-off' });
    expect((await generateFailure(model().generate({ messages: user('x') }))).code).toBe('invalid_reply');
    expect((await generateFailure(model().generate({ messages: user('x') }))).code).toBe('invalid_reply');
  });

  it('fails a tool call cut off at the token limit instead of returning it', async () => {
    server.enqueue({ toolCalls: [{ name: 'search', arguments: '{"query": "ca' }], finishReason: 'length' });
    const error = await generateFailure(model().generate({ messages: user('x') }));
    expect(error.code).toBe('incomplete_reply');
    expect(error.retryable).toBe(false);
  });

  it('times out a server that sends headers and then nothing, and retries', async () => {
    server.enqueue({ content: 'never', stallMs: 30_000 }, { content: 'in time' });
    expect((await model({ timeoutMs: 300 }).generate({ messages: user('x') })).message.content).toBe(
      'in time',
    );

    server.setDefault({ content: 'never', stallMs: 30_000 });
    const error = await generateFailure(
      model({ timeoutMs: 200, maxRetries: 0 }).generate({ messages: user('x') }),
    );
    expect(error.code).toBe('timeout');
    expect(providerFacts(error)).toEqual({ timeoutMs: 200, phase: 'response', attempts: 1 });
  });
});

describe('progress hooks', () => {
  it('reports waiting and retrying, and survives a hook that throws', async () => {
    server.enqueue({ status: 429, headers: { 'retry-after-ms': '5' } }, { content: 'ok', delayMs: 400 });
    const waits: OpenAIWaitEvent[] = [];
    const retries: OpenAIRetryEvent[] = [];
    const chat = model({
      waitNoticeMs: 50,
      onWait: (event) => {
        waits.push(event);
        throw new Error('a broken UI');
      },
      onRetry: (event) => {
        retries.push(event);
        throw new Error('a broken UI');
      },
    });
    expect((await chat.generate({ messages: user('x') })).message.content).toBe('ok');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ operation: 'chat', retry: 1, maxRetries: 3, delayMs: 5 });
    expect(retries[0]?.error).toMatchObject({ code: 'http_429', status: 429 });
    expect(waits.length).toBeGreaterThan(2);
    expect(waits.every((event) => event.attempt === 2 || event.attempt === 1)).toBe(true);
    expect(waits.at(-1)).toMatchObject({ operation: 'chat', phase: 'response', attempt: 2, maxAttempts: 4 });
    expect(waits.at(-1)?.timeoutMs).toBe(60_000);
    const waited = waits.filter((event) => event.attempt === 2).map((event) => event.waitedMs);
    expect(waited).toEqual([...waited].sort((a, b) => a - b));
  });

  it('reports a quiet stream as the stream phase', async () => {
    server.enqueue({ content: 'one two three', chunkDelayMs: 200 });
    const waits: OpenAIWaitEvent[] = [];
    const { result } = await drain(
      model({ waitNoticeMs: 50, onWait: (event) => waits.push(event) }).stream!({ messages: user('x') }),
    );
    expect(result?.message.content).toBe('one two three');
    expect(waits.some((event) => event.phase === 'stream')).toBe(true);
  });
});
