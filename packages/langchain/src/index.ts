export { LociChatMessageHistory, type LociChatMessageHistoryInput } from './chat-message-history.js';
export {
  type ChatModelSettings,
  type FromLangChainChatModelOptions,
  fromLangChainChatModel,
} from './from-langchain-chat-model.js';
export { type FromLangChainEmbeddingsOptions, fromLangChainEmbeddings } from './from-langchain-embeddings.js';
export { LociRetriever, type LociRetrieverInput } from './loci-retriever.js';
export { LociStore, type LociStoreOptions } from './loci-store.js';
export {
  type ArchivalHit,
  type ConversationHit,
  createMemGPTMemoryTools,
  type MemGPTMemoryAgent,
  type MemGPTMemoryToolsOptions,
} from './memgpt-tools.js';
export { type LociMemoryMiddlewareOptions, lociMemoryMiddleware } from './memory-middleware.js';
export type { MemoryRuntime, NamespaceResolver } from './namespace-resolver.js';
export { createRecallTool, type RecallToolOptions } from './recall-tool.js';
export { renderRecalledBlock } from './recalled-block.js';
export type { LociStoreIndex } from './store-index.js';
