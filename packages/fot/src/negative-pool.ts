import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LociError, parseWith, turnKeyText } from '@loci/core';
import { z } from 'zod';

/** Text from other contexts to contrast a namespace with: one list of turn texts per context. */
export interface NegativePool {
  contexts: readonly { id: string; texts: readonly string[] }[];
}

const conversationSchema = z
  .object({
    speaker_a: z.string().min(1),
    speaker_b: z.string().min(1),
  })
  .catchall(z.unknown());

const sessionSchema = z.array(z.object({ speaker: z.string().min(1), text: z.string() }).passthrough());

/**
 * Reads LoCoMo-format conversation files (a file, or every `.json` in a folder) into a negative
 * pool, one context per session, each turn as `speaker: text` (the text its keys are made of).
 * Loci ships its own sample conversation (`packages/cli/data/demo-conversation.json`); pass its
 * path, or your own text. Files of the wrong shape get a `ConfigError` naming the file and field.
 */
export async function readNegativePool(paths: string | readonly string[]): Promise<NegativePool> {
  const files: string[] = [];
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    const info = await stat(path).catch((error: unknown) => {
      throw new LociError(`negative pool: cannot read ${path}`, {
        code: 'fot_pool_unreadable',
        category: 'user',
        cause: error,
      });
    });
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
      files.push(...names.map((name) => join(path, name)));
    } else files.push(path);
  }
  const contexts: { id: string; texts: string[] }[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8')) as unknown;
    } catch (error) {
      throw new LociError(`negative pool: ${file} is not readable JSON`, {
        code: 'fot_pool_unreadable',
        category: 'user',
        cause: error,
      });
    }
    const conversation = parseWith(conversationSchema, json, `negative pool file ${file}`);
    for (const [key, value] of Object.entries(conversation)) {
      if (!/^session_\d+$/.test(key)) continue;
      const turns = parseWith(sessionSchema, value, `negative pool file ${file}, ${key}`);
      const texts = turns.filter((turn) => turn.text.trim().length > 0).map(turnKeyText);
      if (texts.length > 0) contexts.push({ id: `${file}#${key}`, texts });
    }
  }
  if (contexts.length === 0) {
    throw new LociError('negative pool: no session with text in the given files', {
      code: 'fot_pool_empty',
      category: 'user',
    });
  }
  return { contexts };
}
