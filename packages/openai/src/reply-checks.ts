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

// A UTF-16 surrogate without its pair: no character, and no UTF-8 store can keep it.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `invalid_reply` when the reply's text or a tool call's name or arguments is not well-formed Unicode. */
function checkWellFormed(content: string | null, toolCalls: readonly ToolCall[], what: string): void {
  const parts = [
    { part: 'content', text: content ?? '' },
    ...toolCalls.flatMap((call, index) => [
      { part: `the name of tool call ${index}`, text: call.name },
      { part: `the arguments of tool call ${index}`, text: call.arguments },
    ]),
  ];
  for (const { part, text } of parts) {
    const at = text.search(loneSurrogate);
    if (at >= 0) {
      throw addFacts(
        new ProviderError(
          `${what}: the reply's ${part} has a lone UTF-16 surrogate at index ${at} (not valid Unicode text)`,
          { code: 'invalid_reply' },
        ),
        { part, index: at },
      );
    }
  }
}

/**
 * Checks a reply that says it finished. Its text must be well-formed Unicode (a lone surrogate,
 * which a server can send as a JSON escape, could not be stored). A tool call without a name is
 * malformed. Tool arguments that are not JSON pass through when the model finished on its own (the
 * agent reports them back to the model, which can correct itself); cut off at the token limit they
 * are an error, so a cut call is never run.
 */
export function checkFinished(
  finishReason: string,
  content: string | null,
  toolCalls: readonly ToolCall[],
  what: string,
): void {
  checkWellFormed(content, toolCalls, what);
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
