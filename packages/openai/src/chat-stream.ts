import { ProviderError, type StreamPart, type ToolCall } from '@loci/core';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { argumentsText, type Chunk, type Completion, chunkSchema, parseReplyValue } from './chat-reply.js';
import { addFacts, classifyFailure, excerpt, timeoutError } from './provider-error.js';
import { checkFinished, incompleteReply } from './reply-checks.js';
import { abortReason, type RetryPolicy, withRetries } from './retry.js';
import { type ProgressHooks, startWaitClock, type WaitClock } from './wait-clock.js';

/** A streamed reply once it finished: what the adapter turns into the `finish` part. */
export interface StreamedReply {
  content: string;
  toolCalls: ToolCall[];
  finishReason: string;
  usage: Completion['usage'];
}

export interface StreamSettings {
  client: OpenAI;
  params: ChatCompletionCreateParamsBase;
  what: string;
  policy: RetryPolicy;
  timeoutMs: number;
  hooks: ProgressHooks;
  signal: AbortSignal | undefined;
}

/** The reply so far, built up chunk by chunk. */
interface Accumulated {
  content: string;
  refusal: string;
  calls: Map<number, { id: string; name: string; arguments: string }>;
  finishReason: string | undefined;
  usage: Completion['usage'];
  chunks: number;
}

/** Folds one chunk into the reply and returns the parts it gives the caller. */
function applyChunk(reply: Accumulated, chunk: Chunk): StreamPart[] {
  const parts: StreamPart[] = [];
  reply.chunks++;
  if (chunk.usage) reply.usage = chunk.usage;
  for (const choice of chunk.choices ?? []) {
    if (choice.finish_reason) reply.finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (delta?.content) {
      reply.content += delta.content;
      parts.push({ type: 'text-delta', text: delta.content });
    }
    if (delta?.refusal) {
      reply.refusal += delta.refusal;
      parts.push({ type: 'text-delta', text: delta.refusal });
    }
    for (const call of delta?.tool_calls ?? []) {
      const index = call.index ?? 0;
      const entry = reply.calls.get(index) ?? { id: '', name: '', arguments: '' };
      reply.calls.set(index, entry);
      if (call.id) entry.id = call.id;
      const name = call.function?.name;
      // Most servers send the name once; a few repeat it whole in later chunks.
      if (name && name !== entry.name) entry.name += name;
      const argumentsDelta = argumentsText(call.function?.arguments);
      entry.arguments += argumentsDelta;
      const part: StreamPart = { type: 'tool-call-delta', index, argumentsDelta };
      if (call.id) part.id = call.id;
      if (name) part.name = name;
      parts.push(part);
    }
  }
  return parts;
}

/** The finished reply; throws when the stream ended without saying it finished (cut, or never a reply). */
function finishedReply(reply: Accumulated, what: string, newId: () => string): StreamedReply {
  if (reply.finishReason === undefined) {
    throw incompleteReply(
      reply.chunks === 0
        ? `${what}: the stream ended without a single chunk`
        : `${what}: the stream ended before the reply finished (no finish_reason)${reply.calls.size > 0 ? ', in the middle of a tool call' : ''}`,
      { chunks: reply.chunks },
    );
  }
  const toolCalls = [...reply.calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({ id: call.id || newId(), name: call.name, arguments: call.arguments }));
  checkFinished(reply.finishReason, reply.content || reply.refusal, toolCalls, what);
  return {
    content: reply.content || reply.refusal,
    toolCalls,
    finishReason: reply.finishReason,
    usage: reply.usage,
  };
}

/** The chunks of one response, each wait on the server under the wait clock. */
interface ChunkReader {
  /** The next chunk, or undefined at the end of the stream. */
  next(): Promise<Chunk | undefined>;
  close(): Promise<void>;
}

function readChunks(stream: AsyncIterable<unknown>, clock: WaitClock, settings: StreamSettings): ChunkReader {
  const iterator = stream[Symbol.asyncIterator]();
  let done = false;
  let started = false;
  const fail = (error: unknown): unknown => {
    if (settings.signal?.aborted) return abortReason(settings.signal);
    if (clock.timedOut) return timeoutError(settings.what, settings.timeoutMs, clock.phase, error);
    if (error instanceof ProviderError) return error;
    if (error instanceof SyntaxError) {
      return new ProviderError(
        `${settings.what}: the stream sent an event that is not JSON: ${error.message}`,
        {
          code: 'invalid_reply',
          cause: error,
        },
      );
    }
    // The connection dropped in the middle (undici: "terminated"): the reply is cut, another try may finish.
    if (error instanceof TypeError) {
      return incompleteReply(
        `${settings.what}: the connection closed in the middle of the stream (${error.message})`,
      );
    }
    return classifyFailure(error, settings.what).error;
  };
  return {
    async next() {
      clock.start(started ? 'stream' : 'response');
      started = true;
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (error) {
        done = true;
        throw fail(error);
      } finally {
        clock.pause();
      }
      if (next.done) {
        done = true;
        // The SDK ends an aborted stream quietly; a cut-off stream must not pass for a finished one.
        if (settings.signal?.aborted || clock.timedOut) throw fail(new Error('stream aborted'));
        return undefined;
      }
      return parseReplyValue(chunkSchema, next.value, JSON.stringify(next.value), settings.what);
    },
    async close() {
      clock.dispose();
      // A caller that stops early (break) closes the HTTP stream instead of leaving it open.
      if (!done) {
        done = true;
        await iterator.return?.();
      }
    },
  };
}

/** Opens the stream and reads up to the first part for the caller; everything up to here may be retried. */
async function openStream(
  settings: StreamSettings,
  attempt: number,
  newId: () => string,
): Promise<{ reader: ChunkReader; reply: Accumulated; parts: StreamPart[]; finished?: StreamedReply }> {
  const clock = startWaitClock({
    timeoutMs: settings.timeoutMs,
    signal: settings.signal,
    hooks: settings.hooks,
    attempt,
    maxAttempts: settings.policy.maxRetries + 1,
  });
  let reader: ChunkReader | undefined;
  try {
    clock.start('response');
    const { data: stream, response } = await settings.client.chat.completions
      .create(
        { ...settings.params, stream: true, stream_options: { include_usage: true } },
        { signal: clock.signal, timeout: settings.timeoutMs },
      )
      .withResponse();
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      const body = excerpt(await response.text());
      throw addFacts(
        new ProviderError(
          `${settings.what}: asked for a stream, the server sent ${contentType || 'no content type'}: ${body || '(empty body)'}`,
          { code: 'invalid_reply', body },
        ),
        { contentType },
      );
    }
    reader = readChunks(stream, clock, settings);
    const reply: Accumulated = {
      content: '',
      refusal: '',
      calls: new Map(),
      finishReason: undefined,
      usage: undefined,
      chunks: 0,
    };
    for (;;) {
      const chunk = await reader.next();
      if (chunk === undefined) {
        const finished = finishedReply(reply, settings.what, newId);
        await reader.close();
        return { reader, reply, parts: [], finished };
      }
      const parts = applyChunk(reply, chunk);
      if (parts.length > 0) return { reader, reply, parts };
    }
  } catch (error) {
    await (reader ?? { close: async () => clock.dispose() }).close();
    // The clock's abort reaches the SDK as a user abort; it is a timeout unless the caller aborted.
    if (clock.timedOut && !settings.signal?.aborted && !(error instanceof ProviderError)) {
      throw timeoutError(settings.what, settings.timeoutMs, clock.phase, error);
    }
    throw error;
  }
}

function isLostTail(error: unknown): boolean {
  return error instanceof ProviderError && (error.code === 'incomplete_reply' || error.code === 'timeout');
}

/**
 * Streams a chat completion: yields its parts and returns the finished reply. A failure before the
 * first part is retried like any request; once parts were handed on, a failure ends the stream with
 * a `ProviderError` (a retry would repeat what the caller already has) and never with a reply.
 */
export async function* streamChat(
  settings: StreamSettings,
  newId: () => string,
): AsyncGenerator<StreamPart, StreamedReply> {
  let attempts = 0;
  const opened = await withRetries(
    settings.what,
    settings.policy,
    settings.signal,
    (attempt) => {
      attempts = attempt;
      return openStream(settings, attempt, newId);
    },
    settings.hooks,
  );
  if (opened.finished) return opened.finished;
  const { reader, reply } = opened;
  try {
    yield* opened.parts;
    for (;;) {
      const chunk = await reader.next().catch((error: unknown) => {
        // The reply said it finished; only the usage chunk or [DONE] after it was lost.
        if (reply.finishReason !== undefined && isLostTail(error)) return undefined;
        throw error;
      });
      if (chunk === undefined) break;
      yield* applyChunk(reply, chunk);
    }
    return finishedReply(reply, settings.what, newId);
  } catch (error) {
    if (error instanceof ProviderError) throw addFacts(error, { attempts, partial: true });
    throw error;
  } finally {
    await reader.close();
  }
}
