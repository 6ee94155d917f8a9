import {
  countMessagesTokens,
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
  ProviderError,
  type StreamPart,
  type ToolCall,
} from '@loci/core';
import {
  argumentsText,
  type Completion,
  chunkSchema,
  completionSchema,
  mapFinishReason,
  newToolCallId,
  parseReplyBody,
  parseReplyValue,
  toolCallsFromCompletion,
  toUsage,
} from './chat-reply.js';
import { nativeRequest, type RequestSettings } from './chat-request.js';
import { describeEndpoint } from './client.js';
import { asContextOverflow } from './context-overflow.js';
import { connectEndpoint } from './endpoint.js';
import { jsonModeRequest, readJsonModeReply } from './json-tool-mode.js';
import {
  acceptsTemperature,
  defaultContextWindow,
  knownContextWindow,
  maxTokensParameterFor,
} from './known-models.js';
import { type OpenAIChatModelOptions, parseChatModelOptions } from './options.js';
import { classifyFailure } from './provider-error.js';
import { readResponseObject } from './response-object.js';
import { abortReason, withRetries } from './retry.js';

type RawUsage = Completion['usage'];

/** A `LanguageModel` over the `openai` SDK: OpenAI itself or any compatible server via `baseURL`. */
export function createOpenAIChatModel(input: OpenAIChatModelOptions): LanguageModel {
  const options = parseChatModelOptions(input);
  const { client, baseURL, policy, timeout } = connectEndpoint(options, 'OpenAI chat model options');
  const toolMode = options.toolMode ?? 'native';
  const settings: RequestSettings = {
    model: options.model,
    maxTokensParameter: options.maxTokensParameter ?? maxTokensParameterFor(options.baseURL),
    sendTemperature: acceptsTemperature(options.model, options.baseURL),
  };
  const contextWindow = options.contextWindow ?? knownContextWindow(options.model) ?? defaultContextWindow;
  const overflowEstimate = (request: GenerateOptions) => ({
    tokens: countMessagesTokens(request.messages),
    limit: contextWindow,
  });
  const what = `chat completion (${options.model} at ${describeEndpoint(baseURL)})`;

  const buildRequest = (request: GenerateOptions) =>
    toolMode === 'json' ? jsonModeRequest(request, settings) : nativeRequest(request, settings);

  const requestOptions = (request: GenerateOptions) =>
    request.signal === undefined ? { timeout } : { timeout, signal: request.signal };

  /** One place turns a reply into a result, so `stream` finishes with exactly what `generate` returns. */
  function toResult(
    request: GenerateOptions,
    rawContent: string | null,
    nativeToolCalls: ToolCall[],
    rawFinishReason: string | null | undefined,
    rawUsage: RawUsage,
  ): GenerateResult {
    const truncated = rawFinishReason === 'length';
    let content = rawContent === '' ? null : rawContent;
    let toolCalls = nativeToolCalls;
    let object: unknown;
    let hasObject = false;
    if (toolMode === 'json') {
      const reply = readJsonModeReply(request, content, nativeToolCalls, truncated);
      content = reply.content;
      toolCalls = reply.toolCalls;
      hasObject = 'object' in reply;
      object = reply.object;
    } else if (request.responseSchema !== undefined && toolCalls.length === 0) {
      object = readResponseObject(content, request.responseSchema, truncated);
      hasObject = true;
    }
    let finishReason = mapFinishReason(rawFinishReason);
    // Some servers (and JSON tool mode) say 'stop' although the reply is a tool call.
    if (toolCalls.length > 0 && (finishReason === 'stop' || finishReason === 'other'))
      finishReason = 'tool-calls';
    const result: GenerateResult = {
      message:
        toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content },
      toolCalls,
      usage: toUsage(rawUsage, request.messages, content, toolCalls),
      finishReason,
    };
    if (hasObject) result.object = object;
    return result;
  }

  async function generate(request: GenerateOptions): Promise<GenerateResult> {
    const params = buildRequest(request);
    const completion = await withRetries(what, policy, request.signal, async () => {
      const response = await client.chat.completions
        .create({ ...params, stream: false }, requestOptions(request))
        .asResponse();
      return parseReplyBody(completionSchema, await response.text(), what);
    }).catch((error: unknown) => {
      throw asContextOverflow(error, () => overflowEstimate(request)) ?? error;
    });
    const choice = completion.choices[0] as Completion['choices'][number];
    return toResult(
      request,
      // A refusal is the model's answer too; the agent should see it rather than an empty reply.
      choice.message.content || (choice.message.refusal ?? null),
      toolCallsFromCompletion(choice.message),
      choice.finish_reason,
      completion.usage,
    );
  }

  async function* streamNative(request: GenerateOptions): AsyncGenerator<StreamPart> {
    const params = buildRequest(request);
    const stream = await withRetries(what, policy, request.signal, () =>
      client.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        requestOptions(request),
      ),
    ).catch((error: unknown) => {
      throw asContextOverflow(error, () => overflowEstimate(request)) ?? error;
    });
    let content = '';
    let refusal = '';
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let finishReason: string | null | undefined;
    let usage: RawUsage;
    const chunks = stream[Symbol.asyncIterator]();
    // The request timeout ends once the response starts; a stream that then goes quiet is caught
    // here. The clock only runs while waiting for the server, not while the caller handles a part.
    let stalled = false;
    let idleTimer: NodeJS.Timeout | undefined;
    let done = false;
    try {
      while (true) {
        idleTimer = setTimeout(() => {
          stalled = true;
          stream.controller.abort();
        }, timeout);
        const next = await chunks.next();
        clearTimeout(idleTimer);
        if (next.done) {
          done = true;
          // The SDK ends an aborted stream quietly; a cut-off stream must not pass for a finished one.
          if (request.signal?.aborted || stalled) throw new Error('stream aborted');
          break;
        }
        const raw = next.value;
        const chunk = parseReplyValue(chunkSchema, raw, JSON.stringify(raw), what);
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          if (choice.finish_reason) finishReason = choice.finish_reason;
          const delta = choice.delta;
          if (delta?.content) {
            content += delta.content;
            yield { type: 'text-delta', text: delta.content };
          }
          if (delta?.refusal) {
            refusal += delta.refusal;
            yield { type: 'text-delta', text: delta.refusal };
          }
          for (const call of delta?.tool_calls ?? []) {
            const index = call.index ?? 0;
            const entry = calls.get(index) ?? { id: '', name: '', arguments: '' };
            calls.set(index, entry);
            if (call.id) entry.id = call.id;
            const name = call.function?.name;
            // Most servers send the name once; a few repeat it whole in later chunks.
            if (name && name !== entry.name) entry.name += name;
            const argumentsDelta = argumentsText(call.function?.arguments);
            entry.arguments += argumentsDelta;
            const part: StreamPart = { type: 'tool-call-delta', index, argumentsDelta };
            if (call.id) part.id = call.id;
            if (name) part.name = name;
            yield part;
          }
        }
      }
    } catch (error) {
      if (request.signal?.aborted) throw abortReason(request.signal);
      if (stalled) {
        throw new ProviderError(
          `${what}: the stream went quiet for more than timeoutMs (${timeout} ms); raise timeoutMs or check the server`,
          { code: 'timeout', retryable: true, cause: error },
        );
      }
      throw classifyFailure(error, what).error;
    } finally {
      clearTimeout(idleTimer);
      // A caller that stops early (break) closes the HTTP stream instead of leaving it open.
      if (!done) await chunks.return?.();
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({ id: call.id || newToolCallId(), name: call.name, arguments: call.arguments }));
    yield { type: 'finish', result: toResult(request, content || refusal, toolCalls, finishReason, usage) };
  }

  /** JSON tool mode cannot show tool calls before the whole JSON object is in, so it streams the result. */
  async function* streamWhole(request: GenerateOptions): AsyncGenerator<StreamPart> {
    const result = await generate(request);
    if (result.message.content) yield { type: 'text-delta', text: result.message.content };
    for (const [index, call] of result.toolCalls.entries()) {
      yield { type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: call.arguments };
    }
    yield { type: 'finish', result };
  }

  return {
    provider: 'openai',
    modelId: options.model,
    contextWindow,
    generate,
    stream: (request) => (toolMode === 'json' ? streamWhole(request) : streamNative(request)),
  };
}
