/** Chat model ids with a known context window; any other id is accepted too. */
export type OpenAIChatModelId =
  | 'gpt-4o-mini'
  | 'gpt-4o'
  | 'gpt-4.1'
  | 'gpt-4.1-mini'
  | 'gpt-4.1-nano'
  | 'gpt-5'
  | 'gpt-5-mini'
  | 'gpt-5-nano'
  | 'o3'
  | 'o4-mini'
  | 'gpt-4-turbo'
  | 'gpt-3.5-turbo'
  | (string & {});

/** Embedding model ids with a known vector size; any other id is accepted when `dimensions` is given. */
export type OpenAIEmbeddingModelId =
  | 'text-embedding-3-small'
  | 'text-embedding-3-large'
  | 'text-embedding-ada-002'
  | 'nomic-embed-text'
  | 'mxbai-embed-large'
  | 'all-minilm'
  | (string & {});

const contextWindows: Record<string, number> = {
  'gpt-4o-mini': 128_000,
  'gpt-4o': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4.1-mini': 1_047_576,
  'gpt-4.1-nano': 1_047_576,
  'gpt-5': 400_000,
  'gpt-5-mini': 400_000,
  'gpt-5-nano': 400_000,
  o3: 200_000,
  'o4-mini': 200_000,
  'gpt-4-turbo': 128_000,
  'gpt-3.5-turbo': 16_385,
};

/** A conservative window for unknown (often local) models: small enough not to overflow them. */
export const defaultContextWindow = 8192;

const embeddingDimensions: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
};

/** Known context window of a model id; dated snapshots ('gpt-4o-2024-08-06') count as their family. */
export function knownContextWindow(modelId: string): number | undefined {
  return lookup(contextWindows, modelId);
}

export function knownEmbeddingDimensions(modelId: string): number | undefined {
  return lookup(embeddingDimensions, modelId);
}

function lookup(table: Record<string, number>, modelId: string): number | undefined {
  // Ollama tags ('nomic-embed-text:latest') and dated snapshots share their family's figures.
  const id = modelId.split(':')[0] ?? modelId;
  const exact = table[id];
  if (exact !== undefined) return exact;
  const family = Object.keys(table)
    .filter((known) => id.startsWith(`${known}-`))
    .sort((a, b) => b.length - a.length)[0];
  return family === undefined ? undefined : table[family];
}

/**
 * api.openai.com deprecated `max_tokens` and its reasoning models reject it, wanting
 * `max_completion_tokens`; most compatible servers (Ollama, llama.cpp, older vLLM) only know `max_tokens`.
 */
export function maxTokensParameterFor(baseURL: string | undefined): 'max_tokens' | 'max_completion_tokens' {
  if (baseURL === undefined) return 'max_completion_tokens';
  const host = new URL(baseURL).hostname;
  return host === 'api.openai.com' || host.endsWith('.openai.com') ? 'max_completion_tokens' : 'max_tokens';
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 but not gpt-5-chat) answer 400 to any
 * temperature but the default. Other servers keep whatever the caller asked for.
 */
export function acceptsTemperature(modelId: string, baseURL: string | undefined): boolean {
  if (maxTokensParameterFor(baseURL) !== 'max_completion_tokens') return true;
  return !/^(o\d|gpt-5(?!-chat))/.test(modelId);
}
