import type { ChatMessage, ToolCall } from '@loci/core';
import { truncateToTokens } from '@loci/core';

/**
 * Everything that enters the FIFO queue is one of these, and every one is kept in recall storage.
 * System alerts (memory pressure, failed summaries) are sent as user-role JSON, as MemGPT does, so
 * servers that allow one system message only still accept them.
 */
export type MessageKind = 'user' | 'assistant' | 'tool' | 'system-alert';

/** A message as kept in recall storage. */
export interface StoredMessage {
  id: string;
  /** Order within the agent; increases with every message. */
  seq: number;
  kind: MessageKind;
  /** User text, inner monologue, tool result or alert text. */
  content: string;
  at: Date;
  /** The step that produced it. */
  stepId: string;
  speaker?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  toolName?: string;
}

/** The message as the LLM sees it; `maxTokens` truncates an oversized text for the prompt only. */
export function toChatMessage(message: StoredMessage, maxTokens?: number): ChatMessage {
  const cut = (text: string, marker?: string) =>
    maxTokens === undefined ? text : truncateToTokens(text, maxTokens, marker);
  const content = cut(message.content);
  switch (message.kind) {
    case 'user':
      return message.speaker && /^[a-zA-Z0-9_-]{1,64}$/.test(message.speaker)
        ? { role: 'user', content, name: message.speaker }
        : { role: 'user', content };
    case 'system-alert':
      return {
        role: 'user',
        content: JSON.stringify({ type: 'system_alert', message: content, time: message.at.toISOString() }),
      };
    case 'assistant': {
      const toolCalls = message.toolCalls?.map((call) => ({
        ...call,
        arguments: cut(call.arguments, ''),
      }));
      return toolCalls && toolCalls.length > 0
        ? { role: 'assistant', content: content.length > 0 ? content : null, toolCalls }
        : { role: 'assistant', content };
    }
    case 'tool':
      return message.toolName === undefined
        ? { role: 'tool', toolCallId: message.toolCallId ?? '', content }
        : { role: 'tool', toolCallId: message.toolCallId ?? '', name: message.toolName, content };
  }
}

/** The text recall storage indexes: content plus the function calls, so both are found by search. */
export function searchableText(message: StoredMessage): string {
  const calls = message.toolCalls?.map((call) => `${call.name} ${call.arguments}`).join('\n') ?? '';
  return calls.length > 0 ? `${message.content}\n${calls}`.trim() : message.content;
}

/** One line per message for search results and summaries. */
export function describeMessage(message: StoredMessage): string {
  const who =
    message.kind === 'user'
      ? (message.speaker ?? 'user')
      : message.kind === 'tool'
        ? `function ${message.toolName ?? ''} result`
        : message.kind === 'system-alert'
          ? 'system'
          : 'assistant';
  const calls = message.toolCalls?.map((call) => ` [calls ${call.name}(${call.arguments})]`).join('') ?? '';
  return `[${message.at.toISOString()}] ${who}: ${message.content}${calls}`;
}
