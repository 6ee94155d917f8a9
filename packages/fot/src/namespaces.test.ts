import { createInMemoryStore, seededRandom } from '@loci/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import { identityProjection, type Projection } from './projection.js';

const words = ['pottery', 'clay', 'rain', 'puppy', 'cello', 'canal', 'bread', 'chess', 'lake', 'novel'];

function randomProjection(dimensions: number, seed: number): Projection {
  const base = identityProjection(dimensions, 8, seed);
  const random = seededRandom(seed);
  return { ...base, u: Float32Array.from(base.u, () => random() - 0.5) };
}

describe('createFocusedMemory: namespaces', () => {
  it('never returns a value of another namespace, before or after a projection serves', async () => {
    const embedder = createHashingEmbedder(32);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            namespace: fc.constantFrom('a', 'b', 'c'),
            words: fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
            context: fc.constantFrom('x', 'y'),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.constantFrom(...words),
        fc.integer({ min: 1, max: 1000 }),
        async (entries, query, seed) => {
          const memory = createFocusedMemory({ embedder, store: createInMemoryStore() });
          const owner = new Map<string, string>();
          for (const [index, entry] of entries.entries()) {
            // The same id in two namespaces is two different values.
            const id = `v${index % 5}`;
            owner.set(`${entry.namespace}/${id}`, entry.words.join(' '));
            await memory.put({
              namespace: entry.namespace,
              value: { id, text: entry.words.join(' '), context: entry.context },
            });
          }
          await memory.reproject({ namespace: 'a', projection: randomProjection(32, seed) });
          for (const namespace of ['a', 'b', 'c']) {
            const hits = await memory.search({ namespace, query, k: 10 });
            for (const hit of hits) expect(owner.get(`${namespace}/${hit.value.id}`)).toBe(hit.value.text);
            const expected = [...owner.keys()].filter((key) => key.startsWith(`${namespace}/`)).length;
            expect(hits.length).toBe(Math.min(10, expected));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
