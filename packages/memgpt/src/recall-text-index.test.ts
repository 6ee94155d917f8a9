import { describe, expect, it } from 'vitest';
import { createRecallSearchCache, createRecallTextIndex, recallTerms } from './recall-text-index.js';
import type { StoredMessage } from './stored-message.js';

const message = (seq: number, content: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id: `m${seq}`,
  seq,
  kind: 'user',
  content,
  at: new Date(Date.UTC(2024, 0, 1 + seq)),
  stepId: 's',
  ...extra,
});

const ids = (found: readonly StoredMessage[] | undefined) => found?.map((m) => m.id);

describe('recallTerms', () => {
  it('stems words, folds accents and drops stop words after stemming, as the store index does', () => {
    expect(recallTerms('Painting the CATS’ café; naïve runners')).toEqual([
      'paint',
      'cat',
      'cafe',
      'naiv',
      'runner',
    ]);
    // "ands" stems to "and", a stop word; digits are not stemmed; words over 40 characters go.
    expect(recallTerms(`ands 12345 x2 ${'a'.repeat(41)}`)).toEqual(['12345', 'x2']);
  });
});

describe('recall text index', () => {
  it('ranks by BM25, newest first among equal scores, and skips a message indexed twice', () => {
    const index = createRecallTextIndex();
    index.add([
      message(0, 'we painted the kitchen'),
      message(1, 'painting the kitchen again, the kitchen is blue'),
      message(2, 'a trip to Lisbon'),
      message(3, 'we painted the kitchen'),
    ]);
    index.add([message(0, 'we painted the kitchen')]);
    expect(index.size).toBe(4);
    // "lisbon" is rarer than "paint": the one message with it comes first.
    expect(ids(index.search('paint Lisbon', 10))).toEqual(['m2', 'm3', 'm0', 'm1']);
    expect(ids(index.search('kitchens', 2))).toEqual(['m1', 'm3']);
    expect(index.search('the and', 10)).toEqual([]);
    expect(index.search('   ', 10)).toEqual([]);
    expect(index.search('kitchen', 0)).toEqual([]);
  });

  it('finds function calls, and a query of symbols by substring', () => {
    const index = createRecallTextIndex();
    index.add([
      message(0, 'concert tonight 🎻🎻'),
      message(1, 'more 🎻'),
      message(2, '', {
        kind: 'assistant',
        toolCalls: [{ id: 'c', name: 'archival_memory_insert', arguments: '{"content":"heron nest"}' }],
      }),
    ]);
    expect(ids(index.search('🎻', 10))).toEqual(['m0', 'm1']);
    expect(ids(index.search('herons', 10))).toEqual(['m2']);
  });
});

describe('recall search cache', () => {
  const stored = Array.from({ length: 4_500 }, (_, seq) =>
    message(seq, seq === 4_321 ? 'the heron nest' : `turn ${seq}`),
  );
  const page = async (after: number, size: number) => stored.filter((m) => m.seq > after).slice(0, size);

  it('answers once every stored message is loaded, page by page, with those handed over meanwhile', async () => {
    const pages: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const cache = createRecallSearchCache({
      limit: 10_000,
      count: async () => stored.length,
      page: async (after, size) => {
        pages.push(after);
        await gate;
        return page(after, size);
      },
    });
    cache.add([message(4_500, 'a second heron')]);
    expect(cache.search('heron', 5)).toBeUndefined();
    release();
    await cache.loaded;
    expect(pages).toEqual([-1, 1_999, 3_999]);
    expect(ids(cache.search('heron', 5))).toEqual(['m4500', 'm4321']);
    cache.add([message(4_501, 'herons again')]);
    expect(ids(cache.search('heron', 1))).toEqual(['m4501']);
  });

  it('turns off past its limit, after a failed load, and at limit 0', async () => {
    let pageCalls = 0;
    const counted = (count: number) =>
      createRecallSearchCache({
        limit: 4_000,
        count: async () => count,
        page: async (after, size) => {
          pageCalls++;
          return page(after, size);
        },
      });
    const tooMany = counted(4_500);
    await tooMany.loaded;
    expect(tooMany.search('heron', 5)).toBeUndefined();
    expect(pageCalls).toBe(0);

    // The count said fewer, but the pages (or the messages handed over) pass the limit.
    const growing = counted(10);
    await growing.loaded;
    expect(growing.search('heron', 5)).toBeUndefined();

    const failing = createRecallSearchCache({
      limit: 10,
      count: async () => 1,
      page: async () => {
        throw new Error('disk gone');
      },
    });
    await failing.loaded;
    expect(failing.search('heron', 5)).toBeUndefined();

    const off = createRecallSearchCache({ limit: 0, count: async () => 0, page: async () => [] });
    await off.loaded;
    off.add([message(0, 'heron')]);
    expect(off.search('heron', 5)).toBeUndefined();

    const small = createRecallSearchCache({ limit: 2, count: async () => 0, page: async () => [] });
    await small.loaded;
    small.add([message(0, 'heron'), message(1, 'heron')]);
    expect(ids(small.search('heron', 5))).toEqual(['m1', 'm0']);
    small.add([message(2, 'heron')]);
    expect(small.search('heron', 5)).toBeUndefined();
  });
});
