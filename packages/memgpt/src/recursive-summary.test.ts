import type { GenerateOptions, GenerateResult, LanguageModel } from '@loci/core';
import { countMessagesTokens } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { buildSummaryPrompt, writeRecursiveSummary } from './recursive-summary.js';
import type { StoredMessage } from './stored-message.js';

/** A language model that records its calls and answers with the given text. */
function recordingModel(reply: string): LanguageModel & { calls: GenerateOptions[] } {
  const calls: GenerateOptions[] = [];
  return {
    provider: 'recording',
    modelId: 'recording',
    contextWindow: 4096,
    calls,
    async generate(options): Promise<GenerateResult> {
      calls.push(options);
      return {
        message: { role: 'assistant', content: reply },
        toolCalls: [],
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        finishReason: 'stop',
      };
    },
  };
}

const evicted: StoredMessage[] = [
  {
    id: 'a',
    seq: 0,
    kind: 'user',
    content: 'My sister Lena lives in Porto.',
    at: new Date('2024-05-01T10:00:00Z'),
    stepId: 's',
  },
  {
    id: 'b',
    seq: 1,
    kind: 'assistant',
    content: 'Note the sister.',
    at: new Date('2024-05-01T10:00:01Z'),
    stepId: 's',
  },
];

describe('recursive summary', () => {
  it('asks for a new summary from the old one and the evicted messages', async () => {
    const model = recordingModel('  Ana has a sister, Lena, in Porto.  ');
    const { summary } = await writeRecursiveSummary({
      model,
      previousSummary: 'Ana likes tea.',
      evicted,
      inputBudget: 2000,
      maxSummaryTokens: 100,
    });
    expect(summary).toBe('Ana has a sister, Lena, in Porto.');
    const prompt = model.calls[0]?.messages[1]?.content ?? '';
    expect(prompt).toContain('Previous summary:\nAna likes tea.');
    expect(prompt).toContain('[2024-05-01T10:00:00.000Z] user: My sister Lena lives in Porto.');
    expect(model.calls[0]?.maxTokens).toBe(100);
  });

  it('bounds the summary even when the model ignores maxTokens', async () => {
    const { summary } = await writeRecursiveSummary({
      model: recordingModel('fact '.repeat(1000)),
      previousSummary: '',
      evicted,
      inputBudget: 2000,
      maxSummaryTokens: 50,
    });
    expect(summary.length).toBeLessThan(400);
  });

  it('fails on an empty reply, so the caller can fall back', async () => {
    await expect(
      writeRecursiveSummary({
        model: recordingModel(''),
        previousSummary: '',
        evicted,
        inputBudget: 2000,
        maxSummaryTokens: 50,
      }),
    ).rejects.toThrow(/no text/);
  });

  it('keeps every evicted message whole when the caller knows they fit', () => {
    const prompt = buildSummaryPrompt({
      previousSummary: 'old',
      evicted,
      inputBudget: 3000,
      maxSummaryTokens: 200,
      evictedTokens: 40,
    });
    expect(prompt[1]?.content).toContain('My sister Lena lives in Porto.\n');
    expect(prompt[1]?.content).not.toContain('[truncated]');
  });

  it('keeps the prompt within its budget however much was evicted', () => {
    const many: StoredMessage[] = Array.from({ length: 200 }, (_, i) => ({
      ...(evicted[0] as StoredMessage),
      id: String(i),
      content: `message ${i} `.repeat(200),
    }));
    const prompt = buildSummaryPrompt({
      previousSummary: 'old',
      evicted: many,
      inputBudget: 3000,
      maxSummaryTokens: 200,
    });
    expect(countMessagesTokens(prompt)).toBeLessThanOrEqual(3000);
    const known = buildSummaryPrompt({
      previousSummary: 'old',
      evicted: many,
      inputBudget: 3000,
      maxSummaryTokens: 200,
      evictedTokens: 200 * 600,
    });
    expect(countMessagesTokens(known)).toBeLessThanOrEqual(3000);
  });
});
