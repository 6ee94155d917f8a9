export { createDefaultMemory, type DefaultMemoryOptions } from './default-memory.js';
export { createLongMemMemory, type LongMemOptions } from './longmem-memory.js';
export type { SideNetWeights, TrainReport } from './sidenet.js';
export {
  type LabelledConversation,
  type TrainFromLabelsOptions,
  type TrainFromLabelsResult,
  trainSideNetFromLabels,
} from './train-sidenet.js';
export type { LabelledQuestion } from './training-examples.js';
