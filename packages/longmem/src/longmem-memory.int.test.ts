import { type EmbeddingModel, ProviderError } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { createDefaultMemory } from './default-memory.js';
import { createLongMemMemory } from './longmem-memory.js';
import { sideNetTable } from './memory-tables.js';

async function setup() {
  const dir = await makeTempDir('loci-longmem-');
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

describeMemoryConformance('createDefaultMemory', async () => {
  const { embedder, store, cleanup } = await setup();
  return { memory: createDefaultMemory({ embedder, store }), cleanup };
});

describeMemoryConformance('createLongMemMemory (chunks, self-supervised SideNet)', async () => {
  const { embedder, store, cleanup } = await setup();
  return {
    memory: createLongMemMemory({ embedder, store, output: 'chunk', chunkTokens: 24 }),
    cleanup,
  };
});

const topics = [
  'pottery class at the studio',
  'marathon training in the rain',
  'new puppy called Biscuit',
  'job interview at the bakery',
  'trip to the mountains in Norway',
  'learning to play the cello',
  'building a treehouse for the kids',
  'volunteering at the food bank',
];

/** A longer synthetic conversation: enough turns for self-supervised training to start. */
function longConversation(count: number) {
  return Array.from({ length: count }, (_, index) => {
    const topic = topics[index % topics.length] as string;
    return {
      type: 'turn' as const,
      id: `D${1 + Math.floor(index / 10)}:${1 + (index % 10)}`,
      speaker: index % 2 === 0 ? 'Ana' : 'Ben',
      text: `Turn ${index}: talking about the ${topic}, detail number ${index * 7} and the colour ${['red', 'green', 'blue'][index % 3]}.`,
      at: new Date(Date.UTC(2024, 0, 1 + Math.floor(index / 10), 10, index % 10)),
      sessionId: `session_${1 + Math.floor(index / 10)}`,
    };
  });
}

describe('LongMem persistence and training', () => {
  it('re-loads the bank and the SideNet weights from the store in a fresh instance', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const memory = createLongMemMemory({ embedder, store, sideNet: { minTurns: 20 } });
      for (const event of longConversation(60)) await memory.observe({ namespace: 'user-1', event });
      await memory.flush?.();
      const before = await memory.recall({ query: 'the cello lessons', namespace: 'user-1', k: 5 });
      expect(before[0]?.text).toContain('cello');

      const sideNetRows = await store.openTable(sideNetTable(embedder.modelId));
      const [saved] = await sideNetRows.get({ namespace: 'user-1', ids: ['sidenet'] });
      expect(saved).toBeDefined();
      const weights = JSON.parse(saved?.weights ?? '{}') as { version: number; gate: number };
      expect(weights.version).toBe(1);
      // Trained: the gate has moved off zero, so the SideNet now contributes.
      expect(weights.gate).not.toBe(0);

      const reopened = createLongMemMemory({ embedder, store, sideNet: { minTurns: 20 } });
      const after = await reopened.recall({ query: 'the cello lessons', namespace: 'user-1', k: 5 });
      expect(after.map((item) => item.sources)).toEqual(before.map((item) => item.sources));
      expect(await reopened.recall({ query: 'the cello lessons', namespace: 'user-2', k: 5 })).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('forgets the oldest turns past its capacity, in the store too', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const memory = createLongMemMemory({
        embedder,
        store,
        capacity: 30,
        sideNet: { selfSupervised: false },
      });
      for (const event of longConversation(50)) await memory.observe({ namespace: 'fifo', event });
      await memory.flush?.();
      const items = await memory.recall({
        query: 'Turn 0: talking about the pottery class',
        namespace: 'fifo',
        k: 50,
      });
      const sources = new Set(items.flatMap((item) => item.sources));
      expect(sources.has('D1:1')).toBe(false);
      expect(sources.has('D5:10')).toBe(true);
      const fresh = createLongMemMemory({
        embedder,
        store,
        capacity: 30,
        sideNet: { selfSupervised: false },
      });
      const reloaded = await fresh.recall({ query: 'pottery class', namespace: 'fifo', k: 50 });
      expect(reloaded.length).toBeLessThanOrEqual(30);
      expect(reloaded.flatMap((item) => item.sources)).not.toContain('D1:1');
    } finally {
      await cleanup();
    }
  });

  it('recalls as of a time, and names bad input', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const memory = createDefaultMemory({ embedder, store });
      for (const event of longConversation(30)) await memory.observe({ namespace: 'n', event });
      const early = await memory.recall({
        query: 'talking about the colour',
        namespace: 'n',
        k: 30,
        at: new Date(Date.UTC(2024, 0, 1, 23)),
      });
      expect(early.length).toBeGreaterThan(0);
      for (const item of early)
        for (const source of item.sources) expect(source.startsWith('D1:')).toBe(true);
      await expect(
        memory.observe({
          namespace: '',
          event: { type: 'turn', id: 'x', speaker: 'a', text: 'b', at: new Date() },
        }),
      ).rejects.toThrow(/namespace/);
      await expect(
        memory.observe({
          namespace: 'n',
          event: { type: 'turn', id: '', speaker: 'a', text: 'b', at: new Date('nope') },
        }),
      ).rejects.toThrow(/observe options: event.id: turn id must not be empty; event.at/);
      expect(() => createDefaultMemory({ embedder, store, sideNetWeights: { version: 1 } })).toThrow(
        /SideNet weights/,
      );
    } finally {
      await cleanup();
    }
  });
});

describe('LongMem under failure and concurrency', () => {
  it('loses no turn when the encoder fails during a flush, and recovers on the next one', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      let failNext = true;
      const flaky: EmbeddingModel = {
        provider: embedder.provider,
        modelId: embedder.modelId,
        dimensions: embedder.dimensions,
        maxBatchSize: embedder.maxBatchSize,
        async embed(texts, options) {
          if (options.kind === 'document' && failNext) {
            failNext = false;
            throw new ProviderError('encoder unavailable', { retryable: true });
          }
          return embedder.embed(texts, options);
        },
      };
      const memory = createDefaultMemory({ embedder: flaky, store });
      for (const event of longConversation(12)) await memory.observe({ namespace: 'flaky', event });
      await expect(memory.recall({ query: 'cello', namespace: 'flaky', k: 3 })).rejects.toThrow(
        /encoder unavailable/,
      );
      const items = await memory.recall({ query: 'learning to play the cello', namespace: 'flaky', k: 12 });
      expect(new Set(items.flatMap((item) => item.sources)).size).toBe(12);
      expect(items[0]?.text).toContain('cello');
    } finally {
      await cleanup();
    }
  });

  it('keeps every turn, in order, when observe and recall race', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const memory = createLongMemMemory({ embedder, store, batchSize: 5, sideNet: { minTurns: 10 } });
      const events = longConversation(40);
      await Promise.all(
        events.flatMap((event, index) => [
          memory.observe({ namespace: 'race', event }),
          ...(index % 7 === 0 ? [memory.recall({ query: 'talking about', namespace: 'race', k: 3 })] : []),
        ]),
      );
      const fresh = createLongMemMemory({ embedder, store, sideNet: { selfSupervised: false } });
      const items = await fresh.recall({
        query: 'talking about the colour detail',
        namespace: 'race',
        k: 100,
      });
      expect(items.map((item) => item.sources[0]).sort()).toEqual(events.map((event) => event.id).sort());
    } finally {
      await cleanup();
    }
  });

  it('replaces a turn observed again under the same id', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const memory = createDefaultMemory({ embedder, store });
      const at = new Date('2024-03-01T10:00:00Z');
      await memory.observe({
        namespace: 'edit',
        event: { type: 'turn', id: 'x1', speaker: 'Ana', text: 'I love kayaking.', at },
      });
      await memory.recall({ query: 'kayaking', namespace: 'edit', k: 1 });
      await memory.observe({
        namespace: 'edit',
        event: { type: 'turn', id: 'x1', speaker: 'Ana', text: 'I love climbing.', at },
      });
      const items = await memory.recall({ query: 'What does Ana love?', namespace: 'edit', k: 5 });
      expect(items).toHaveLength(1);
      expect(items[0]?.text).toContain('climbing');
    } finally {
      await cleanup();
    }
  });
});
