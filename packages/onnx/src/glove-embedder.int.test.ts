import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, cosine, type EmbeddingModel, norm } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGloveEmbedder } from './glove-embedder.js';
import { gloveModelDirectory } from './glove-model.js';
import type { ProgressEvent } from './progress.js';

let home: { path: string; remove: () => Promise<void> };
let model: EmbeddingModel;
const buildEvents: ProgressEvent[] = [];

beforeAll(async () => {
  home = await makeTempDir('loci-glove-');
  model = await createGloveEmbedder({ home: home.path, onProgress: (event) => buildEvents.push(event) });
});

afterAll(async () => {
  await home.remove();
});

async function embedOne(embedder: EmbeddingModel, text: string): Promise<Float32Array> {
  const [vector] = await embedder.embed([text], { kind: 'document' });
  if (!vector) throw new Error('no vector');
  return vector;
}

describe('glove-sif-100d', () => {
  it('builds the model into the Loci home on first use, reporting progress', async () => {
    expect(model).toMatchObject({
      provider: 'onnx',
      modelId: 'glove-sif-100d',
      dimensions: 100,
      maxBatchSize: 256,
    });
    expect(buildEvents.map((event) => event.phase)).toEqual(['check', 'read', 'build', 'write', 'done']);
    const manifest = JSON.parse(
      await readFile(join(gloveModelDirectory(home.path), 'loci-manifest.json'), 'utf8'),
    );
    expect(manifest).toMatchObject({ modelId: 'glove-sif-100d', origin: 'built', dimensions: 100 });
    expect(Object.keys(manifest.files).sort()).toEqual(['model.onnx', 'vocab.txt']);
  });

  it('reuses a verified build instead of rebuilding', async () => {
    const events: ProgressEvent[] = [];
    const again = await createGloveEmbedder({ home: home.path, onProgress: (event) => events.push(event) });
    expect(events.map((event) => event.phase)).toEqual(['verify']);
    expect(await embedOne(again, 'a quiet walk in the park')).toEqual(
      await embedOne(model, 'a quiet walk in the park'),
    );
  });

  it('gives concurrent embed calls the same vectors as sequential ones', async () => {
    const texts = ['the first text', 'a second, longer text about trains and music', 'third'];
    const sequential: Float32Array[] = [];
    for (const text of texts) sequential.push(await embedOne(model, text));
    const concurrent = await Promise.all(texts.map((text) => embedOne(model, text)));
    expect(concurrent).toEqual(sequential);
  });

  it('stops between batches when the signal aborts mid-call', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 10 * model.maxBatchSize }, (_, index) => `text number ${index}`);
    const pending = model.embed(texts, { kind: 'document', signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(pending).rejects.toThrow('caller gave up');
  });

  it('shares one build between concurrent first uses in a process', async () => {
    const fresh = await makeTempDir('loci-glove-concurrent-');
    try {
      const events: ProgressEvent[] = [];
      const onProgress = (event: ProgressEvent) => events.push(event);
      const [first, second] = await Promise.all([
        createGloveEmbedder({ home: fresh.path, onProgress }),
        createGloveEmbedder({ home: fresh.path, onProgress }),
      ]);
      expect(events.filter((event) => event.phase === 'read')).toHaveLength(1);
      expect(await embedOne(first, 'shared build')).toEqual(await embedOne(second, 'shared build'));
    } finally {
      await fresh.remove();
    }
  });

  it('embeds related sentences closer than unrelated ones', async () => {
    const [cat, kitten, stocks] = await model.embed(
      [
        'The cat rested on the carpet.',
        'A kitten slept on the rug.',
        'Interest rates pushed bond yields higher.',
      ],
      { kind: 'document' },
    );
    if (!cat || !kitten || !stocks) throw new Error('missing vectors');
    expect(norm(cat)).toBeCloseTo(1, 5);
    expect(cosine(cat, kitten)).toBeGreaterThan(cosine(cat, stocks) + 0.2);
  });

  it('is a weighted mean: repeating a sentence does not change its vector', async () => {
    const once = await embedOne(model, 'Caroline went to a support group');
    const twice = await embedOne(
      model,
      'Caroline went to a support group. Caroline went to a support group!',
    );
    for (let d = 0; d < 100; d++) expect(twice[d]).toBeCloseTo(once[d] as number, 5);
  });

  it('understands contractions, possessives, case and typographic quotes alike', async () => {
    const plain = await embedOne(model, 'caroline we do not like the new job');
    const typed = await embedOne(model, 'Caroline\u2019s: \u201cWe DON\u2019T like the new job\u201d');
    expect(cosine(plain, typed)).toBeCloseTo(1, 5);
  });

  it('gives a zero vector, not NaN, to a text with no known word', async () => {
    const vectors = await model.embed(['', '!!! ???', '2023 1999', '\u4f60\u597d'], { kind: 'query' });
    for (const vector of vectors) {
      expect(vector).toHaveLength(100);
      expect(vector.every((value) => value === 0)).toBe(true);
    }
  });

  it('truncates a text to maxLength known words', async () => {
    const short = await createGloveEmbedder({ home: home.path, maxLength: 3 });
    expect(await embedOne(short, 'red green blue yellow purple')).toEqual(
      await embedOne(short, 'red green blue'),
    );
  });

  it('rejects bad input with an error naming the field', async () => {
    await expect(model.embed(['ok', 42 as unknown as string], { kind: 'query' })).rejects.toThrow(
      /texts\.1: expected a string, got number/,
    );
    await expect(model.embed(['ok'], { kind: 'passage' as 'query' })).rejects.toThrow(/kind/);
    await expect(createGloveEmbedder({ home: home.path, maxBatchSize: 0 })).rejects.toThrow(ConfigError);
    await expect(createGloveEmbedder({ home: home.path, maxBatchSize: 0 })).rejects.toThrow(/maxBatchSize/);
    await expect(createGloveEmbedder({ home: home.path, batch: 3 } as never)).rejects.toThrow(/batch/);
  });

  it('rebuilds a corrupt model file, then embeds as before', async () => {
    const directory = gloveModelDirectory(home.path);
    const reference = await embedOne(model, 'the river flooded the village');
    const modelPath = join(directory, 'model.onnx');
    const bytes = await readFile(modelPath);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0xff;
    await writeFile(modelPath, bytes);
    const events: ProgressEvent[] = [];
    const rebuilt = await createGloveEmbedder({ home: home.path, onProgress: (event) => events.push(event) });
    expect(events.find((event) => event.phase === 'check')?.message).toMatch(
      /model\.onnx fails its sha256 check/,
    );
    expect(await embedOne(rebuilt, 'the river flooded the village')).toEqual(reference);
  });

  it('says what to do when the Loci home is not writable', async () => {
    const blocker = join(home.path, 'not-a-folder');
    await writeFile(blocker, 'a file where a folder should be');
    await expect(createGloveEmbedder({ home: blocker })).rejects.toThrow(
      /cannot write glove-sif-100d into .*not-a-folder.*point LOCI_HOME at one that is/,
    );
  });

  it('rebuilds when the vocabulary is missing', async () => {
    await rm(join(gloveModelDirectory(home.path), 'vocab.txt'));
    const events: ProgressEvent[] = [];
    const rebuilt = await createGloveEmbedder({ home: home.path, onProgress: (event) => events.push(event) });
    expect(events.find((event) => event.phase === 'check')?.message).toMatch(/vocab\.txt is missing/);
    expect(norm(await embedOne(rebuilt, 'hello world'))).toBeCloseTo(1, 5);
  });
});
