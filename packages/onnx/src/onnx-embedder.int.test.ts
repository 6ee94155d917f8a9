import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type EmbeddingModel, LociError, normalize } from '@loci/core';
import { describeEmbeddingModelConformance } from '@loci/testing/embedding-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TinyBert, writeTinyBertFolder } from './__fixtures__/tiny-bert.js';
import { createOnnxEmbedder } from './onnx-embedder.js';

let root: { path: string; remove: () => Promise<void> };
let folder: string;
let reference: TinyBert;
let model: EmbeddingModel;

beforeAll(async () => {
  root = await makeTempDir('loci-onnx-folder-');
  folder = join(root.path, 'tiny-bert');
  reference = await writeTinyBertFolder(folder);
  model = await createOnnxEmbedder({ path: folder, batchSize: 4 });
});

afterAll(async () => {
  await root.remove();
});

function ids(tokens: readonly string[]): number[] {
  return tokens.map((token) => {
    const id = reference.vocabulary.indexOf(token);
    if (id < 0) throw new Error(`no token ${token}`);
    return id;
  });
}

/** Mean pooling + L2 normalisation in plain JS. */
function meanPooled(tinyBert: TinyBert, tokens: readonly string[]): Float32Array {
  const sum = new Float32Array(tinyBert.dimensions);
  for (const id of ids(tokens)) {
    const vector = tinyBert.tokenVector(id);
    for (let d = 0; d < sum.length; d++) sum[d] = (sum[d] as number) + (vector[d] as number);
  }
  return normalize(sum);
}

function expectVector(actual: Float32Array | undefined, expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length);
  for (let d = 0; d < expected.length; d++) expect(actual?.[d]).toBeCloseTo(expected[d] as number, 5);
}

describe('createOnnxEmbedder', () => {
  it('mean-pools token vectors over the attention mask and normalises them', async () => {
    expect(model).toMatchObject({ provider: 'onnx', modelId: 'tiny-bert', dimensions: 48, maxBatchSize: 4 });
    // Different lengths in one batch: padding must not leak into the shorter texts.
    const texts = ['Hello world', 'The cat sat on the mat.', 'kitten', 'Sitting'];
    const vectors = await model.embed(texts, { kind: 'document' });
    expectVector(vectors[0], meanPooled(reference, ['[CLS]', 'hello', 'world', '[SEP]']));
    expectVector(
      vectors[1],
      meanPooled(reference, ['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '.', '[SEP]']),
    );
    expectVector(vectors[2], meanPooled(reference, ['[CLS]', 'kitten', '[SEP]']));
    // WordPiece: "sitting" is in the vocabulary whole.
    expectVector(vectors[3], meanPooled(reference, ['[CLS]', 'sitting', '[SEP]']));
  });

  it('splits calls into batches of batchSize with the same results', async () => {
    const texts = Array.from({ length: 11 }, (_, index) =>
      `note ${index} about trains and music`.repeat((index % 3) + 1),
    );
    const together = await model.embed(texts, { kind: 'document' });
    for (const [index, text] of texts.entries()) {
      const [alone] = await model.embed([text], { kind: 'document' });
      expectVector(together[index], alone as Float32Array);
    }
  });

  it('truncates to maxLength tokens, keeping the closing [SEP]', async () => {
    const short = await createOnnxEmbedder({ path: folder, maxLength: 5 });
    const [vector] = await short.embed(['the cat sat on the mat'], { kind: 'document' });
    expectVector(vector, meanPooled(reference, ['[CLS]', 'the', 'cat', 'sat', '[SEP]']));
  });

  it('takes maxLength and pooling from the folder configs', async () => {
    const configured = join(root.path, 'configured');
    const tiny = await writeTinyBertFolder(configured, {
      modelFile: 'onnx/model.onnx',
      withTokenTypes: false,
      configs: {
        'sentence_bert_config.json': { max_seq_length: 4 },
        '1_Pooling/config.json': { pooling_mode_cls_token: true, pooling_mode_mean_tokens: false },
      },
    });
    const embedder = await createOnnxEmbedder({ path: configured });
    const [cls] = await embedder.embed(['the cat sat on the mat'], { kind: 'query' });
    expectVector(cls, normalize(tiny.tokenVector(2)));
    const meanEmbedder = await createOnnxEmbedder({ path: configured, pooling: 'mean' });
    const [mean] = await meanEmbedder.embed(['the cat sat on the mat'], { kind: 'query' });
    expectVector(mean, meanPooled(tiny, ['[CLS]', 'the', 'cat', '[SEP]']));
  });

  it('puts the configured prefix before queries only', async () => {
    const prefixed = await createOnnxEmbedder({ path: folder, prefixes: { query: 'hello ' } });
    const [query] = await prefixed.embed(['world'], { kind: 'query' });
    const [document] = await prefixed.embed(['world'], { kind: 'document' });
    expectVector(query, meanPooled(reference, ['[CLS]', 'hello', 'world', '[SEP]']));
    expectVector(document, meanPooled(reference, ['[CLS]', 'world', '[SEP]']));
  });

  it('names the field of invalid options', async () => {
    await expect(createOnnxEmbedder({ path: folder, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(createOnnxEmbedder({ path: folder, pooling: 'max' as 'mean' })).rejects.toThrow(ConfigError);
    await expect(createOnnxEmbedder({ path: folder, model: 'a/b' })).rejects.toThrow(/exactly one of path/);
    await expect(createOnnxEmbedder({ model: '../../etc' })).rejects.toThrow(/model:/);
    await expect(createOnnxEmbedder({ path: folder, output: 'logits' })).rejects.toThrow(
      /no output "logits"/,
    );
  });

  it('explains how to fix a missing or incomplete folder', async () => {
    await expect(createOnnxEmbedder({ path: join(root.path, 'nope') })).rejects.toThrow(
      /does not exist; the folder needs a sentence-transformers ONNX export: model\.onnx .* and tokenizer\.json/,
    );
    await expect(createOnnxEmbedder({ model: 'owner/missing', home: root.path })).rejects.toThrow(
      /run `loci models pull owner\/missing`/,
    );
    const noTokenizer = join(root.path, 'no-tokenizer');
    await writeTinyBertFolder(noTokenizer);
    await writeFile(join(noTokenizer, 'tokenizer.json'), '{"model": ');
    await expect(createOnnxEmbedder({ path: noTokenizer })).rejects.toThrow(
      /tokenizer\.json is not valid JSON/,
    );
  });

  it('reports a broken model file as a LociError', async () => {
    const broken = join(root.path, 'broken');
    await writeTinyBertFolder(broken);
    await writeFile(join(broken, 'model.onnx'), 'not a model');
    const failure = await createOnnxEmbedder({ path: broken }).catch((error: unknown) => error);
    expect(LociError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/onnxruntime could not load .*model\.onnx/);
  });
});

describeEmbeddingModelConformance('onnx folder (generated tiny BERT)', async () => {
  const temp = await makeTempDir('loci-onnx-conformance-');
  await writeTinyBertFolder(temp.path);
  return { model: await createOnnxEmbedder({ path: temp.path, batchSize: 8 }), cleanup: temp.remove };
});
