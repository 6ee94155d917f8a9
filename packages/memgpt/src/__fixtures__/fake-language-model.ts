import type { GenerateOptions, GenerateResult, LanguageModel, ToolCall } from '@loci/core';

/** What the fake model answers: inner monologue and function calls (arguments as objects or raw text). */
export interface FakeReply {
  content?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> | string; id?: string }[];
}

export type FakeScript = (request: GenerateOptions, index: number) => FakeReply | Error;

/**
 * A language model that records every request and answers from a script: a list of replies used
 * in order (an `Error` is thrown), or a function of the request. Summary calls (no tools) get
 * `summary` unless the script handles them.
 */
export function createFakeLanguageModel(
  script: readonly (FakeReply | Error)[] | FakeScript,
  options: { contextWindow?: number; summary?: string } = {},
): LanguageModel & { calls: GenerateOptions[] } {
  const calls: GenerateOptions[] = [];
  const queued = typeof script === 'function' ? undefined : [...script];
  return {
    provider: 'fake',
    modelId: 'fake-model',
    contextWindow: options.contextWindow ?? 16_384,
    calls,
    async generate(request): Promise<GenerateResult> {
      const index = calls.length;
      calls.push(request);
      let reply: FakeReply | Error | undefined;
      if (typeof script === 'function') reply = script(request, index);
      else if (request.tools === undefined && options.summary !== undefined)
        reply = { content: options.summary };
      else reply = queued?.shift();
      if (reply === undefined) throw new Error(`fake model: no reply scripted for call ${index + 1}`);
      if (reply instanceof Error) throw reply;
      const toolCalls: ToolCall[] = (reply.toolCalls ?? []).map((call, callIndex) => ({
        id: call.id ?? `call_${index}_${callIndex}`,
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      }));
      return {
        message: { role: 'assistant', content: reply.content ?? null },
        toolCalls,
        usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
        finishReason: toolCalls.length > 0 ? 'tool-calls' : 'stop',
      };
    },
  };
}

/** A reply that says `message` to the user, optionally asking for a heartbeat. */
export function say(message: string, heartbeat = false): FakeReply {
  return {
    content: 'Reply to the user.',
    toolCalls: [{ name: 'send_message', arguments: { message, request_heartbeat: heartbeat } }],
  };
}
