import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandom } from '@loci/core';
import { encodeOnnxModel, type GraphNode, type GraphValue } from '../onnx-graph.js';

/**
 * A tiny BERT-shaped sentence-transformers export, generated for tests: a WordPiece tokenizer.json
 * ([CLS] text [SEP]) and an ONNX graph whose last_hidden_state is (E[id] + T[type]) · W + mask · b.
 * Padding positions get non-zero vectors on purpose, so pooling must honour the attention mask.
 */
export interface TinyBert {
  vocabulary: string[];
  hidden: number;
  dimensions: number;
  /** The token vector a plain-JS reference computes: what the graph outputs for one real token. */
  tokenVector(id: number): Float32Array;
}

const words =
  "the cat sat quietly on warm mat by window caroline went to an lgbtq support group last tuesday interest rates rose and bond yields climbed sharply melanie s kids don t like swimming in cold lake note about gardens trains music a was sitting quiet quarterly after central bank decision hello world kitten slept rug dog ran park . , ' ! ?";
const digits = '0 1 2 3 4 5 6 7 8 9';

export function tinyBertVocabulary(): string[] {
  return [
    '[PAD]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    ...words.split(' '),
    ...digits.split(' '),
    ...digits.split(' ').map((digit) => `##${digit}`),
    '##ing',
  ];
}

export function tokenizerJson(vocabulary: readonly string[]): object {
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((token, id) => special(token, id)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
    },
  };
}

/** The graph bytes and a JS reference of what it computes for real (unpadded) tokens. */
export function tinyBertModel(
  options: { withTokenTypes?: boolean; hidden?: number; dimensions?: number; seed?: number } = {},
): {
  bytes: Uint8Array;
  model: TinyBert;
} {
  const vocabulary = tinyBertVocabulary();
  const hidden = options.hidden ?? 64;
  const dimensions = options.dimensions ?? 48;
  const withTokenTypes = options.withTokenTypes ?? true;
  // Weights in [-1, 1).
  const unit = seededRandom(options.seed ?? 7);
  const next = () => unit() * 2 - 1;
  const embeddings = Float32Array.from({ length: vocabulary.length * hidden }, next);
  const typeEmbeddings = Float32Array.from({ length: 2 * hidden }, () => next() * 0.1);
  const projection = Float32Array.from({ length: hidden * dimensions }, next);
  // Small next to the token signal, as a real bias is; mainly there so padding rows are not zero.
  const bias = Float32Array.from({ length: dimensions }, () => next() * 0.1);

  const inputs: GraphValue[] = [
    { name: 'input_ids', type: 'int64', dims: ['batch', 'sequence'] },
    { name: 'attention_mask', type: 'int64', dims: ['batch', 'sequence'] },
  ];
  const nodes: GraphNode[] = [
    { op: 'Gather', inputs: ['embeddings', 'input_ids'], outputs: ['token_vectors'] },
  ];
  if (withTokenTypes) {
    inputs.push({ name: 'token_type_ids', type: 'int64', dims: ['batch', 'sequence'] });
    nodes.push(
      { op: 'Gather', inputs: ['type_embeddings', 'token_type_ids'], outputs: ['type_vectors'] },
      { op: 'Add', inputs: ['token_vectors', 'type_vectors'], outputs: ['input_vectors'] },
    );
  }
  nodes.push(
    {
      op: 'MatMul',
      inputs: [withTokenTypes ? 'input_vectors' : 'token_vectors', 'projection'],
      outputs: ['projected'],
    },
    { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_float'], attributes: { to: 1 } },
    { op: 'Unsqueeze', inputs: ['mask_float', 'last_axis'], outputs: ['mask_3d'] },
    { op: 'Mul', inputs: ['mask_3d', 'bias'], outputs: ['masked_bias'] },
    { op: 'Add', inputs: ['projected', 'masked_bias'], outputs: ['last_hidden_state'] },
  );
  const bytes = encodeOnnxModel({
    name: 'tiny_bert',
    inputs,
    outputs: [{ name: 'last_hidden_state', type: 'float32', dims: ['batch', 'sequence', dimensions] }],
    initializers: [
      { name: 'embeddings', type: 'float32', dims: [vocabulary.length, hidden], data: embeddings },
      ...(withTokenTypes
        ? [{ name: 'type_embeddings', type: 'float32' as const, dims: [2, hidden], data: typeEmbeddings }]
        : []),
      { name: 'projection', type: 'float32', dims: [hidden, dimensions], data: projection },
      { name: 'bias', type: 'float32', dims: [dimensions], data: bias },
      { name: 'last_axis', type: 'int64', dims: [1], data: new BigInt64Array([2n]) },
    ],
    nodes,
  });

  function tokenVector(id: number): Float32Array {
    const out = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) {
      let sum = bias[d] as number;
      for (let h = 0; h < hidden; h++) {
        const input =
          (embeddings[id * hidden + h] as number) + (withTokenTypes ? (typeEmbeddings[h] as number) : 0);
        sum += input * (projection[h * dimensions + d] as number);
      }
      out[d] = sum;
    }
    return out;
  }
  return { bytes, model: { vocabulary, hidden, dimensions, tokenVector } };
}

/** Writes a complete model folder (model.onnx, tokenizer.json, optional configs). */
export async function writeTinyBertFolder(
  directory: string,
  options: {
    withTokenTypes?: boolean;
    modelFile?: 'model.onnx' | 'onnx/model.onnx';
    configs?: Readonly<Record<string, unknown>>;
  } = {},
): Promise<TinyBert> {
  const { bytes, model } = tinyBertModel(
    options.withTokenTypes === undefined ? {} : { withTokenTypes: options.withTokenTypes },
  );
  const modelFile = options.modelFile ?? 'model.onnx';
  await mkdir(join(directory, 'onnx'), { recursive: true });
  await writeFile(join(directory, modelFile), bytes);
  await writeFile(join(directory, 'tokenizer.json'), JSON.stringify(tokenizerJson(model.vocabulary)));
  for (const [name, content] of Object.entries(options.configs ?? {})) {
    await mkdir(join(directory, name, '..'), { recursive: true });
    await writeFile(join(directory, name), JSON.stringify(content));
  }
  return model;
}
