import { LociError, type Memory, type Turn } from '@loci/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A small conversation whose questions each have exactly one right turn. */
const conversation: Turn[] = [
  { id: 't1', speaker: 'Ana', text: 'I adopted a grey cat called Pixel from the shelter on Friday.' },
  { id: 't2', speaker: 'Ben', text: 'Congratulations! I started rowing on the canal every Sunday morning.' },
  { id: 't3', speaker: 'Ana', text: 'My sister Lucia is moving to Lisbon to teach mathematics.' },
  { id: 't4', speaker: 'Ben', text: 'I finally fixed the brakes on my old blue bicycle.' },
  { id: 't5', speaker: 'Ana', text: 'We baked sourdough bread with rosemary and sea salt.' },
  { id: 't6', speaker: 'Ben', text: 'The violin recital at the conservatory was wonderful.' },
].map((turn, index) => ({ ...turn, at: new Date(Date.UTC(2024, 0, 1 + index, 12)), sessionId: 's1' }));

const questions: { query: string; answer: string }[] = [
  { query: 'What is the name of the cat Ana adopted?', answer: 't1' },
  { query: 'Where is Lucia moving to teach?', answer: 't3' },
  { query: 'What did Ben fix on his bicycle?', answer: 't4' },
  { query: 'What bread did they bake with rosemary?', answer: 't5' },
];

async function observeAll(memory: Memory, namespace: string, turns: readonly Turn[]): Promise<void> {
  for (const turn of turns) await memory.observe({ namespace, event: { type: 'turn', ...turn } });
}

/**
 * The contract every `Memory` meets (see `@loci/core` memory.ts): what is observed can be
 * recalled with provenance, namespaces never leak, `k` and `tokenBudget` bound the result, and
 * bad input gets a clear error. `make` is called once per test, each with fresh namespaces.
 */
export function describeMemoryConformance(
  name: string,
  make: () => Promise<{ memory: Memory; cleanup?: () => Promise<void> }>,
): void {
  describe(`Memory conformance: ${name}`, () => {
    let memory: Memory;
    let cleanup: (() => Promise<void>) | undefined;
    let counter = 0;
    const fresh = () => `conformance-${Date.now().toString(36)}-${counter++}`;

    beforeAll(async () => {
      const made = await make();
      memory = made.memory;
      cleanup = made.cleanup;
    });

    afterAll(async () => {
      await memory?.close?.();
      await cleanup?.();
    });

    it('recalls the right turn first, with provenance pointing to observed turns', async () => {
      const namespace = fresh();
      await observeAll(memory, namespace, conversation);
      const observed = new Set(conversation.map((turn) => turn.id));
      for (const question of questions) {
        const items = await memory.recall({ query: question.query, namespace, k: 3 });
        expect(items.length).toBeGreaterThan(0);
        expect(items[0]?.sources, question.query).toContain(question.answer);
        for (const item of items) {
          expect(item.sources.length).toBeGreaterThan(0);
          for (const source of item.sources) expect(observed.has(source)).toBe(true);
          expect(item.tokens).toBeGreaterThan(0);
          expect(item.text.length).toBeGreaterThan(0);
          expect(Number.isFinite(item.score)).toBe(true);
        }
        // Best first.
        for (let i = 1; i < items.length; i++) {
          expect((items[i - 1] as { score: number }).score).toBeGreaterThanOrEqual(
            (items[i] as { score: number }).score,
          );
        }
      }
    });

    it('keeps namespaces apart', async () => {
      const first = fresh();
      const second = fresh();
      await observeAll(memory, first, conversation.slice(0, 3));
      await observeAll(
        memory,
        second,
        conversation.slice(3).map((turn) => ({ ...turn, id: `other-${turn.id}` })),
      );
      const fromSecond = await memory.recall({ query: 'the cat called Pixel', namespace: second, k: 10 });
      for (const item of fromSecond)
        for (const source of item.sources) expect(source.startsWith('other-')).toBe(true);
      const fromFirst = await memory.recall({
        query: 'bicycle brakes violin bread',
        namespace: first,
        k: 10,
      });
      for (const item of fromFirst)
        for (const source of item.sources) expect(source.startsWith('other-')).toBe(false);
    });

    it('respects k and the token budget', async () => {
      const namespace = fresh();
      await observeAll(memory, namespace, conversation);
      const two = await memory.recall({ query: 'cat rowing sister bicycle bread violin', namespace, k: 2 });
      expect(two.length).toBeLessThanOrEqual(2);
      const everything = await memory.recall({
        query: 'cat rowing sister bicycle bread violin',
        namespace,
        k: 10,
      });
      const smallest = Math.min(...everything.map((item) => item.tokens));
      const budget = smallest + 1;
      const fitted = await memory.recall({
        query: 'cat rowing sister bicycle bread violin',
        namespace,
        k: 10,
        tokenBudget: budget,
      });
      expect(fitted.reduce((sum, item) => sum + item.tokens, 0)).toBeLessThanOrEqual(budget);
    });

    it('returns nothing from an empty namespace', async () => {
      expect(await memory.recall({ query: 'anything at all', namespace: fresh(), k: 5 })).toEqual([]);
    });

    it('sees everything observed before a recall, also after an earlier recall', async () => {
      const namespace = fresh();
      await observeAll(memory, namespace, conversation.slice(0, 2));
      await memory.recall({ query: 'cat', namespace, k: 1 });
      await observeAll(memory, namespace, conversation.slice(2));
      const items = await memory.recall({ query: 'What did Ben fix on his bicycle?', namespace, k: 3 });
      expect(items[0]?.sources).toContain('t4');
    });

    it('treats hostile ids and text as data', async () => {
      const namespace = fresh();
      const hostile = "x' OR '1'='1\"; DROP TABLE turns; --";
      await memory.observe({
        namespace,
        event: {
          type: 'turn',
          id: hostile,
          speaker: 'Eve',
          text: 'The quokka escaped from the zoo.',
          at: new Date(),
        },
      });
      const items = await memory.recall({ query: 'quokka escaped', namespace, k: 2 });
      expect(items[0]?.sources).toEqual([hostile]);
    });

    it('rejects an empty query and a non-positive k with a clear error', async () => {
      const namespace = fresh();
      await observeAll(memory, namespace, conversation.slice(0, 1));
      for (const bad of [
        { query: '   ', namespace, k: 3 },
        { query: 'cat', namespace, k: 0 },
        { query: 'cat', namespace, k: -2 },
      ]) {
        const error = await memory.recall(bad).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(LociError.isInstance(error), JSON.stringify(bad)).toBe(true);
        expect((error as LociError).category).toBe('user');
        expect((error as Error).message).toMatch(/query|k/);
      }
    });

    it('forgets a namespace (where forget is implemented): nothing of it is recalled, others stay', async (context) => {
      if (!memory.forget) return context.skip();
      const gone = fresh();
      const kept = fresh();
      await observeAll(memory, gone, conversation);
      await observeAll(
        memory,
        kept,
        conversation.map((turn) => ({ ...turn, id: `kept-${turn.id}` })),
      );
      expect(
        (await memory.recall({ query: 'the cat called Pixel', namespace: gone, k: 5 })).length,
      ).toBeGreaterThan(0);
      await memory.flush?.();
      expect(await memory.forget({ namespace: gone })).toBeGreaterThan(0);
      expect(await memory.recall({ query: 'the cat called Pixel', namespace: gone, k: 5 })).toEqual([]);
      // Forgotten and buffered alike: observing again starts from nothing.
      await observeAll(memory, gone, conversation.slice(3, 4));
      const again = await memory.recall({ query: 'bicycle brakes', namespace: gone, k: 10 });
      expect(again.flatMap((item) => item.sources).every((source) => source === 't4')).toBe(true);
      const fromKept = await memory.recall({ query: 'the cat called Pixel', namespace: kept, k: 5 });
      expect(fromKept.flatMap((item) => item.sources)).toContain('kept-t1');
      expect(await memory.forget({ namespace: fresh() })).toBe(0);
    });
  });
}
