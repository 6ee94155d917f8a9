export { buildDistractors, type Distractor, loadDistractors } from './distractors.js';
export {
  type CachingEmbedder,
  createCachingEmbedder,
  type DistractorEmbeddingCache,
  distractorEmbeddingsPath,
  openDistractorEmbeddings,
  withDistractorEmbeddings,
} from './distractors-embeddings.js';
export { createFusedMemory, type FusedMemoryOptions, fuseRanked } from './fused-memory.js';
export { type IngestOptions, type IngestResult, ingestConversation } from './ingest-conversation.js';
export { parseLocomoVerdict, parseYesNoVerdict, type Verdict } from './judge.js';
export { type LlmCache, openLlmCache } from './llm-cache.js';
export {
  assertDisjoint,
  type BenchConversation,
  type BenchQuestion,
  type BenchSession,
  type BenchTurn,
  categoryNames,
  loadLocomo,
  parseLocomo,
} from './locomo.js';
export {
  isLongMemEval,
  type LongMemEvalQuestion,
  longMemEvalTypes,
  parseLongMemEval,
} from './longmemeval.js';
export {
  type BenchMethod,
  createBenchMethod,
  createMethod,
  isMethodName,
  type MethodName,
  type MethodOptions,
  methodLearns,
  methodNames,
  type PostThinkCost,
  type ThoughtSource,
  thoughtSources,
} from './methods.js';
export { loadBenchData, loadQaData, parseQaData, type QaConversation, type QaQuestion } from './qa-data.js';
export { toQaJsonLine } from './qa-json-line.js';
export { bleu1, tokenF1 } from './qa-metrics.js';
export { qaPromptVersion } from './qa-prompts.js';
export type { CallTally, QaOutcome, QaScores } from './qa-tally.js';
export {
  type QaAnswerer,
  type QaProgress,
  type QaRunOptions,
  type QaRunResult,
  runQa,
} from './run-qa.js';
export {
  type RecallProgress,
  type RecallRunOptions,
  type RecallRunResult,
  type RecallScores,
  runRecall,
  toJsonLine,
} from './run-recall.js';
export { type BudgetResult, recallAtBudget, recallAtK } from './scoring.js';
