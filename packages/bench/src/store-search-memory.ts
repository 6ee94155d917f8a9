import {
  countTokens,
  defineTable,
  type EmbeddingModel,
  embedInBatches,
  fitToBudget,
  type Memory,
  type MemoryStore,
  type MemoryTable,
  parseObserveOptions,
  parseRecallOptions,
  type Recalled,
  type SearchMode,
  turnKeyText,
  vectorColumn,
} from '@loci/core';
import { z } from 'zod';

export interface StoreSearchMemoryOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** `text` = the store's BM25 full-text search, `vector` = dense, `hybrid` = both fused by RRF. */
  mode: SearchMode;
  name?: string;
}

type TurnRow = { id: string; speaker: string; text: string; at: Date; vector: Float32Array };

export interface StoreSearchMemory extends Memory {
  /** Bulk path (the distraction benchmark): rows embedded in batches and written in one add. */
  addTurns(
    namespace: string,
    turns: readonly { id: string; speaker: string; text: string; at: Date }[],
  ): Promise<void>;
}

/**
 * The baselines: every turn a row, recall = one search of the `MemoryStore` in the given mode.
 * Turns are buffered and written in one batch per flush (LanceDB makes a fragment per write).
 */
export function createStoreSearchMemory(options: StoreSearchMemoryOptions): StoreSearchMemory {
  const { embedder, store, mode } = options;
  const definition = defineTable({
    name: `bench_turns_${embedder.modelId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, 40)}`,
    schema: z.object({
      id: z.string(),
      speaker: z.string(),
      text: z.string(),
      at: z.date(),
      vector: vectorColumn(),
    }),
    vectors: { vector: embedder.dimensions },
    metric: 'cosine',
    fullText: ['text'],
  });
  let table: Promise<MemoryTable<TurnRow>> | undefined;
  const pending = new Map<string, Omit<TurnRow, 'vector'>[]>();
  const open = () => {
    table ??= store.openTable(definition) as Promise<MemoryTable<TurnRow>>;
    return table;
  };

  async function flushNamespace(namespace: string): Promise<void> {
    const turns = pending.get(namespace);
    if (!turns || turns.length === 0) return;
    pending.delete(namespace);
    const vectors = await embedInBatches(
      embedder,
      turns.map((turn) => turn.text),
      { kind: 'document' },
    );
    await (await open()).add({
      namespace,
      rows: turns.map((turn, index) => ({ ...turn, vector: vectors[index] as Float32Array })),
    });
  }

  const memory: StoreSearchMemory = {
    name: options.name ?? `store-${mode}`,
    async addTurns(namespace, turns) {
      const list = pending.get(namespace) ?? [];
      pending.set(namespace, list);
      for (const turn of turns) {
        list.push({ id: turn.id, speaker: turn.speaker, text: turnKeyText(turn), at: turn.at });
      }
      await flushNamespace(namespace);
    },
    async observe(observeOptions) {
      const { namespace, event } = parseObserveOptions(observeOptions);
      if (event.type === 'session') return;
      const speaker = event.type === 'turn' ? event.speaker : `tool ${event.toolName}`;
      let list = pending.get(namespace);
      if (!list) {
        list = [];
        pending.set(namespace, list);
      }
      // The speaker is indexed with the text: questions name who said or did something.
      list.push({ id: event.id, speaker, text: turnKeyText({ speaker, text: event.text }), at: event.at });
    },
    async recall(recallOptions) {
      const parsed = parseRecallOptions(recallOptions);
      await flushNamespace(parsed.namespace);
      const k = parsed.k ?? 10;
      const vector =
        mode === 'text' ? undefined : (await embedder.embed([parsed.query], { kind: 'query' }))[0];
      const hits = await (await open()).search({
        namespace: parsed.namespace,
        mode,
        k,
        ...(mode === 'vector' ? {} : { text: parsed.query }),
        ...(vector ? { vector } : {}),
      });
      const items = hits.map(
        (hit): Recalled => ({
          text: hit.row.text,
          score: hit.score,
          kind: 'turn',
          sources: [hit.row.id],
          tokens: countTokens(hit.row.text),
          at: hit.row.at,
        }),
      );
      return parsed.tokenBudget === undefined
        ? items
        : fitToBudget(items, { tokenBudget: parsed.tokenBudget });
    },
    async flush() {
      for (const namespace of [...pending.keys()]) await flushNamespace(namespace);
    },
  };
  return memory;
}
