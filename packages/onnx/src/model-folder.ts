import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { LociError, parseWith } from '@loci/core';
import { z } from 'zod';
import { readManifest, readTextIfPresent, verifyManifestFiles } from './model-manifest.js';

/** Where sentence-transformers exports keep the graph, in the order they are tried. */
export const MODEL_FILE_CANDIDATES = ['model.onnx', 'onnx/model.onnx'] as const;

/** What Loci reads from a sentence-transformers ONNX export folder. */
export interface ModelFolder {
  directory: string;
  modelPath: string;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** From sentence_bert_config.json, tokenizer_config.json or config.json, in that order. */
  maxLength: number | undefined;
  /** From 1_Pooling/config.json when present. */
  pooling: 'mean' | 'cls' | undefined;
  /** The manifest's model id, when Loci pulled the folder. */
  modelId: string | undefined;
}

const objectSchema = z.record(z.string(), z.unknown());
const tokenizerJsonSchema = z.looseObject({ model: objectSchema });
const sentenceBertSchema = z.looseObject({ max_seq_length: z.number().int().positive().optional() });
const tokenizerConfigSchema = z.looseObject({ model_max_length: z.number().optional() });
const modelConfigSchema = z.looseObject({ max_position_embeddings: z.number().int().positive().optional() });
const poolingSchema = z.looseObject({
  pooling_mode_cls_token: z.boolean().optional(),
  pooling_mode_mean_tokens: z.boolean().optional(),
});

function folderError(directory: string, problem: string, hint: string): LociError {
  return new LociError(`model folder ${directory}: ${problem}; ${hint}`, {
    code: 'model_folder_invalid',
    category: 'user',
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(directory: string, name: string, hint: string): Promise<unknown> {
  const text = await readTextIfPresent(join(directory, name));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw folderError(directory, `${name} is not valid JSON (${(error as Error).message})`, hint);
  }
}

/**
 * Reads and checks a model folder. `hint` tells the user how to get a good folder (e.g. "run `loci
 * models pull <id>`"); every error about the folder ends with it.
 */
export async function readModelFolder(directory: string, hint: string): Promise<ModelFolder> {
  if (!(await exists(directory))) throw folderError(directory, 'it does not exist', hint);
  const manifest = await readManifest(directory).catch((error: unknown) => {
    throw folderError(directory, `its manifest is broken (${(error as Error).message})`, hint);
  });
  if (manifest) {
    const problems = await verifyManifestFiles(directory, manifest);
    if (problems.length > 0) throw folderError(directory, `it is corrupt: ${problems.join('; ')}`, hint);
  }
  let modelPath: string | undefined;
  for (const candidate of MODEL_FILE_CANDIDATES) {
    if (await exists(join(directory, candidate))) {
      modelPath = join(directory, candidate);
      break;
    }
  }
  if (!modelPath) throw folderError(directory, 'it has no model.onnx (nor onnx/model.onnx)', hint);
  const tokenizerRaw = await readJson(directory, 'tokenizer.json', hint);
  if (tokenizerRaw === undefined) throw folderError(directory, 'it has no tokenizer.json', hint);
  const tokenizerJson = parseWith(tokenizerJsonSchema, tokenizerRaw, `${directory}/tokenizer.json`);
  const tokenizerConfig = parseWith(
    tokenizerConfigSchema,
    (await readJson(directory, 'tokenizer_config.json', hint)) ?? {},
    `${directory}/tokenizer_config.json`,
  );
  const sentenceBert = parseWith(
    sentenceBertSchema,
    (await readJson(directory, 'sentence_bert_config.json', hint)) ?? {},
    `${directory}/sentence_bert_config.json`,
  );
  const modelConfig = parseWith(
    modelConfigSchema,
    (await readJson(directory, 'config.json', hint)) ?? {},
    `${directory}/config.json`,
  );
  const poolingRaw = await readJson(directory, '1_Pooling/config.json', hint);
  const pooling =
    poolingRaw === undefined ? undefined : parseWith(poolingSchema, poolingRaw, '1_Pooling/config.json');
  // tokenizer_config.json uses 1e30 for "no limit"; only a plausible value is a limit.
  const tokenizerLimit =
    tokenizerConfig.model_max_length !== undefined && tokenizerConfig.model_max_length <= 100_000
      ? Math.floor(tokenizerConfig.model_max_length)
      : undefined;
  return {
    directory,
    modelPath,
    tokenizerJson,
    tokenizerConfig,
    maxLength: sentenceBert.max_seq_length ?? tokenizerLimit ?? modelConfig.max_position_embeddings,
    pooling: pooling?.pooling_mode_cls_token ? 'cls' : pooling?.pooling_mode_mean_tokens ? 'mean' : undefined,
    modelId: manifest?.modelId,
  };
}
