import type { MemoryStore, MemoryTable } from '@loci/core';
import { z } from 'zod';
import type { FocusedEntry } from './focused-memory-types.js';
import type { FocusedTables } from './focused-tables.js';
import type { Projection } from './projection.js';
import type { FocusedRow, KeyRow } from './reprojection.js';

export type ValueRow = {
  id: string;
  text: string;
  speaker: string;
  at: Date;
  context: string;
  seq: number;
  origin: string;
  sources: string[];
  metadata: string;
};

export type ProjectionRow = { id: string; version: number; payload: string; updated_at: Date };

/** The namespace's row `state` in the projections table: which version serves, which is being written. */
export const stateRowSchema = z.object({
  active: z.number().int().min(0),
  pending: z.number().int().min(1).nullable(),
  /** Versions are never reused, so rows of an abandoned version can never join a new one. */
  lastVersion: z.number().int().min(0),
  keysAtTraining: z.number().int().min(0),
});
export type StateRow = z.output<typeof stateRowSchema>;

/** The projection that serves: version 0 is the identity (frozen keys searched directly). */
export interface Serving {
  version: number;
  projection: Projection | undefined;
  project: (x: Float32Array) => Float32Array;
}

export interface NamespaceState {
  /** Next key sequence number (unique per key, increasing in write order). */
  nextSeq: number;
  serving: Serving;
  stored: StateRow;
  fault?: { code: string; message: string };
  /** Writes of this namespace (and each re-projection page) run one at a time, in order. */
  queue: Promise<unknown>;
  /** Observed turns not yet written. */
  buffer: FocusedEntry[];
  session: string;
  /** The last value written per context, for keys that include the predecessor. */
  previous: Map<string, { speaker: string; text: string }>;
  /** The automatic training of this namespace while it runs (one at a time). */
  training?: Promise<void>;
  /** More keys arrived while `training` ran: check again when it ends. */
  trainAgain?: boolean;
  /** Automatic trainings in a row whose P was not applied because the namespace outgrew it. */
  staleSkips: number;
  /** Why the last automatic training failed, if it did; cleared by the next one that succeeds. */
  trainingError?: { code: string; message: string };
}

/** Context of observed turns when the memory keeps one context per namespace. */
export const MAIN_CONTEXT = 'main';

export interface TableHandles {
  values: MemoryTable<ValueRow>;
  keys: MemoryTable<KeyRow>;
  focused: MemoryTable<FocusedRow>;
  projections: MemoryTable<ProjectionRow>;
}

export async function openTables(store: MemoryStore, definitions: FocusedTables): Promise<TableHandles> {
  return {
    values: (await store.openTable(definitions.values)) as MemoryTable<ValueRow>,
    keys: (await store.openTable(definitions.keys)) as MemoryTable<KeyRow>,
    focused: (await store.openTable(definitions.focused)) as MemoryTable<FocusedRow>,
    projections: (await store.openTable(definitions.projections)) as MemoryTable<ProjectionRow>,
  };
}

/** Runs `work` after every earlier exclusive work of the namespace; a failure does not block later work. */
export function exclusive<T>(state: NamespaceState, work: () => Promise<T>): Promise<T> {
  const run = state.queue.then(work);
  state.queue = run.catch(() => undefined);
  return run;
}
