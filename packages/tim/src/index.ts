export { thoughtsFromObservations } from './locomo-observations.js';
export { createLsh, type Lsh, type LshOptions } from './lsh.js';
export { type DroppedThought, PostThinkError } from './post-think.js';
export type { ClosedReason, Thought, ThoughtInput } from './thought.js';
export type { ThoughtEvent, ThoughtStats } from './thought-events.js';
export type { ForgetOptions, ListThoughtsOptions } from './thought-listing.js';
export {
  createThoughtMemory,
  type ThoughtMemory,
  type ThoughtRecallOptions,
} from './thought-memory.js';
export type { PostThinkSettings, ThoughtMemoryOptions } from './thought-memory-options.js';
export type { WriteOutcome } from './thought-writer.js';
