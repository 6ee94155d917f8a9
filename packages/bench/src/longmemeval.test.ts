import { readFileSync } from 'node:fs';
import { createInMemoryStore, type EmbeddingModel, LociError } from '@loci/core';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { longMemEvalCategory, parseLongMemEval, parseLongMemEvalDate } from './longmemeval.js';
import { loadBenchData, loadQaData, parseQaData } from './qa-data.js';
import { runRecall } from './run-recall.js';
import { createStoreSearchMemory } from './store-search-memory.js';

const fixture = new URL('./__fixtures__/longmemeval-tiny.json', import.meta.url).pathname;
const json = () => JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>[];

const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 64,
  maxBatchSize: 8,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 64)));
  },
};

describe('LongMemEval data', () => {
  it('parses dates as LongMemEval writes them', () => {
    expect(parseLongMemEvalDate('2023/05/20 (Sat) 02:21')?.toISOString()).toBe('2023-05-20T02:21:00.000Z');
    expect(parseLongMemEvalDate('May 20')).toBeUndefined();
  });

  it('turns each question into its haystack, sessions in time order, evidence from the answer sessions', () => {
    const [dog, cello, car] = parseLongMemEval(json(), 'tiny.json');
    expect(dog?.haystack.sessions.map((s) => s.id)).toEqual(['s-soup', 's-dog', 's-neck']);
    // has_answer marks one turn of s-dog: that turn is the evidence, not the whole session.
    expect(dog?.evidence).toEqual(['s-dog:0']);
    expect(dog?.askedAt?.toISOString()).toBe('2023-06-02T10:00:00.000Z');
    expect(cello?.evidence).toEqual(['s-cello-1:0', 's-cello-2:0']);
    expect(cello?.haystack.questions[0]?.category).toBe(longMemEvalCategory('temporal-reasoning'));
    expect(car?.abstention).toBe(true);
    expect(car?.haystack.questions).toEqual([]);
  });

  it('names the first bad field', () => {
    const broken = json();
    delete (broken[1] as Record<string, unknown>)['haystack_dates'];
    expect(() => parseLongMemEval(broken, 'tiny.json')).toThrow(/tiny\.json\[1\].*haystack_dates/);
    const badDate = json();
    (badDate[0] as { haystack_dates: string[] }).haystack_dates[1] = 'yesterday';
    expect(() => parseLongMemEval(badDate, 'tiny.json')).toThrow(/haystack_dates\.1/);
    try {
      parseLongMemEval({}, 'x.json');
    } catch (error) {
      expect(LociError.isInstance(error) && error.code).toBe('invalid_config');
    }
  });

  it('is told apart from LoCoMo by shape; LoCoMo QA keeps category 5 as unanswerable', async () => {
    const data = await loadQaData(fixture);
    expect(data.map((d) => [d.format, d.questions[0]?.category, d.questions[0]?.unanswerable])).toEqual([
      ['longmemeval', 'single-session-user', false],
      ['longmemeval', 'temporal-reasoning', false],
      ['longmemeval', 'single-session-user', true],
    ]);
    const [locomo] = parseQaData(tinyConversation(), 'tiny.json');
    expect(locomo?.questions.map((q) => [q.category, q.unanswerable, q.answer])).toEqual([
      ['4', false, 'Pixel'],
      ['1', false, 'rowing'],
      ['5', true, ''],
      ['2', false, 'x'],
    ]);
  });

  it("runs through the recall loop: evidence = the answer sessions' turns", async () => {
    const conversations = await loadBenchData(fixture);
    const memory = createStoreSearchMemory({ embedder, store: createInMemoryStore(), mode: 'text' });
    const result = await runRecall({ conversations, memory, ks: [1, 10] });
    expect(result.conversations).toBe(3);
    expect(result.questions).toBe(2);
    // "puppy I adopted" finds the Biscuit turn first by its words.
    expect(result.byConversation['q-dog-name']?.recallAtK['10']).toBe(1);
    expect(Object.keys(result.byCategory)).toEqual(['1', '5']);
  });
});
