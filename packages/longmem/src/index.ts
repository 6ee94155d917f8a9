export { type Bm25Hit, type Bm25Index, type Bm25Parameters, createBm25Index, topK } from './bm25-index.js';
export {
  type Candidates,
  collectCandidates,
  featureNames,
  type PreparedQuery,
  prepareQuery,
  querySegments,
} from './candidate-features.js';
export {
  type DateRange,
  hasDateExpression,
  isTemporalQuestion,
  queryDateRanges,
} from './date-expressions.js';
export { createDefaultMemory, type DefaultMemoryOptions } from './default-memory.js';
export { defaultSideNetWeights } from './default-sidenet-weights.js';
export { createLongMemMemory, type LongMemOptions } from './longmem-memory.js';
export { bankTable, encoderSlug, sideNetTable } from './memory-tables.js';
export {
  type CreateSideNetOptions,
  createSideNet,
  type SideNet,
  type SideNetExample,
  type SideNetWeights,
  sideNetVersion,
  type TrainOptions,
  type TrainReport,
} from './sidenet.js';
export { isStopword, stem, terms, words } from './text-tokens.js';
export {
  buildBank,
  type LabelledConversation,
  type TrainFromLabelsOptions,
  type TrainFromLabelsResult,
  trainSideNetFromLabels,
} from './train-sidenet.js';
export {
  type LabelledQuestion,
  labelledExamples,
  type SelfSupervisedOptions,
  selfSupervisedExamples,
} from './training-examples.js';
export { type BankEntry, createTurnBank, type TurnBank } from './turn-bank.js';

export const VERSION = '0.1.0';
