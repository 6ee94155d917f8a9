import { ProviderError, type ToolCall } from '@loci/core';
import { addFacts, excerpt, type ProviderFacts } from './provider-error.js';

/**
 * A reply that did not finish: the stream or body was cut, or the server never said it was done.
 * Retried by default (the request is idempotent and nothing of it was handed on yet).
 */
export function incompleteReply(message: string, facts: ProviderFacts = {}, retryable = true): ProviderError {
  return addFacts(new ProviderError(message, { code: 'incomplete_reply', retryable }), facts);
}

function parses(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a reply that says it finished. A tool call without a name is malformed. Tool arguments
 * that are not JSON pass through when the model finished on its own (the agent reports them back to
 * the model, which can correct itself); cut off at the token limit they are an error, so a cut
 * call is never run.
 */
export function checkFinished(finishReason: string, toolCalls: readonly ToolCall[], what: string): void {
  for (const [index, call] of toolCalls.entries()) {
    if (call.name === '') {
      throw addFacts(
        new ProviderError(`${what}: tool call ${index} has no function name: ${excerpt(call.arguments)}`, {
          code: 'invalid_reply',
          body: excerpt(call.arguments),
        }),
        { toolCallIndex: index },
      );
    }
    if (finishReason === 'length' && !parses(call.arguments)) {
      throw incompleteReply(
        `${what}: the reply hit the token limit in the middle of the arguments of tool call "${call.name}": ${excerpt(call.arguments)}`,
        { finishReason, toolName: call.name, toolCallIndex: index },
        false,
      );
    }
  }
}
