export { type Bm25Hit, type Bm25Index, type Bm25Parameters, createBm25Index, topK } from './bm25-index.js';
export {
  type CreateSideNetOptions,
  createSideNet,
  type SideNet,
  type SideNetExample,
  type SideNetWeights,
  seededRandom,
  sideNetVersion,
  type TrainOptions,
  type TrainReport,
} from './sidenet.js';
export { isStopword, stem, terms, words } from './text-tokens.js';

export const VERSION = '0.1.0';
