export { createGloveEmbedder, type GloveEmbedderOptions } from './glove-embedder.js';
export type { ProgressEvent, ProgressListener } from './progress.js';

export const VERSION = '0.1.0';
