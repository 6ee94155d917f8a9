import { createRequire } from 'node:module';
import { LociError } from '@loci/core';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { startOrtSafely } from './ort-startup.js';

export type OrtModule = typeof import('onnxruntime-node');

let ortModule: Promise<OrtModule> | undefined;

/** onnxruntime-node is a native library: load it only when a model is first used. */
export function loadOrt(): Promise<OrtModule> {
  ortModule ??= (async () => {
    const ort = await import('onnxruntime-node');
    await startOrtSafely(createRequire(import.meta.url).resolve('onnxruntime-node'));
    return ort;
  })().catch((error: unknown) => {
    ortModule = undefined;
    throw new LociError(
      'could not load onnxruntime-node (the native ONNX runtime); reinstall dependencies with `pnpm install`',
      { code: 'onnxruntime_unavailable', category: 'system', cause: error },
    );
  });
  return ortModule;
}

export interface SessionOptions {
  /** Threads per inference call; sentence-embedding batches are small, so 1 is usually fastest. */
  threads?: number;
}

export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<{ ort: OrtModule; session: InferenceSession }> {
  const ort = await loadOrt();
  const sessionOptions: InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  try {
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
    return { ort, session };
  } catch (error) {
    const where = typeof model === 'string' ? model : 'the model bytes';
    throw new LociError(`onnxruntime could not load ${where}: ${(error as Error).message}`, {
      code: 'model_load_failed',
      category: 'system',
      cause: error,
    });
  }
}

export type { InferenceSession, Tensor };
