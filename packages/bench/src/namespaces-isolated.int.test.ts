import { join } from 'node:path';
import {
  createInMemoryStore,
  type EmbeddingModel,
  LociError,
  type Memory,
  type MemoryStore,
} from '@loci/core';
import { createFocusedMemory } from '@loci/fot';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory, createLongMemMemory } from '@loci/longmem';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { createThoughtMemory } from '@loci/tim';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStoreSearchMemory } from './store-search-memory.js';

// Hostile namespaces and turn ids (quotes, SQL and LIKE fragments, unicode, very long): a recall in
// one namespace never returns an item whose sources belong to another. docs/reliability.md gives the
// soak command; LOCI_PROPERTY_RUNS scales the in-memory runs (LanceDB gets a tenth).
const runs = Number(process.env['LOCI_PROPERTY_RUNS'] ?? 50);
const lanceRuns = Math.max(5, Math.round(runs / 10));

const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 64,
  maxBatchSize: 16,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 64)));
  },
};

const fragments = [
  "'",
  '"',
  '`',
  "' OR '1'='1",
  '; DROP TABLE x; --',
  '%',
  '_',
  '\\',
  '*',
  '#',
  '/',
  '..',
  '\u0000',
  'é',
  '😀',
  '\u202E',
  'ß',
  'İ',
  ' ',
  '\n',
  'NULL',
  'a',
  'alice',
];
/**
 * At most `maxLength` UTF-16 units without splitting a surrogate pair: stores refuse a lone surrogate
 * in a namespace (invalid_config, a clear refusal), which is not what this test is about.
 */
function cut(text: string, maxLength: number): string {
  let result = '';
  for (const char of text) {
    if (result.length + char.length > maxLength) break;
    result += char;
  }
  return result;
}

const hostile = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...fragments),
        fc.string({ unit: 'grapheme', maxLength: 8 }),
        fc.constant('x'.repeat(200)),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((parts) => cut(parts.join(''), maxLength))
    .filter((text) => text.length > 0);

const scenario = fc.record({
  namespaces: fc.uniqueArray(hostile(256), { minLength: 2, maxLength: 3 }),
  ids: fc.array(hostile(300), { minLength: 2, maxLength: 4 }),
});

interface System {
  name: string;
  create(store: MemoryStore): Memory;
  /** Writes one namespace's turns (and what the system derives from them). */
  write(memory: Memory, namespace: string, turns: { id: string; text: string }[]): Promise<void>;
}

async function observeAll(memory: Memory, namespace: string, turns: { id: string; text: string }[]) {
  for (const [index, turn] of turns.entries()) {
    await memory.observe({
      namespace,
      event: {
        type: 'turn',
        id: turn.id,
        speaker: 'user',
        text: turn.text,
        at: new Date(2024, 0, 1 + index),
      },
    });
  }
  await memory.flush?.();
}

const systems: System[] = [
  {
    name: 'default (longmem)',
    create: (store) => createDefaultMemory({ embedder, store }),
    write: observeAll,
  },
  {
    name: 'longmem chunks',
    create: (store) => createLongMemMemory({ embedder, store, output: 'chunk', chunkTokens: 32 }),
    write: observeAll,
  },
  {
    name: 'tim',
    create: (store) => createThoughtMemory({ embedder, store }),
    async write(memory, namespace, turns) {
      await observeAll(memory, namespace, turns);
      const tim = memory as ReturnType<typeof createThoughtMemory>;
      await tim.addThoughts({
        namespace,
        thoughts: turns.map((turn) => ({ subject: 'secret', text: turn.text, sources: [turn.id] })),
      });
    },
  },
  { name: 'fot', create: (store) => createFocusedMemory({ embedder, store }), write: observeAll },
  ...(['text', 'vector', 'hybrid'] as const).map((mode) => ({
    name: `store search (${mode})`,
    create: (store: MemoryStore) => createStoreSearchMemory({ embedder, store, mode }),
    write: observeAll,
  })),
];

/** One property run per system on one store: ids are made unique per case so their owner is known. */
async function checkIsolation(system: System, store: MemoryStore, numRuns: number): Promise<number> {
  const memory = system.create(store);
  const owner = new Map<string, string>();
  let caseIndex = 0;
  let recalled = 0;
  await fc.assert(
    fc.asyncProperty(scenario, async ({ namespaces, ids }) => {
      caseIndex++;
      for (const [n, namespace] of namespaces.entries()) {
        const turns = ids.map((id, t) => ({
          id: `${id}~${caseIndex}.${n}.${t}`,
          text: `the shared secret word is pineapple ${t} ${namespace}`,
        }));
        for (const turn of turns) owner.set(turn.id, namespace);
        await system.write(memory, namespace, turns);
      }
      for (const namespace of namespaces) {
        const items = await memory.recall({ namespace, query: 'shared secret word pineapple', k: 20 });
        recalled += items.length;
        for (const item of items) {
          for (const source of item.sources) expect(owner.get(source), source).toBe(namespace);
        }
      }
    }),
    { numRuns },
  );
  await memory.close?.();
  // The property must have seen items: an empty recall everywhere would pass vacuously.
  expect(recalled).toBeGreaterThan(0);
  return caseIndex;
}

describe('namespaces stay isolated under hostile ids', () => {
  for (const system of systems) {
    it(`${system.name}: in-memory store, ${runs} cases`, async () => {
      await checkIsolation(system, createInMemoryStore(), runs);
    }, 600_000);
  }

  it(`every system on LanceDB, ${lanceRuns} cases each`, async () => {
    const dir = await makeTempDir('loci-namespaces-');
    try {
      for (const [index, system] of systems.entries()) {
        const store = await createLanceStore({ uri: join(dir.path, `store-${index}`) });
        try {
          await checkIsolation(system, store, lanceRuns);
        } catch (error) {
          if (LociError.isInstance(error)) throw new Error(`${system.name}: ${error.code}`, { cause: error });
          throw error;
        } finally {
          await store.close();
        }
      }
    } finally {
      await dir.remove();
    }
  }, 600_000);
});
