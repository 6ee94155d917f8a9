import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { ChatMessage, FinishReason, ToolCall, Usage } from '@loci/core';
import { messageText } from './message-text.js';

/** Loci's chat messages as LangChain messages. */
export function toLangChainMessages(messages: readonly ChatMessage[]): BaseMessage[] {
  return messages.map((message) => {
    switch (message.role) {
      case 'system':
        return new SystemMessage(message.content);
      case 'user':
        return new HumanMessage(
          message.name === undefined
            ? { content: message.content }
            : { content: message.content, name: message.name },
        );
      case 'assistant':
        return new AIMessage({
          content: message.content ?? '',
          tool_calls: (message.toolCalls ?? []).map((call) => ({
            id: call.id,
            name: call.name,
            args: parseArguments(call.arguments),
            type: 'tool_call' as const,
          })),
        });
      case 'tool':
        return new ToolMessage({
          content: message.content,
          tool_call_id: message.toolCallId,
          ...(message.name === undefined ? {} : { name: message.name }),
        });
      default:
        throw new TypeError(
          `cannot send a message with role "${(message as { role: string }).role}" to a LangChain model`,
        );
    }
  });
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    // Arguments the model once sent that were not JSON go back as they were, under one key.
    return { raw: text };
  }
}

/**
 * The tool calls of a LangChain reply as Loci's, with `arguments` as the raw JSON text the model
 * produced: OpenAI-style providers keep it in `additional_kwargs.tool_calls`; otherwise parsed calls are
 * re-serialised and calls LangChain could not parse keep their raw text.
 */
export function toolCallsOf(message: AIMessage): ToolCall[] {
  const raw = message.additional_kwargs['tool_calls'];
  if (Array.isArray(raw) && raw.length > 0) {
    return raw.map(
      (call: { id?: string; function?: { name?: string; arguments?: string } }, index: number) => ({
        id: call.id ?? `call_${index}`,
        name: call.function?.name ?? '',
        arguments: call.function?.arguments ?? '',
      }),
    );
  }
  return [
    ...(message.tool_calls ?? []).map((call, index) => ({
      id: call.id ?? `call_${index}`,
      name: call.name,
      arguments: JSON.stringify(call.args),
    })),
    ...(message.invalid_tool_calls ?? []).map((call, index) => ({
      id: call.id ?? `call_invalid_${index}`,
      name: call.name ?? '',
      arguments: call.args ?? '',
    })),
  ];
}

export function usageOf(message: AIMessage): Usage {
  const usage = (
    message as unknown as {
      usage_metadata?: { input_tokens?: number; output_tokens?: number; total_tokens?: number };
    }
  ).usage_metadata;
  const inputTokens = usage?.input_tokens ?? 0;
  const outputTokens = usage?.output_tokens ?? 0;
  return { inputTokens, outputTokens, totalTokens: usage?.total_tokens ?? inputTokens + outputTokens };
}

const finishReasons: Record<string, FinishReason> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  STOP: 'stop',
  length: 'length',
  max_tokens: 'length',
  MAX_TOKENS: 'length',
  tool_calls: 'tool-calls',
  tool_use: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
  SAFETY: 'content-filter',
};

export function finishReasonOf(message: AIMessage, toolCalls: readonly ToolCall[]): FinishReason {
  const metadata = message.response_metadata;
  const reason = metadata['finish_reason'] ?? metadata['stop_reason'] ?? metadata['done_reason'];
  if (typeof reason === 'string' && reason in finishReasons) return finishReasons[reason] as FinishReason;
  return toolCalls.length > 0 ? 'tool-calls' : reason === undefined ? 'stop' : 'other';
}

export function assistantOf(message: AIMessage, toolCalls: ToolCall[]) {
  const text = messageText(message);
  const content = text.length === 0 && toolCalls.length > 0 ? null : text;
  return toolCalls.length === 0
    ? { role: 'assistant' as const, content }
    : { role: 'assistant' as const, content, toolCalls };
}
