import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { buildDistractors } from './distractors.js';
import { parseConversation } from './locomo.js';
import { createBenchMethod, createMethod, methodNames } from './methods.js';
import { runRecall } from './run-recall.js';

async function setup() {
  const dir = await makeTempDir('loci-bench-');
  const embedder = await createGloveEmbedder();
  const store = await createLanceStore({ uri: dir.path });
  return {
    embedder,
    store,
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
}

for (const method of ['bm25', 'dense', 'hybrid'] as const) {
  describeMemoryConformance(`bench method ${method}`, async () => {
    const { embedder, store, cleanup } = await setup();
    return { memory: createMethod(method, { embedder, store }), cleanup };
  });
}

/** The tiny conversation with LoCoMo-style observations (what `--thoughts from-data` reads). */
function withObservations(): Record<string, unknown> {
  return {
    ...tinyConversation(),
    session_1_observation: {
      Ana: [['Ana adopted a grey cat called Pixel.', 'D1:1']],
      Ben: [['Ben started rowing on the canal.', 'D1:2']],
    },
    session_2_observation: {
      Ana: [["Pixel, the cat, knocked Ana's violin off the shelf.", 'D2:1']],
      Ben: [['Ben won a rowing race.', 'D2:2']],
    },
  };
}

/** Another context: different people, different topics (the distractors' source). */
function otherConversation(): Record<string, unknown> {
  const turns = [
    'I repaired the greenhouse roof before the storm.',
    'The tomatoes finally ripened this week.',
    'We drove to the coast and watched the lighthouse.',
    'My brother opened a bakery downtown in March.',
    'I am learning to play chess online every evening.',
  ];
  return {
    speaker_a: 'Cleo',
    speaker_b: 'Dev',
    session_1_date_time: '9:00 am on 2 March, 2022',
    session_1: turns.map((text, index) => ({
      speaker: index % 2 === 0 ? 'Cleo' : 'Dev',
      dia_id: `D1:${index + 1}`,
      text,
    })),
    qa: [],
  };
}

describe('thoughts and distractors', () => {
  it('best with thoughts from the data fuses thoughts and turns, each naming its turns', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const conversation = parseConversation(withObservations(), 'tiny.json');
      const bench = createBenchMethod('best', { embedder, store, thoughts: 'from-data' });
      await runRecall({
        conversations: [conversation],
        memory: bench.memory,
        namespacePrefix: 'fused',
        ...(bench.beforeQuestions ? { beforeQuestions: bench.beforeQuestions } : {}),
      });
      const items = await bench.memory.recall({ namespace: 'fused-0', query: 'cat Pixel', k: 10 });
      expect(new Set(items.map((item) => item.kind))).toEqual(new Set(['turn', 'thought']));
      for (const item of items) expect(item.sources.length).toBeGreaterThan(0);
      expect(items[0]?.sources).toContain('D1:1');
    } finally {
      await cleanup();
    }
  });

  it('tim without observations in the data says so', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const conversation = parseConversation(tinyConversation(), 'tiny.json');
      const bench = createBenchMethod('tim', { embedder, store });
      await expect(bench.beforeQuestions?.('x', conversation)).rejects.toThrow(/session_N_observation/);
    } finally {
      await cleanup();
    }
  });

  it('every method takes distractors in bulk and still finds the evidence among them', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const conversation = parseConversation(withObservations(), 'tiny.json');
      const other = parseConversation(otherConversation(), 'other.json');
      const entries = buildDistractors([other], 40);
      for (const method of methodNames) {
        const bench = createBenchMethod(method, { embedder, store });
        const result = await runRecall({
          conversations: [conversation],
          memory: bench.memory,
          method,
          distractors: entries.length,
          beforeQuestions: async (namespace, evaluated) => {
            await bench.addDistractors(namespace, entries);
            await bench.beforeQuestions?.(namespace, evaluated);
          },
        });
        expect(result.distractors).toBe(40);
        expect(result.byCategory['4']?.recallAtK['10'], method).toBe(1);
      }
    } finally {
      await cleanup();
    }
  });
});

describe('every method on a hand-built conversation', () => {
  it('finds the evidence of questions that share words with it', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const conversation = parseConversation(withObservations(), 'tiny.json');
      for (const method of methodNames) {
        const bench = createBenchMethod(method, { embedder, store });
        const result = await runRecall({
          conversations: [conversation],
          memory: bench.memory,
          method,
          ks: [5, 10],
          ...(bench.beforeQuestions ? { beforeQuestions: bench.beforeQuestions } : {}),
        });
        expect(result.method).toBe(method);
        expect(result.questions).toBe(2);
        // "sport" shares no word with "rowing": a lexical method finds half of that question's evidence.
        expect(result.recallAtK['10'], method).toBeGreaterThanOrEqual(0.75);
        expect(result.byCategory['4']?.recallAtK['5'], method).toBe(1);
      }
    } finally {
      await cleanup();
    }
  });

  it('refuses an unknown method with the list of known ones', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      expect(() => createMethod('magic', { embedder, store })).toThrow(/bm25, dense, hybrid, longmem, best/);
    } finally {
      await cleanup();
    }
  });
});
