export { createGloveEmbedder, type GloveEmbedderOptions } from './glove-embedder.js';
export {
  ensureGloveModel,
  GLOVE_MODEL_ID,
  type GloveModelFiles,
  gloveModelDirectory,
} from './glove-model.js';
export {
  type ModelManifest,
  modelManifestSchema,
  readManifest,
  verifyManifestFiles,
} from './model-manifest.js';
export { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx-embedder.js';
export type { ProgressEvent, ProgressListener } from './progress.js';
export { type PulledModel, type PullModelOptions, pullModel } from './pull-model.js';
