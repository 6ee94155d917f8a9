import {
  countMessagesTokens,
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
  type StreamPart,
  type ToolCall,
} from '@loci/core';
import {
  type Completion,
  completionSchema,
  mapFinishReason,
  newToolCallId,
  parseReplyBody,
  toolCallsFromCompletion,
  toUsage,
} from './chat-reply.js';
import { nativeRequest, type RequestSettings } from './chat-request.js';
import { type StreamedReply, streamChat } from './chat-stream.js';
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
import { checkFinished, incompleteReply } from './reply-checks.js';
import { readResponseObject } from './response-object.js';
import { timedAttempt, withRetries } from './retry.js';

type RawUsage = Completion['usage'];

/** A `LanguageModel` over the `openai` SDK: OpenAI itself or any compatible server via `baseURL`. */
export function createOpenAIChatModel(input: OpenAIChatModelOptions): LanguageModel {
  const options = parseChatModelOptions(input);
  const endpoint = connectEndpoint(options, 'OpenAI chat model options');
  const { client, baseURL, policy, timeout } = endpoint;
  const hooks = endpoint.hooks('chat');
  const waitSettings = { timeoutMs: timeout, hooks, maxAttempts: policy.maxRetries + 1 };
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
    const completion = await withRetries(
      what,
      policy,
      request.signal,
      (attempt) =>
        timedAttempt(what, { ...waitSettings, signal: request.signal }, attempt, async (signal) => {
          const response = await client.chat.completions
            .create({ ...params, stream: false }, { timeout, signal })
            .asResponse();
          const body = parseReplyBody(completionSchema, await response.text(), what);
          const choice = body.choices[0] as Completion['choices'][number];
          // Without a finish reason the server never said the reply is whole: not an answer.
          if (!choice.finish_reason) {
            throw incompleteReply(`${what}: the reply has no finish_reason, so it may be cut off`);
          }
          checkFinished(
            choice.finish_reason,
            choice.message.content || (choice.message.refusal ?? null),
            toolCallsFromCompletion(choice.message),
            what,
          );
          return body;
        }),
      hooks,
    ).catch((error: unknown) => {
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
    let reply: StreamedReply;
    try {
      reply = yield* streamChat(
        {
          client,
          params: buildRequest(request),
          what,
          policy,
          timeoutMs: timeout,
          hooks,
          signal: request.signal,
        },
        newToolCallId,
      );
    } catch (error) {
      throw asContextOverflow(error, () => overflowEstimate(request)) ?? error;
    }
    yield {
      type: 'finish',
      result: toResult(request, reply.content, reply.toolCalls, reply.finishReason, reply.usage),
    };
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
