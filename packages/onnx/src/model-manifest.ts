import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LociError, parseWith } from '@loci/core';
import { z } from 'zod';
import { sha256File, writeFileAtomic } from './file-integrity.js';

/** Every model folder Loci writes carries this file; it is written last, after all model files. */
export const MANIFEST_FILE = 'loci-manifest.json';

const fileEntrySchema = z.object({
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex sha256'),
});

/** Shape of `loci-manifest.json`: each model file's size and sha256, checked before use. */
export const modelManifestSchema = z.object({
  format: z.literal(1),
  modelId: z.string().min(1),
  /** `built`: made locally (glove-sif-100d); `pulled`: downloaded from a hub. */
  origin: z.enum(['built', 'pulled']),
  /** For built models: the builder version; a mismatch triggers a rebuild. */
  builder: z.string().optional(),
  source: z.string(),
  dimensions: z.number().int().positive().optional(),
  files: z.record(z.string(), fileEntrySchema),
});

/** A parsed `loci-manifest.json`. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ManifestFileEntry = z.infer<typeof fileEntrySchema>;

/** A file's text, or undefined when it does not exist; other read errors are thrown. */
export async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The manifest of a model folder; undefined when there is none. A broken one is an error. */
export async function readManifest(directory: string): Promise<ModelManifest | undefined> {
  const path = join(directory, MANIFEST_FILE);
  const text = await readTextIfPresent(path);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LociError(`${path} is not valid JSON`, {
      code: 'manifest_corrupt',
      category: 'system',
      cause: error,
    });
  }
  return parseWith(modelManifestSchema, json, path);
}

export async function writeManifest(directory: string, manifest: ModelManifest): Promise<void> {
  await writeFileAtomic(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** What is wrong with one file of a model folder, or undefined when it matches its manifest entry. */
export async function checkFile(
  directory: string,
  name: string,
  entry: ManifestFileEntry,
): Promise<string | undefined> {
  const path = join(directory, name);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return `${name} is missing`;
    throw error;
  }
  if (size !== entry.bytes) return `${name} has ${size} bytes, the manifest says ${entry.bytes}`;
  const actual = await sha256File(path);
  if (actual !== entry.sha256) return `${name} fails its sha256 check (${actual} ≠ ${entry.sha256})`;
  return undefined;
}

/** Problems of a whole model folder against its manifest (empty when all files verify). */
export async function verifyManifestFiles(directory: string, manifest: ModelManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(manifest.files)) {
    const problem = await checkFile(directory, name, entry);
    if (problem) problems.push(problem);
  }
  return problems;
}
