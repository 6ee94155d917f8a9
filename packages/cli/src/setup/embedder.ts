import type { EmbeddingModel } from '@loci/core';
import { createGloveEmbedder } from '@loci/onnx';
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
}): Promise<ReadyEmbedder> {
  const { home, progress } = options;
  const started = performance.now();
  let embedder: EmbeddingModel;
  try {
    embedder = await createGloveEmbedder({
      home,
      onProgress: (event) =>
        progress.update({
          label: `embedder: ${event.message}`,
          ...(event.done !== undefined ? { done: event.done } : {}),
          ...(event.total !== undefined ? { total: event.total } : {}),
        }),
    });
  } catch (error) {
    throw setupFailure('embedder_setup_failed', `could not set up the built-in embedder in ${home}`, error, {
      home,
    });
  }
  const readySeconds = (performance.now() - started) / 1000;
  progress.finish(`embedder ${embedder.modelId} ready in ${formatDuration(readySeconds * 1000)}`);
  return { embedder, readySeconds };
}
