import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import {
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
  LociError,
  ProviderError,
  type StreamPart,
  toJsonSchema,
} from '@loci/core';
import {
  assistantOf,
  finishReasonOf,
  toLangChainMessages,
  toolCallsOf,
  usageOf,
} from './chat-model-messages.js';

/** Options of `fromLangChainChatModel`; `contextWindow` is required. */
export interface FromLangChainChatModelOptions {
  /** The model's context window in tokens (LangChain models do not say). */
  contextWindow: number;
  /** Shown in logs and errors (default: the model's `model` field or its LangChain class name). */
  modelId?: string;
  provider?: string;
  /**
   * LangChain models take `temperature` and `maxTokens` when they are constructed, not per call. Give
   * a factory (for example `(settings) => new ChatOpenAI({ ...base, ...settings })`) and the calls that
   * ask for settings (Loci's agent does) use a model built with them; without one the model's own
   * settings hold.
   */
  configure?: (settings: ChatModelSettings) => BaseChatModel;
}

/** Per-call settings handed to `configure`; unset fields keep the model's own. */
export interface ChatModelSettings {
  temperature?: number;
  maxTokens?: number;
}

/**
 * Any LangChain chat model as a Loci `LanguageModel`, so LangChain's providers run inside Loci's
 * agent and memory systems. Tools go through `bindTools`, a response schema asks for JSON and is
 * validated with zod, and `temperature` / `maxTokens` are applied per call on models that keep them
 * through `configure` when one is given.
 */
export function fromLangChainChatModel(
  model: BaseChatModel,
  options: FromLangChainChatModelOptions,
): LanguageModel {
  if (!Number.isInteger(options.contextWindow) || options.contextWindow <= 0) {
    throw new TypeError(
      `fromLangChainChatModel: contextWindow must be a positive integer, got ${options.contextWindow}`,
    );
  }
  const fields = model as unknown as Record<string, unknown>;
  const modelId =
    options.modelId ?? (typeof fields['model'] === 'string' ? fields['model'] : model.getName());
  const provider = options.provider ?? `langchain:${model.getName()}`;

  type Runnable = Pick<BaseChatModel, 'invoke' | 'stream'>;
  const configured = new Map<string, BaseChatModel>();
  function withSettings(request: GenerateOptions): BaseChatModel {
    const settings: ChatModelSettings = {
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    };
    if (options.configure === undefined || Object.keys(settings).length === 0) return model;
    const key = JSON.stringify(settings);
    let built = configured.get(key);
    if (built === undefined) {
      built = options.configure(settings);
      // A handful of settings in practice; the cache stays small.
      if (configured.size >= 16) configured.clear();
      configured.set(key, built);
    }
    return built;
  }

  return {
    provider,
    modelId,
    contextWindow: options.contextWindow,
    async generate(request) {
      request.signal?.throwIfAborted();
      const reply = await call(request, (runnable, messages, callOptions) =>
        runnable.invoke(messages, callOptions),
      );
      return resultOf(reply, request);
    },
    async *stream(request) {
      request.signal?.throwIfAborted();
      const chunks = await call(request, (runnable, messages, callOptions) =>
        runnable.stream(messages, callOptions),
      );
      let whole: AIMessageChunk | undefined;
      try {
        for await (const chunk of chunks) {
          whole = whole === undefined ? chunk : whole.concat(chunk);
          const text = typeof chunk.content === 'string' ? chunk.content : '';
          if (text.length > 0) yield { type: 'text-delta', text } satisfies StreamPart;
          for (const delta of chunk.tool_call_chunks ?? []) {
            yield {
              type: 'tool-call-delta',
              index: delta.index ?? 0,
              ...(delta.id === undefined ? {} : { id: delta.id }),
              ...(delta.name === undefined ? {} : { name: delta.name }),
              argumentsDelta: delta.args ?? '',
            };
          }
        }
      } catch (error) {
        throw providerError(error, request.signal);
      }
      if (whole === undefined)
        throw new ProviderError(`${modelId}: the stream ended without a reply`, { code: 'incomplete_reply' });
      const message = new AIMessage({
        content: whole.content,
        additional_kwargs: {
          tool_calls: (whole.tool_call_chunks ?? []).map((delta, index) => ({
            id: delta.id ?? `call_${index}`,
            type: 'function',
            function: { name: delta.name ?? '', arguments: delta.args ?? '' },
          })),
        },
        response_metadata: whole.response_metadata,
        ...(whole.usage_metadata === undefined ? {} : { usage_metadata: whole.usage_metadata }),
      });
      yield { type: 'finish', result: resultOf(message, request) };
    },
  };

  async function call<T>(
    request: GenerateOptions,
    run: (runnable: Runnable, messages: BaseMessage[], callOptions: Record<string, unknown>) => Promise<T>,
  ): Promise<T> {
    let runnable: Runnable = withSettings(request);
    if (request.tools !== undefined && request.tools.length > 0) {
      if (typeof model.bindTools !== 'function') {
        throw new LociError(
          `${modelId}: this LangChain model has no tool calling (bindTools); use it without tools`,
          {
            code: 'tools_unsupported',
            category: 'user',
          },
        );
      }
      const tools = request.tools.map((tool) => ({
        type: 'function' as const,
        function: {
          name: tool.name,
          description: tool.description,
          parameters: toJsonSchema(tool.parameters),
        },
      }));
      const choice = request.toolChoice;
      runnable = (runnable as BaseChatModel).bindTools?.(tools, {
        ...(choice === undefined ? {} : { tool_choice: typeof choice === 'string' ? choice : choice.name }),
      }) as unknown as Runnable;
    }
    const callOptions: Record<string, unknown> =
      request.signal === undefined ? {} : { signal: request.signal };
    if (request.responseSchema !== undefined) {
      callOptions['response_format'] = {
        type: 'json_schema',
        json_schema: { name: 'response', schema: toJsonSchema(request.responseSchema), strict: false },
      };
    }
    try {
      return await run(runnable, toLangChainMessages(request.messages), callOptions);
    } catch (error) {
      throw providerError(error, request.signal);
    }
  }

  function resultOf(reply: AIMessage, request: GenerateOptions): GenerateResult {
    const toolCalls = toolCallsOf(reply);
    const result: GenerateResult = {
      message: assistantOf(reply, toolCalls),
      toolCalls,
      usage: usageOf(reply),
      finishReason: finishReasonOf(reply, toolCalls),
    };
    if (request.responseSchema === undefined) return result;
    return { ...result, object: parseObject(request, result.message.content ?? '') };
  }

  function parseObject(request: GenerateOptions, text: string): unknown {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new ProviderError(`${modelId}: the reply is not JSON: ${text.slice(0, 200)}`, {
        code: 'malformed_reply',
        cause,
      });
    }
    const parsed = request.responseSchema?.safeParse(json);
    if (parsed === undefined || parsed.success) return parsed?.data;
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ProviderError(`${modelId}: the reply does not match the response schema: ${detail}`, {
      code: 'malformed_reply',
    });
  }
}

function providerError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (LociError.isInstance(error)) return error;
  const status = (error as { status?: unknown }).status;
  return new ProviderError(
    `LangChain model call failed: ${error instanceof Error ? error.message : String(error)}`,
    {
      ...(typeof status === 'number' ? { status } : {}),
      retryable: typeof status === 'number' && (status === 429 || status >= 500),
      cause: error,
    },
  );
}
