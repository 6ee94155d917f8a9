import type { GenerateResult, LanguageModel, StreamPart } from '@loci/core';
import { ProviderError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { streamReply } from './stream-reply.js';
import { createTokenMemo } from './token-memo.js';

const result: GenerateResult = {
  message: { role: 'assistant', content: 'thinking' },
  toolCalls: [],
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
  finishReason: 'stop',
};

/** A model that streams the given parts and records how it was called. */
function streamingModel(parts: StreamPart[]): LanguageModel & { generated: number } {
  const model = {
    provider: 'parts',
    modelId: 'parts',
    contextWindow: 1000,
    generated: 0,
    async generate() {
      model.generated++;
      return result;
    },
    async *stream() {
      for (const part of parts) yield part;
    },
  };
  return model;
}

describe('streaming a reply', () => {
  it('passes on monologue and send_message text as they arrive, even when the name comes late', async () => {
    const model = streamingModel([
      { type: 'text-delta', text: 'think' },
      { type: 'text-delta', text: 'ing' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"message": "Hel' },
      { type: 'tool-call-delta', index: 0, id: 'c1', name: 'send_message', argumentsDelta: 'lo' },
      {
        type: 'tool-call-delta',
        index: 1,
        id: 'c2',
        name: 'core_memory_append',
        argumentsDelta: '{"message": "not shown"}',
      },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ' you"}' },
      { type: 'finish', result },
    ]);
    const messages: [string, string][] = [];
    const thoughts: string[] = [];
    const final = await streamReply(
      model,
      { messages: [] },
      (id, text) => messages.push([id, text]),
      (text) => thoughts.push(text),
    );
    expect(final).toBe(result);
    expect(thoughts).toEqual(['think', 'ing']);
    expect(messages).toEqual([
      ['c1', 'Hello'],
      ['c1', ' you'],
    ]);
  });

  it('fails clearly when the stream ends without a result', async () => {
    const model = streamingModel([{ type: 'text-delta', text: 'cut off' }]);
    await expect(streamReply(model, { messages: [] }, () => {})).rejects.toBeInstanceOf(ProviderError);
  });

  it('uses generate for a model that cannot stream', async () => {
    const { stream: _stream, ...plain } = streamingModel([]);
    const model = plain as LanguageModel & { generated: number };
    expect(await streamReply(model, { messages: [] }, () => {})).toBe(result);
  });
});

describe('token memo', () => {
  it('counts like countTokens and keeps only the most recent texts', () => {
    const count = createTokenMemo(2);
    expect(count('hello world')).toBe(2);
    expect(count('hello world')).toBe(2);
    expect(count('a b c')).toBe(3);
    expect(count('')).toBe(0);
    expect(count('hello world')).toBe(2);
  });
});
