export { type IngestOptions, type IngestResult, ingestConversation } from './ingest-conversation.js';
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
  createMethod,
  isMethodName,
  type MethodName,
  type MethodOptions,
  methodLearns,
  methodNames,
} from './methods.js';
export {
  type RecallProgress,
  type RecallRunOptions,
  type RecallRunResult,
  type RecallScores,
  runRecall,
  toJsonLine,
} from './run-recall.js';
export { type BudgetResult, recallAtBudget, recallAtK } from './scoring.js';
