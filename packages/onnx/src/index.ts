export { createGloveEmbedder, type GloveEmbedderOptions } from './glove-embedder.js';
export {
  ensureGloveModel,
  GLOVE_MODEL_ID,
  type GloveModelFiles,
  gloveModelDirectory,
} from './glove-model.js';
export { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx-embedder.js';
export type { ProgressEvent, ProgressListener } from './progress.js';

export const VERSION = '0.1.0';
