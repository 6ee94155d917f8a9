import { existsSync } from 'node:fs';
import { ConfigError, type EmbeddingModel } from '@loci/core';
import { createGloveEmbedder, createOnnxEmbedder } from '@loci/onnx';
import { createOpenAIEmbedder } from '@loci/openai';
import { setupFailure } from '../cli-error.js';
import { formatDuration } from '../format.js';
import type { ProgressLine } from '../progress-line.js';

export interface ReadyEmbedder {
  embedder: EmbeddingModel;
  /** Time to load it, or to build it on first use. */
  readySeconds: number;
}

/**
 * The built-in embedder every command uses, built into `<home>/models` on first use, with its
 * progress on the command's progress line.
 */
export async function setupEmbedder(options: {
  home: string;
  progress: ProgressLine;
  /**
   * `--embedder`: the built-in id (default), an ONNX sentence-transformers folder, a model pulled
   * with `loci models pull`, or `openai:<model>` (OPENAI_API_KEY / OPENAI_BASE_URL from `env`).
   */
  spec?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<ReadyEmbedder> {
  const { home, progress, spec } = options;
  const started = performance.now();
  let embedder: EmbeddingModel;
  try {
    embedder =
      spec && spec !== builtInEmbedderId
        ? await otherEmbedder(spec, home, options.env ?? {})
        : await createGloveEmbedder({
            home,
            onProgress: (event) =>
              progress.update({
                label: `embedder: ${event.message}`,
                ...(event.done !== undefined ? { done: event.done } : {}),
                ...(event.total !== undefined ? { total: event.total } : {}),
              }),
          });
  } catch (error) {
    const what =
      spec && spec !== builtInEmbedderId ? `the embedder ${spec}` : `the built-in embedder in ${home}`;
    throw setupFailure('embedder_setup_failed', `could not set up ${what}`, error, { home });
  }
  const readySeconds = (performance.now() - started) / 1000;
  progress.finish(`embedder ${embedder.modelId} ready in ${formatDuration(readySeconds * 1000)}`);
  return { embedder, readySeconds };
}

/** The id of the built-in embedder (`--embedder` default). */
export const builtInEmbedderId = 'glove-sif-100d';

async function otherEmbedder(spec: string, home: string, env: NodeJS.ProcessEnv): Promise<EmbeddingModel> {
  if (spec.startsWith('openai:')) {
    const apiKey = env['OPENAI_API_KEY'];
    const baseURL = env['OPENAI_BASE_URL'];
    return createOpenAIEmbedder({
      model: spec.slice('openai:'.length),
      ...(apiKey ? { apiKey } : {}),
      ...(baseURL ? { baseURL } : {}),
    });
  }
  if (existsSync(spec)) return createOnnxEmbedder({ path: spec });
  // A path that is not there is a missing folder, not a model id to look up.
  if (spec.startsWith('/') || spec.startsWith('.') || spec.includes('\\')) {
    throw new ConfigError(`embedder folder ${spec} does not exist`, [
      { path: 'embedder', message: 'no such folder' },
    ]);
  }
  return createOnnxEmbedder({ model: spec, home });
}
