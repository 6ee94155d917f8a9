import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { parseConversation } from './locomo.js';
import { createMethod, methodNames } from './methods.js';
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

describe('every method on a hand-built conversation', () => {
  it('finds the evidence of questions that share words with it', async () => {
    const { embedder, store, cleanup } = await setup();
    try {
      const conversation = parseConversation(tinyConversation(), 'tiny.json');
      for (const method of methodNames) {
        const result = await runRecall({
          conversations: [conversation],
          memory: createMethod(method, { embedder, store }),
          method,
          ks: [5, 10],
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
