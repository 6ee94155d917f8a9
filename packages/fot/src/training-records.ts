import { type EmbeddingModel, embedInBatches, type MemoryTable, where } from '@loci/core';
import type { NegativePool } from './negative-pool.js';
import type { KeyRow } from './reprojection.js';
import type { KeyRecord } from './training-contexts.js';
import { type KeyOptions, valueKeys } from './value-keys.js';

function record(row: KeyRow, prefix = ''): KeyRecord {
  return {
    valueId: `${prefix}${row.value_id}`,
    kind: row.kind,
    context: `${prefix}${row.context}`,
    seq: row.seq,
    vector: row.key,
  };
}

/** Up to `maxKeys` keys of a namespace in write order: its own first, then distractor contexts. */
export async function namespaceKeys(
  keys: MemoryTable<KeyRow>,
  namespace: string,
  maxKeys: number,
): Promise<KeyRecord[]> {
  const out: KeyRecord[] = [];
  const page = 5000;
  for (const filter of [where.ne('origin', 'distractor'), where.eq('origin', 'distractor')]) {
    for (let offset = 0; out.length < maxKeys; offset += page) {
      const limit = Math.min(page, maxKeys - out.length);
      const rows = await keys.query({ namespace, filter, orderBy: { field: 'seq' }, limit, offset });
      for (const row of rows) out.push(record(row));
      if (rows.length < limit) break;
    }
  }
  return out;
}

/** Keys of other namespaces the deployment opted in, each namespace's contexts kept apart. */
export async function crossNamespaceKeys(
  keys: MemoryTable<KeyRow>,
  namespaces: readonly string[],
  limitEach: number,
): Promise<KeyRecord[]> {
  const out: KeyRecord[] = [];
  for (const other of namespaces) {
    const rows = await keys.query({ namespace: other, orderBy: { field: 'seq' }, limit: limitEach });
    for (const row of rows) out.push(record(row, `ns:${other}/`));
  }
  return out;
}

/** The negative pool's texts keyed like stored values (turn and sentences), one context each. */
export async function poolKeys(
  embedder: EmbeddingModel,
  pool: NegativePool,
  options?: KeyOptions,
): Promise<KeyRecord[]> {
  const records: KeyRecord[] = [];
  let seq = 0;
  for (const context of pool.contexts) {
    const keysOfTurns = context.texts.map((text) => valueKeys({ text }, options));
    const vectors = await embedInBatches(
      embedder,
      keysOfTurns.flat().map((key) => key.text),
      { kind: 'document' },
    );
    let next = 0;
    keysOfTurns.forEach((keysOfTurn, turn) => {
      for (const key of keysOfTurn) {
        records.push({
          valueId: `${context.id}#${turn}`,
          kind: key.kind,
          context: `pool:${context.id}`,
          seq,
          vector: vectors[next++] as Float32Array,
        });
      }
      seq++;
    });
  }
  return records;
}
