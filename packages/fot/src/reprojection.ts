import { type MemoryTable, where } from '@loci/core';

export interface KeyRow {
  id: string;
  value_id: string;
  kind: string;
  context: string;
  seq: number;
  origin: string;
  at: Date;
  key: Float32Array;
}

export interface FocusedRow {
  id: string;
  key_id: string;
  value_id: string;
  version: number;
  seq: number;
  at: Date;
  focused: Float32Array;
}

/** A focused row's id: the key and the projection version it was computed with. */
export function focusedId(version: number, keyId: string): string {
  return `${version}:${keyId}`;
}

export function focusedRow(version: number, key: KeyRow, focused: Float32Array): FocusedRow {
  return {
    id: focusedId(version, key.id),
    key_id: key.id,
    value_id: key.value_id,
    version,
    seq: key.seq,
    at: key.at,
    focused,
  };
}

/**
 * Writes P·key for every stored key of a namespace into rows tagged `version`, in key order
 * (`seq`, unique per key), one page per write. Each page is one store write, so after a kill the
 * rows of `version` are exactly the keys up to some seq: the run resumes after the highest one.
 * Keys written meanwhile get higher seqs and are picked up by the same loop; each page runs under
 * `exclusive` so no write of the memory interleaves with a page. Returns the rows written.
 */
export async function projectStoredKeys(options: {
  keys: MemoryTable<KeyRow>;
  focused: MemoryTable<FocusedRow>;
  namespace: string;
  version: number;
  project: (x: Float32Array) => Float32Array;
  pageSize: number;
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  signal?: AbortSignal;
  /** Called after each page is written (tests interrupt here). */
  onPage?: (written: number) => void;
}): Promise<{ written: number; resumedAfter: number }> {
  const { keys, focused, namespace, version } = options;
  const [last] = await focused.query({
    namespace,
    filter: where.eq('version', version),
    orderBy: { field: 'seq', direction: 'desc' },
    limit: 1,
  });
  const resumedAfter = last?.seq ?? -1;
  let after = resumedAfter;
  let written = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const count = await options.exclusive(async () => {
      const page = await keys.query({
        namespace,
        filter: where.gt('seq', after),
        orderBy: { field: 'seq' },
        limit: options.pageSize,
      });
      if (page.length === 0) return 0;
      await focused.add({
        namespace,
        rows: page.map((key) => focusedRow(version, key, options.project(key.key))),
      });
      after = (page[page.length - 1] as KeyRow).seq;
      return page.length;
    });
    if (count === 0) return { written, resumedAfter };
    written += count;
    options.onPage?.(written);
  }
}
