import { encodeOnnxModel } from './onnx-graph.js';

export const SIF_INPUT_IDS = 'input_ids';
export const SIF_INPUT_MASK = 'attention_mask';
export const SIF_OUTPUT = 'sentence_embedding';

/**
 * The SIF sentence encoder as an ONNX graph:
 *   vectors = Gather(E, ids), weights = Gather(sif, ids) · mask
 *   mean    = Σ_s weights·vectors / max(Σ_s mask, 1)
 *   out     = mean / max(‖mean‖₂, ε)
 * Inputs: `input_ids` int64 [batch, sequence], `attention_mask` float32 [batch, sequence] (1 for a
 * token, 0 for padding). A row with no token gives an all-zero vector, never NaN: both divisions
 * are guarded.
 */
export function buildSifGraph(options: {
  matrix: Float32Array;
  weights: Float32Array;
  dimensions: number;
  metadata?: Readonly<Record<string, string>>;
}): Uint8Array {
  const { matrix, weights, dimensions } = options;
  const vocabularySize = weights.length;
  if (matrix.length !== vocabularySize * dimensions) {
    throw new RangeError(`matrix has ${matrix.length} values, expected ${vocabularySize} × ${dimensions}`);
  }
  return encodeOnnxModel({
    name: 'sif_sentence_encoder',
    inputs: [
      { name: SIF_INPUT_IDS, type: 'int64', dims: ['batch', 'sequence'] },
      { name: SIF_INPUT_MASK, type: 'float32', dims: ['batch', 'sequence'] },
    ],
    outputs: [{ name: SIF_OUTPUT, type: 'float32', dims: ['batch', dimensions] }],
    initializers: [
      { name: 'word_vectors', type: 'float32', dims: [vocabularySize, dimensions], data: matrix },
      { name: 'sif_weights', type: 'float32', dims: [vocabularySize], data: weights },
      { name: 'sequence_axis', type: 'int64', dims: [1], data: new BigInt64Array([1n]) },
      { name: 'feature_axis', type: 'int64', dims: [1], data: new BigInt64Array([2n]) },
      { name: 'one', type: 'float32', dims: [], data: new Float32Array([1]) },
      { name: 'epsilon', type: 'float32', dims: [], data: new Float32Array([1e-12]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['word_vectors', SIF_INPUT_IDS], outputs: ['token_vectors'] },
      { op: 'Gather', inputs: ['sif_weights', SIF_INPUT_IDS], outputs: ['token_weights'] },
      { op: 'Mul', inputs: ['token_weights', SIF_INPUT_MASK], outputs: ['masked_weights'] },
      { op: 'Unsqueeze', inputs: ['masked_weights', 'feature_axis'], outputs: ['masked_weights_3d'] },
      { op: 'Mul', inputs: ['token_vectors', 'masked_weights_3d'], outputs: ['weighted_vectors'] },
      {
        op: 'ReduceSum',
        inputs: ['weighted_vectors', 'sequence_axis'],
        outputs: ['weighted_sum'],
        attributes: { keepdims: 0 },
      },
      {
        op: 'ReduceSum',
        inputs: [SIF_INPUT_MASK, 'sequence_axis'],
        outputs: ['token_count'],
        attributes: { keepdims: 1 },
      },
      { op: 'Max', inputs: ['token_count', 'one'], outputs: ['safe_count'] },
      { op: 'Div', inputs: ['weighted_sum', 'safe_count'], outputs: ['sif_mean'] },
      { op: 'ReduceL2', inputs: ['sif_mean'], outputs: ['length'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Max', inputs: ['length', 'epsilon'], outputs: ['safe_length'] },
      { op: 'Div', inputs: ['sif_mean', 'safe_length'], outputs: [SIF_OUTPUT] },
    ],
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
}
