import type { GenerateOptions, GenerateResult, LanguageModel } from '@loci/core';
import { ProviderError } from '@loci/core';
import { createPartialFieldReader } from './partial-message.js';

/**
 * Streams one LLM call and passes on the inner monologue and the text of every `send_message` call as
 * they arrive, the latter read from
 * the call's partial JSON arguments. Resolves with the same result `generate` would give (and is
 * `generate` for a model that cannot stream).
 */
export async function streamReply(
  model: LanguageModel,
  request: GenerateOptions,
  onMessageDelta: (toolCallId: string, text: string) => void,
  onTextDelta: (text: string) => void = () => {},
): Promise<GenerateResult> {
  if (!model.stream) return model.generate(request);
  const calls = new Map<
    number,
    { id?: string; name?: string; reader: ReturnType<typeof createPartialFieldReader>; unsent: string }
  >();
  for await (const part of model.stream(request)) {
    if (part.type === 'finish') return part.result;
    if (part.type === 'text-delta') {
      onTextDelta(part.text);
      continue;
    }
    let call = calls.get(part.index);
    if (!call) {
      call = { reader: createPartialFieldReader('message'), unsent: '' };
      calls.set(part.index, call);
    }
    if (part.id) call.id = part.id;
    if (part.name) call.name = part.name;
    // Arguments may arrive before the name; their text waits until the call is known to be send_message.
    call.unsent += call.reader.push(part.argumentsDelta);
    if (call.name === 'send_message' && call.unsent.length > 0) {
      onMessageDelta(call.id ?? String(part.index), call.unsent);
      call.unsent = '';
    }
  }
  throw new ProviderError(`${model.provider} stream ended without a final result`, { retryable: true });
}
