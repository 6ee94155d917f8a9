import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddingModel, EmbedOptions } from '@loci/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { loadDistractors } from './distractors.js';
import {
  createCachingEmbedder,
  distractorEmbeddingsPath,
  openDistractorEmbeddings,
  withDistractorEmbeddings,
} from './distractors-embeddings.js';
import { parseConversation } from './locomo.js';

/** A deterministic 8-d embedder that counts the texts it embeds. */
function countingEmbedder(modelId = 'count-8d'): EmbeddingModel & { texts: number } {
  const embedder = {
    provider: 'test',
    modelId,
    dimensions: 8,
    maxBatchSize: 16,
    texts: 0,
    async embed(texts: readonly string[], options: EmbedOptions) {
      embedder.texts += texts.length;
      return texts.map((text) =>
        Float32Array.from(
          { length: 8 },
          (_, d) => ((text.charCodeAt(d % text.length) || 0) + d) / 100 + (options.kind === 'query' ? 1 : 0),
        ),
      );
    },
  };
  return embedder;
}

const source = parseConversation(tinyConversation(['Cleo', 'Dev']), 'other.json');
let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'loci-distractor-embeddings-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Embeds every distractor text as a document through `embedder`, as a method's bulk write would. */
async function addAll(embedder: EmbeddingModel, texts: readonly string[]) {
  return embedder.embed(texts, { kind: 'document' });
}

describe('withDistractorEmbeddings', () => {
  it('embeds a distractor set once; a rerun reads every vector from the cache, identical', async () => {
    const distractors = await loadDistractors({ sources: [source], count: 40, home });
    const texts = distractors.entries.map((entry) => `${entry.speaker}: ${entry.text}`);
    const inner = countingEmbedder();
    const embedder = createCachingEmbedder(inner);
    let first: Float32Array[] = [];
    const run1 = await withDistractorEmbeddings({ embedder, home, distractors }, async () => {
      first = await addAll(embedder, texts);
    });
    expect(run1).toMatchObject({ state: 'new', hits: 0, misses: 40 });
    expect(inner.texts).toBe(40);

    // A new process: a fresh wrapper over a fresh embedder of the same id.
    const inner2 = countingEmbedder();
    const embedder2 = createCachingEmbedder(inner2);
    let second: Float32Array[] = [];
    const run2 = await withDistractorEmbeddings({ embedder: embedder2, home, distractors }, async () => {
      second = await addAll(embedder2, texts);
    });
    expect(run2).toMatchObject({ state: 'loaded', hits: 40, misses: 0 });
    expect(inner2.texts).toBe(0);
    expect(second).toEqual(first);

    // Outside the call the cache is detached: questions are embedded by the embedder itself.
    await embedder2.embed([texts[0] as string], { kind: 'document' });
    expect(inner2.texts).toBe(1);
  });

  it('keys vectors by text and kind, and adds what another method needed to the same file', async () => {
    const distractors = await loadDistractors({ sources: [source], count: 12, home });
    const texts = distractors.entries.map((entry) => entry.text);
    const embedder = createCachingEmbedder(countingEmbedder());
    await withDistractorEmbeddings({ embedder, home, distractors }, () =>
      addAll(embedder, texts).then(() => {}),
    );
    const inner = countingEmbedder();
    const again = createCachingEmbedder(inner);
    const run = await withDistractorEmbeddings({ embedder: again, home, distractors }, async () => {
      const [asQuery] = await again.embed([texts[0] as string], { kind: 'query' });
      const [asDocument] = await again.embed([texts[0] as string], { kind: 'document' });
      expect(asQuery).not.toEqual(asDocument);
      await again.embed(['a sentence key only this method uses'], { kind: 'document' });
    });
    expect(run).toMatchObject({ hits: 1, misses: 2 });
    const cache = await openDistractorEmbeddings({ home, key: distractors.key, count: 12, embedder: inner });
    expect(cache.size()).toBe(14);
  });

  it('keeps each embedder and each set in its own file', async () => {
    const small = await loadDistractors({ sources: [source], count: 10, home });
    const large = await loadDistractors({ sources: [source], count: 20, home });
    const a = countingEmbedder('model-a');
    const b = countingEmbedder('model-b');
    expect(distractorEmbeddingsPath(home, small.key, a)).not.toBe(
      distractorEmbeddingsPath(home, small.key, b),
    );
    expect(distractorEmbeddingsPath(home, small.key, a)).not.toBe(
      distractorEmbeddingsPath(home, large.key, a),
    );
    const embedder = createCachingEmbedder(a);
    await withDistractorEmbeddings({ embedder, home, distractors: small }, () =>
      addAll(embedder, ['one', 'two']).then(() => {}),
    );
    const other = createCachingEmbedder(b);
    const run = await withDistractorEmbeddings({ embedder: other, home, distractors: small }, () =>
      addAll(other, ['one', 'two']).then(() => {}),
    );
    expect(run).toMatchObject({ state: 'new', hits: 0, misses: 2 });
  });

  it('detects a truncated or corrupt cache file, says so, and rebuilds it', async () => {
    const distractors = await loadDistractors({ sources: [source], count: 16, home });
    const texts = distractors.entries.map((entry) => entry.text);
    const embedder = createCachingEmbedder(countingEmbedder());
    const built = await withDistractorEmbeddings({ embedder, home, distractors }, () =>
      addAll(embedder, texts).then(() => {}),
    );
    const good = await readFile(built.path);

    const damaged: [string, Buffer, RegExp][] = [
      ['truncated', good.subarray(0, good.length - 5), /truncated/],
      [
        'flipped',
        Buffer.from(good.map((byte, index) => (index === good.length - 3 ? byte ^ 0xff : byte))),
        /checksum/,
      ],
      ['not a cache', Buffer.from('hello\n'), /no header/],
    ];
    for (const [label, bytes, reason] of damaged) {
      await writeFile(built.path, bytes);
      const inner = countingEmbedder();
      const rebuilding = createCachingEmbedder(inner);
      const notes: string[] = [];
      const run = await withDistractorEmbeddings(
        { embedder: rebuilding, home, distractors, onNote: (note) => notes.push(note) },
        () => addAll(rebuilding, texts).then(() => {}),
      );
      expect(run.state, label).toBe('rebuilt');
      expect(notes, label).toHaveLength(1);
      expect(notes[0], label).toMatch(reason);
      expect(inner.texts, label).toBe(texts.length);
      expect(await readFile(built.path), label).toEqual(good);
    }
  });
});

describe('loadDistractors: a damaged entry cache', () => {
  it('rebuilds a truncated or unparsable JSON lines file and says why', async () => {
    const first = await loadDistractors({ sources: [source], count: 12, home });
    const text = await readFile(first.path, 'utf8');
    await writeFile(first.path, text.split('\n').slice(0, 5).join('\n'));
    const shorter = await loadDistractors({ sources: [source], count: 12, home });
    expect(shorter).toMatchObject({
      cached: false,
      note: expect.stringMatching(/holds 5 entries, expected 12/),
    });
    expect(shorter.entries).toEqual(first.entries);
    await writeFile(first.path, text.replace('"id"', '"id'));
    const broken = await loadDistractors({ sources: [source], count: 12, home });
    expect(broken).toMatchObject({ cached: false, note: expect.stringMatching(/unreadable/) });
    expect((await loadDistractors({ sources: [source], count: 12, home })).cached).toBe(true);
  });
});
