export { embedInBatches } from './embed-in-batches.js';
export type { EmbeddingKind, EmbeddingModel, EmbedOptions } from './embedding-model.js';
export {
  ConfigError,
  ContextOverflowError,
  DimensionMismatchError,
  type ErrorCategory,
  LociError,
  type LociErrorOptions,
  ProviderError,
  StoreError,
  ToolCallError,
} from './errors.js';
export { type Filter, type FilterValue, where } from './filter.js';
export { type FitOptions, fitToBudget } from './fit-to-budget.js';
export { createInMemoryStore } from './in-memory-store.js';
export { occurrences, symbolNeedle, textTokens } from './in-memory-text-index.js';
export type {
  FinishReason,
  GenerateOptions,
  GenerateResult,
  LanguageModel,
  StreamPart,
  Usage,
} from './language-model.js';
export { lociHome } from './loci-home.js';
export type {
  Memory,
  MemoryEvent,
  ObserveOptions,
  Recalled,
  RecalledKind,
  RecallOptions,
  Turn,
} from './memory.js';
export {
  memoryEventSchema,
  namespaceSchema,
  parseObserveOptions,
  parseRecallOptions,
  recallOptionsSchema,
  turnSchema,
} from './memory-options.js';
export {
  defineTable,
  type MemoryStore,
  type MemoryTable,
  type QueryOptions,
  type RowOf,
  type SearchHit,
  type SearchMode,
  type SearchOptions,
  type TableDefinition,
  vectorColumn,
} from './memory-store.js';
export type {
  AssistantMessage,
  ChatMessage,
  ChatRole,
  SystemMessage,
  ToolCall,
  ToolMessage,
  UserMessage,
} from './messages.js';
export { parseWith } from './parse.js';
export { fenceMemory, memoryTag, neutraliseMemoryTags } from './quoted-memory.js';
export { reciprocalRankFusion } from './reciprocal-rank-fusion.js';
export { seededRandom } from './seeded-random.js';
export { formatFigure, type LatencySummary, percentile, summarizeLatencies } from './statistics.js';
export { isStopWord, textMayMatch } from './text-may-match.js';
export { countMessagesTokens, countMessageTokens, countTokens, truncateToTokens } from './tokens.js';
export { defineTool, type ToolChoice, type ToolDefinition, toJsonSchema } from './tools.js';
export { turnKeyText } from './turn-key-text.js';
export { chooseVectorColumn } from './vector-column.js';
export { cosine, dot, mean, norm, normalize } from './vector-math.js';
