import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import type { ChatMessage } from './messages.js';

let encoder: Tiktoken | undefined;

function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(cl100k);
  return encoder;
}

/** Tokens of `text` under cl100k_base: exact for OpenAI's GPT-4-class models, close for others. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return getEncoder().encode(text).length;
}

/** Per-message framing overhead as in OpenAI's accounting (role, separators). */
const messageOverhead = 4;

export function countMessageTokens(message: ChatMessage): number {
  let tokens = messageOverhead;
  if (message.content) tokens += countTokens(message.content);
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls) tokens += countTokens(call.name) + countTokens(call.arguments) + 3;
  }
  return tokens;
}

export function countMessagesTokens(messages: readonly ChatMessage[]): number {
  let total = 3; // every reply is primed with the assistant role
  for (const message of messages) total += countMessageTokens(message);
  return total;
}

/** Cuts `text` to at most `maxTokens` tokens, marking the cut so a reader knows text is missing. */
export function truncateToTokens(text: string, maxTokens: number, marker = ' …[truncated]'): string {
  const tokens = getEncoder().encode(text);
  if (tokens.length <= maxTokens) return text;
  const keep = Math.max(0, maxTokens - countTokens(marker));
  return getEncoder().decode(tokens.slice(0, keep)) + marker;
}
