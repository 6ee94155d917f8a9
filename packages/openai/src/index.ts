export { createOpenAIChatModel } from './chat-model.js';
export { type OpenAIEnvConfig, openAIConfigFromEnv } from './config-from-env.js';
export { createOpenAIEmbedder } from './embedder.js';
export type { OpenAIChatModelId, OpenAIEmbeddingModelId } from './known-models.js';
export type { OpenAIChatModelOptions, OpenAIConnectionOptions, OpenAIEmbedderOptions } from './options.js';
export { type ProviderFacts, providerFacts, type WaitPhase } from './provider-error.js';
export type { OpenAIRetryEvent, OpenAIWaitEvent } from './wait-clock.js';
