import {
  createInMemoryStore,
  type EmbeddingModel,
  type GenerateOptions,
  type LanguageModel,
  ProviderError,
} from '@loci/core';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { openLlmCache } from './llm-cache.js';
import { parseQaData } from './qa-data.js';
import { toQaJsonLine } from './qa-json-line.js';
import { runQa } from './run-qa.js';
import { createStoreSearchMemory } from './store-search-memory.js';

const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 64,
  maxBatchSize: 8,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 64)));
  },
};

/** A model double that replies by looking at the prompt, and records every request. */
function scriptedModel(id: string, reply: (prompt: string) => string) {
  const prompts: string[] = [];
  const model: LanguageModel = {
    provider: 'test',
    modelId: id,
    contextWindow: 8192,
    async generate(options: GenerateOptions) {
      const prompt = options.messages.map((m) => m.content ?? '').join('\n');
      prompts.push(prompt);
      const content = reply(prompt);
      if (content === 'FAIL') throw new ProviderError('server error after retries', { status: 500 });
      return {
        message: { role: 'assistant', content },
        toolCalls: [],
        usage: { inputTokens: 100, outputTokens: 5, totalTokens: 105 },
        finishReason: 'stop',
      };
    },
  };
  return { model, prompts };
}

const answers = scriptedModel('answerer', (prompt) => {
  if (prompt.includes('name of the cat')) return 'Pixel';
  if (prompt.includes('sport and race')) return 'rowing';
  if (prompt.includes('pilot')) return 'Not mentioned in the conversation';
  return 'FAIL';
});
const judge = scriptedModel('judge', (prompt) =>
  prompt.includes('Generated answer: Pixel') ? 'Same name. {"label": "CORRECT"}' : 'I cannot decide.',
);

describe('runQa', () => {
  it('answers, judges, scores and names failures; a rerun on the cache asks nothing again', async () => {
    const data = parseQaData(tinyConversation(), 'tiny.json');
    const cache = openLlmCache(undefined, 'loci-qa-1');
    const memory = createStoreSearchMemory({ embedder, store: createInMemoryStore(), mode: 'text' });
    const result = await runQa({
      data,
      method: 'bm25',
      memory,
      answerModel: answers.model,
      judgeModel: judge.model,
      cache,
    });
    // 4 questions: cat-4 Pixel correct, cat-1 judge unparseable, cat-5 declined (correct), cat-2 failed.
    expect(result.overall).toMatchObject({ questions: 3, correct: 1, unparseable: 1, failed: 1 });
    expect(result.overall.j).toBeCloseTo(1 / 3, 10);
    expect(result.adversarial).toMatchObject({ questions: 1, correct: 1, j: 1 });
    expect(result.failed.map((f) => f.id)).toEqual(['tiny.json#3']);
    expect(result.failed[0]?.error).toMatch(/server error/);
    expect(result.unparseable).toEqual(['tiny.json#1']);
    expect(result.byCategory['4']).toMatchObject({ questions: 1, j: 1, f1: 1, bleu1: 1 });
    // Answer prompts carry dated memories; adversarial questions need no judge.
    expect(answers.prompts[0]).toMatch(/\[2023-05-08 13:56\] Ana: Hi Ben, I adopted a grey cat/);
    expect(result.llm.answer).toMatchObject({ calls: 3, cached: 0 });
    expect(result.llm.judge).toMatchObject({ calls: 2, cached: 0 });
    expect(result.searchMs.p50).not.toBeNull();

    const before = answers.prompts.length + judge.prompts.length;
    const again = await runQa({
      data,
      method: 'bm25',
      memory,
      answerModel: answers.model,
      judgeModel: judge.model,
      cache,
    });
    // Only the failed question is asked again; everything else comes from the cache, counted once.
    expect(answers.prompts.length + judge.prompts.length - before).toBe(1);
    expect(again.overall).toEqual(result.overall);
    // The failed question fails again (no reply, nothing counted); the three answered come from the cache.
    expect(again.llm.answer).toMatchObject({ calls: 0, cached: 3, inputTokens: 300 });
    const line = JSON.parse(toQaJsonLine(again, { embedder: 'hashed' }));
    expect(line).toMatchObject({
      method: 'bm25',
      embedder: 'hashed',
      questions: 3,
      failed_questions: ['tiny.json#3'],
    });
  });

  it('full-context puts the whole conversation in the prompt; --limit asks a sample', async () => {
    const data = parseQaData(tinyConversation(), 'tiny.json');
    const seen = scriptedModel('answerer', () => 'Pixel');
    const result = await runQa({
      data,
      method: 'full-context',
      answerModel: seen.model,
      judgeModel: judge.model,
      cache: openLlmCache(undefined, 'loci-qa-1'),
      limit: 1,
    });
    expect(result.overall.questions).toBe(1);
    expect(seen.prompts[0]).toContain('Ben: I won a rowing race on Sunday.');
    expect(result.searchMs.p50).toBeNull();
    expect(result.contextTokensMean).toBeGreaterThan(20);
  });
});
