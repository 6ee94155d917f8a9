import {
  type EmbeddingModel,
  embedInBatches,
  fitToBudget,
  type Memory,
  type MemoryStore,
  type MemoryTable,
  parseObserveOptions,
  parseRecallOptions,
  parseWith,
  turnKeyText,
  where,
} from '@loci/core';
import { z } from 'zod';
import { collectCandidates, featureNames, prepareQuery, querySegments } from './candidate-features.js';
import { bankTable, sideNetTable } from './memory-tables.js';
import { chunkItems, turnItems } from './recalled-items.js';
import { createSideNet, type SideNet } from './sidenet.js';
import { selfSupervisedExamples } from './training-examples.js';
import { type BankEntry, createTurnBank, type TurnBank } from './turn-bank.js';

/** Options of `createLongMemMemory`; unset fields take LongMem's defaults. */
export interface LongMemOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** Reported as `Memory.name`. */
  name?: string;
  /**
   * What recall returns: single turns (scored with their neighbours as context), or chunks of
   * consecutive turns of about `chunkTokens` tokens, LongMem's memory unit.
   */
  output?: 'turn' | 'chunk';
  chunkTokens?: number;
  /** FIFO capacity of each namespace's bank, in turns; the oldest go first. */
  capacity?: number;
  /** Candidates each first-stage list contributes to the SideNet. */
  candidates?: number;
  sideNet?: {
    /** Weights to rank with (from `loci train sidenet`, or packaged ones); else an untrained net (gate 0). */
    weights?: unknown;
    /**
     * Train on the namespace's own memory (inverse cloze) when it has grown by a quarter since
     * the last training. Weights are saved with the memory. Default true.
     */
    selfSupervised?: boolean;
    /**
     * Self-supervised training starts from an untrained SideNet instead of `weights` (which then
     * only serve namespaces too small to train on). Default false.
     */
    resetOnTrain?: boolean;
    /** Self-supervised training needs at least this many turns. Default 40. */
    minTurns?: number;
    /**
     * Optimiser steps (mini-batches of 16 pseudo-queries) per self-supervised training. Few on
     * purpose: pseudo-queries are easier than real questions, and a short run keeps what
     * generalises (see docs/longmem.md). Default 12.
     */
    steps?: number;
  };
  /** Observed turns are written in batches of this size (LanceDB makes a fragment per write). */
  batchSize?: number;
}

const optionsSchema = z.object({
  name: z.string().min(1).optional(),
  output: z.enum(['turn', 'chunk']).optional(),
  chunkTokens: z.number().int().min(8).max(8192).optional(),
  capacity: z.number().int().min(1).optional(),
  candidates: z.number().int().min(1).max(1000).optional(),
  batchSize: z.number().int().min(1).max(100_000).optional(),
  sideNet: z
    .object({
      weights: z.unknown().optional(),
      selfSupervised: z.boolean().optional(),
      resetOnTrain: z.boolean().optional(),
      minTurns: z.number().int().min(2).optional(),
      steps: z.number().int().min(1).max(100_000).optional(),
    })
    .optional(),
});

interface NamespaceState {
  bank: TurnBank;
  pending: BankEntry[];
  nextSeq: number;
  /** The session the next turn belongs to (set by session boundary events). */
  session: string;
  sideNet: SideNet;
  trainedTurns: number;
  /** The flush in progress: flushes of one namespace run one after the other, in order. */
  flushing: Promise<void>;
}

type BankRow = {
  id: string;
  seq: number;
  speaker: string;
  text: string;
  at: Date;
  session_id: string;
  vector: Float32Array;
};

/**
 * LongMem as a Loci `Memory`: a bank of turns keyed by the frozen encoder (never re-embedded),
 * first-stage retrieval by dense keys (turn and chunk) and BM25 (turn, window, session), and a
 * SideNet reranker with a zero-initialised gate, trained on the memory itself. The store is the
 * source of truth; each namespace's bank is cached in memory and re-loaded by a fresh process.
 */
export function createLongMemMemory(options: LongMemOptions): Memory {
  const config = parseWith(
    optionsSchema,
    { ...options, embedder: undefined, store: undefined },
    'LongMem options',
  );
  const { embedder, store } = options;
  const output = config.output ?? 'turn';
  const chunkTokens = config.chunkTokens ?? 96;
  const batchSize = config.batchSize ?? 512;
  const selfSupervised = config.sideNet?.selfSupervised ?? true;
  const minTurns = config.sideNet?.minTurns ?? 40;
  const steps = config.sideNet?.steps ?? 12;
  const resetOnTrain = config.sideNet?.resetOnTrain ?? false;
  const initialWeights = config.sideNet?.weights;
  // Validate the starting weights now, not on first use.
  if (initialWeights !== undefined) createSideNet({ features: featureNames, weights: initialWeights });

  const states = new Map<string, Promise<NamespaceState>>();
  let tables:
    | Promise<{
        bank: MemoryTable<BankRow>;
        sideNet: MemoryTable<{ id: string; weights: string; trained_turns: number; updated_at: Date }>;
      }>
    | undefined;

  function openTables() {
    tables ??= (async () => ({
      bank: (await store.openTable(bankTable(embedder.modelId, embedder.dimensions))) as MemoryTable<BankRow>,
      sideNet: await store.openTable(sideNetTable(embedder.modelId)),
    }))();
    return tables;
  }

  function freshSideNet(): SideNet {
    return initialWeights !== undefined
      ? createSideNet({ features: featureNames, weights: initialWeights })
      : createSideNet({ features: featureNames });
  }

  function state(namespace: string): Promise<NamespaceState> {
    let existing = states.get(namespace);
    if (!existing) {
      existing = load(namespace);
      states.set(namespace, existing);
      existing.catch(() => states.delete(namespace));
    }
    return existing;
  }

  async function load(namespace: string): Promise<NamespaceState> {
    const { bank: bankRows, sideNet: sideNetRows } = await openTables();
    const bank = createTurnBank(embedder.dimensions);
    const page = 5000;
    for (let offset = 0; ; offset += page) {
      const rows = await bankRows.query({ namespace, orderBy: { field: 'seq' }, limit: page, offset });
      bank.append(
        rows.map((row) => ({
          id: row.id,
          speaker: row.speaker,
          text: row.text,
          at: row.at,
          sessionId: row.session_id,
          seq: row.seq,
          vector: row.vector,
        })),
      );
      if (rows.length < page) break;
    }
    const [saved] = await sideNetRows.get({ namespace, ids: ['sidenet'] });
    let sideNet = freshSideNet();
    let trainedTurns = 0;
    if (saved) {
      try {
        sideNet = createSideNet({ features: featureNames, weights: JSON.parse(saved.weights) as unknown });
        trainedTurns = saved.trained_turns;
      } catch {
        // Weights from another version of the features: retrain rather than fail recall.
        trainedTurns = 0;
      }
    }
    const entries = bank.entries();
    const lastEntry = entries[entries.length - 1];
    return {
      bank,
      pending: [],
      nextSeq: lastEntry ? lastEntry.seq + 1 : 0,
      session: lastEntry?.sessionId ?? 'session-0',
      sideNet,
      trainedTurns,
      flushing: Promise.resolve(),
    };
  }

  function flushNamespace(namespace: string, current: NamespaceState): Promise<void> {
    const run = current.flushing.then(() => writePending(namespace, current));
    current.flushing = run.catch(() => undefined);
    return run;
  }

  async function writePending(namespace: string, current: NamespaceState): Promise<void> {
    if (current.pending.length === 0) return;
    const { bank: bankRows } = await openTables();
    const pending = current.pending;
    current.pending = [];
    let entries: BankEntry[];
    try {
      // An id observed twice in one batch keeps its last version.
      const latest = new Map(pending.map((entry) => [entry.id, entry]));
      const unique = [...latest.values()];
      const vectors = await embedInBatches(embedder, unique.map(turnKeyText), { kind: 'document' });
      entries = unique.map((entry, index) => {
        // A replaced turn keeps its place in the conversation.
        const existing = current.bank.positionOf(entry.id);
        const seq = existing === undefined ? entry.seq : current.bank.entry(existing).seq;
        return { ...entry, seq, vector: vectors[index] as Float32Array };
      });
      const rows: BankRow[] = entries.map((entry) => ({
        id: entry.id,
        seq: entry.seq,
        speaker: entry.speaker,
        text: entry.text,
        at: entry.at,
        session_id: entry.sessionId,
        vector: entry.vector,
      }));
      const replacing = rows.filter((row) => current.bank.positionOf(row.id) !== undefined);
      const adding = rows.filter((row) => current.bank.positionOf(row.id) === undefined);
      if (adding.length > 0) await bankRows.add({ namespace, rows: adding });
      if (replacing.length > 0) await bankRows.upsert({ namespace, rows: replacing });
    } catch (error) {
      // Nothing reached the bank: keep the turns buffered so a later flush can retry.
      current.pending = [...pending, ...current.pending];
      throw error;
    }
    current.bank.append(entries);
    const capacity = config.capacity;
    if (capacity !== undefined && current.bank.size > capacity) {
      // Evict in blocks (a tenth of capacity) so the indexes are not rebuilt on every turn.
      const excess = current.bank.size - capacity + Math.floor(capacity / 10);
      const dropped = current.bank.dropOldest(Math.min(excess, current.bank.size - 1));
      await bankRows.delete({ namespace, ids: dropped.map((entry) => entry.id) });
    }
    if (selfSupervised && current.bank.size >= minTurns && current.bank.size >= current.trainedTurns * 1.25) {
      await train(namespace, current);
    }
  }

  async function train(namespace: string, current: NamespaceState): Promise<void> {
    const examples = await selfSupervisedExamples(current.bank, embedder, {
      seed: current.bank.size,
      maxExamples: steps * 16,
      // Shallow candidate lists are enough to learn from (same recall on the development split)
      // and keep training cheap at flush time.
      perList: 10,
    });
    if (examples.length < 8) return;
    const net = resetOnTrain ? createSideNet({ features: featureNames }) : current.sideNet;
    net.train(examples, {
      epochs: Math.max(1, Math.ceil((steps * 16) / examples.length)),
      maxSteps: steps,
      source: 'self-supervised',
    });
    current.sideNet = net;
    current.trainedTurns = current.bank.size;
    const { sideNet: sideNetRows } = await openTables();
    await sideNetRows.upsert({
      namespace,
      rows: [
        {
          id: 'sidenet',
          weights: JSON.stringify(current.sideNet.toJSON()),
          trained_turns: current.trainedTurns,
          updated_at: new Date(),
        },
      ],
    });
  }

  const memory: Memory = {
    name: config.name ?? 'longmem',

    async observe(observeOptions) {
      const { namespace, event: parsed } = parseObserveOptions(observeOptions);
      const current = await state(namespace);
      if (parsed.type === 'session') {
        if (parsed.boundary === 'start') current.session = parsed.id;
        return;
      }
      const entry: BankEntry =
        parsed.type === 'turn'
          ? {
              id: parsed.id,
              speaker: parsed.speaker,
              text: parsed.text,
              at: parsed.at,
              sessionId: parsed.sessionId ?? current.session,
              seq: current.nextSeq++,
              vector: new Float32Array(0),
            }
          : {
              id: parsed.id,
              speaker: `tool ${parsed.toolName}`,
              text: parsed.text,
              at: parsed.at,
              sessionId: current.session,
              seq: current.nextSeq++,
              vector: new Float32Array(0),
            };
      current.pending.push(entry);
      if (current.pending.length >= batchSize) await flushNamespace(namespace, current);
    },

    async recall(recallOptions) {
      const parsed = parseRecallOptions(recallOptions);
      const current = await state(parsed.namespace);
      await flushNamespace(parsed.namespace, current);
      const bank = current.bank;
      if (bank.size === 0) return [];
      const k = parsed.k ?? 10;
      const segments = querySegments(parsed.query);
      const vectors = await embedder.embed([parsed.query, ...segments], { kind: 'query' });
      let exclude: Set<number> | undefined;
      if (parsed.at) {
        const cutoff = parsed.at.getTime();
        exclude = new Set();
        for (let i = 0; i < bank.size; i++) if (bank.entry(i).at.getTime() > cutoff) exclude.add(i);
        if (exclude.size === bank.size) return [];
      }
      const candidates = collectCandidates(bank, prepareQuery(parsed.query, vectors), {
        ...(config.candidates ? { perList: config.candidates } : {}),
        ...(exclude ? { exclude } : {}),
      });
      const scores = current.sideNet.score(candidates.base, candidates.features);
      const ranked = candidates.positions
        .map((position, c) => ({ position, score: scores[c] as number }))
        .sort((a, b) => b.score - a.score || a.position - b.position);
      const items =
        output === 'chunk' ? chunkItems(bank, ranked, k, chunkTokens) : turnItems(bank, ranked.slice(0, k));
      return parsed.tokenBudget === undefined
        ? items
        : fitToBudget(items, { tokenBudget: parsed.tokenBudget });
    },

    async flush() {
      for (const [namespace, pending] of states) await flushNamespace(namespace, await pending);
    },

    async forget({ namespace }) {
      // Turns still buffered are dropped with the rest; the next observe starts a fresh bank.
      const loaded = states.get(namespace);
      states.delete(namespace);
      await loaded?.catch(() => undefined);
      const { bank, sideNet } = await openTables();
      // A delete wants ids or a filter; ids are never empty, so this matches every row.
      const everyRow = where.ne('id', '');
      return (
        (await bank.delete({ namespace, filter: everyRow })) +
        (await sideNet.delete({ namespace, filter: everyRow }))
      );
    },

    async close() {
      await memory.flush?.();
      states.clear();
    },
  };
  return memory;
}
