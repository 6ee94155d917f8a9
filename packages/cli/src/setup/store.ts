import { join } from 'node:path';
import type { MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { setupFailure } from '../cli-error.js';

/** `--store` when given, else the command's own folder in the Loci home (`<home>/demo`, `<home>/chat`). */
export function storeUri(flag: string | undefined, home: string, folder: string): string {
  return flag ?? join(home, folder);
}

/** Opens the LanceDB store every command writes to; failures name the URI. */
export async function openStore(uri: string): Promise<MemoryStore> {
  try {
    return await createLanceStore({ uri });
  } catch (error) {
    throw setupFailure('store_open_failed', `could not open the store at ${uri}`, error, { uri });
  }
}
