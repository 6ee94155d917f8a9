import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { ChatMessage, LanguageModel, Usage } from '@loci/core';
import { z } from 'zod';

/**
 * A JSONL file of LLM requests and replies, keyed by a hash of the prompt version, the model and
 * the messages: a killed run asks again only what it had not been answered, and a rerun with
 * another model or prompt version never reads a reply that was not given to its own prompt.
 */

const entrySchema = z.object({
  key: z.string(),
  version: z.string(),
  model: z.string(),
  role: z.string(),
  content: z.string().nullable(),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() }),
});

export type CachedReply = z.infer<typeof entrySchema>;

/** Replies of earlier runs, so a rerun asks the model only what it has not asked yet. */
export interface LlmCache {
  readonly path: string | undefined;
  /** The cached reply for a request key, if any. */
  get(key: string): CachedReply | undefined;
  /** Adds a reply (and appends it to the file when there is one). */
  put(entry: CachedReply): void;
  /** Entries read from the file: used by this run's version, of other versions or models (ignored by key), unreadable lines. */
  readonly loaded: { entries: number; otherVersion: number; unreadable: number };
}

/** Opens (or starts) a cache file; without a path the cache lives in memory for one run. */
export function openLlmCache(path: string | undefined, version: string): LlmCache {
  const entries = new Map<string, CachedReply>();
  const loaded = { entries: 0, otherVersion: 0, unreadable: 0 };
  if (path && existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let entry: CachedReply;
      try {
        entry = entrySchema.parse(JSON.parse(line));
      } catch {
        // A run killed while writing leaves a cut last line: that reply is asked again.
        loaded.unreadable++;
        continue;
      }
      if (entry.version !== version) {
        loaded.otherVersion++;
        continue;
      }
      entries.set(entry.key, entry);
      loaded.entries++;
    }
  }
  return {
    path,
    loaded,
    get: (key) => entries.get(key),
    put(entry) {
      entries.set(entry.key, entry);
      // One synchronous append per reply: what was answered is on disk before it is counted.
      if (path) appendFileSync(path, `${JSON.stringify(entry)}\n`);
    },
  };
}

export function cacheKey(parts: {
  version: string;
  model: string;
  messages: readonly ChatMessage[];
  maxTokens?: number;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.version, parts.model, parts.maxTokens ?? null, parts.messages]))
    .digest('hex');
}

export interface CompletionCall {
  content: string;
  usage: Usage;
  /** Whether the reply came from the cache (no request, no new cost). */
  cached: boolean;
  ms: number;
}

/**
 * One deterministic completion (temperature 0) through the cache: a hit returns the stored reply
 * and its usage, a miss asks the model and stores the reply before returning it.
 */
export async function cachedCompletion(options: {
  model: LanguageModel;
  cache: LlmCache;
  version: string;
  role: 'answer' | 'judge';
  messages: ChatMessage[];
  maxTokens?: number;
  signal?: AbortSignal;
}): Promise<CompletionCall> {
  const { model, cache, version, messages } = options;
  const key = cacheKey({
    version,
    model: model.modelId,
    messages,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
  });
  const hit = cache.get(key);
  if (hit) return { content: hit.content ?? '', usage: hit.usage, cached: true, ms: 0 };
  const started = performance.now();
  const result = await model.generate({
    messages,
    temperature: 0,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const ms = performance.now() - started;
  const content = result.message.content ?? '';
  cache.put({ key, version, model: model.modelId, role: options.role, content, usage: result.usage });
  return { content, usage: result.usage, cached: false, ms };
}
