export { type Aggregate, aggregateHits, type KeyHit, type ValueScore } from './aggregate-hits.js';
export { createFocusedMemory } from './focused-memory.js';
export type {
  FocusedEntry,
  FocusedHit,
  FocusedMemory,
  FocusedMemoryOptions,
  FocusedSearchOptions,
  FocusedStatus,
  FocusedTrainOptions,
  FocusedTrainReport,
  FocusedValue,
  KeyInput,
  ReprojectReport,
} from './focused-memory-types.js';
export { type FocusedTables, focusedTables } from './focused-tables.js';
export { type NegativePool, readNegativePool } from './negative-pool.js';
export { applyProjection, identityProjection, isIdentity, type Projection } from './projection.js';
export { parseProjection, type SerializedProjection, serializeProjection } from './projection-format.js';
export {
  type TrainingContext,
  type TrainProjectionOptions,
  type TrainProjectionReport,
  trainProjection,
  trainProjectionInBackground,
} from './train-projection.js';
export { type KeyRecord, type LabelledAnchor, trainingContexts } from './training-contexts.js';
export { type KeyOptions, type KeyText, splitSentences, valueKeys } from './value-keys.js';
