import { type ChatMessage, type GenerateOptions, type ToolChoice, toJsonSchema } from '@loci/core';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';

/** What both tool modes put in a request besides the messages. */
export interface RequestSettings {
  model: string;
  maxTokensParameter: 'max_tokens' | 'max_completion_tokens';
  /** OpenAI's reasoning models refuse any temperature but the default; it is left out for them. */
  sendTemperature: boolean;
}

export function toOpenAIMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  return messages.map(toOpenAIMessage);
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return message.name === undefined
        ? { role: 'user', content: message.content }
        : { role: 'user', content: message.content, name: message.name };
    case 'assistant': {
      const toolCalls = message.toolCalls ?? [];
      if (toolCalls.length === 0) return { role: 'assistant', content: message.content ?? '' };
      return {
        role: 'assistant',
        content: message.content,
        tool_calls: toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

export function toOpenAIToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** Sampling settings shared by both tool modes. */
export function samplingParams(
  options: GenerateOptions,
  settings: RequestSettings,
): Pick<ChatCompletionCreateParamsBase, 'temperature' | 'max_tokens' | 'max_completion_tokens'> {
  const params: Pick<ChatCompletionCreateParamsBase, 'temperature' | 'max_tokens' | 'max_completion_tokens'> =
    {};
  if (options.temperature !== undefined && settings.sendTemperature) params.temperature = options.temperature;
  if (options.maxTokens !== undefined) params[settings.maxTokensParameter] = options.maxTokens;
  return params;
}

/** The request for servers with native tool calling and JSON-schema output. */
export function nativeRequest(
  options: GenerateOptions,
  settings: RequestSettings,
): ChatCompletionCreateParamsBase {
  const params: ChatCompletionCreateParamsBase = {
    model: settings.model,
    messages: toOpenAIMessages(options.messages),
    ...samplingParams(options, settings),
  };
  const tools = options.tools ?? [];
  if (tools.length > 0) {
    params.tools = tools.map(
      (tool): ChatCompletionTool => ({
        type: 'function',
        function: {
          name: tool.name,
          description: tool.description,
          parameters: toJsonSchema(tool.parameters),
        },
      }),
    );
    // OpenAI refuses tool_choice without tools, so it is only sent alongside them.
    if (options.toolChoice !== undefined) params.tool_choice = toOpenAIToolChoice(options.toolChoice);
  }
  if (options.responseSchema !== undefined) {
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: 'response', schema: toJsonSchema(options.responseSchema), strict: false },
    };
  }
  return params;
}
