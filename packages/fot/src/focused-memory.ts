import {
  countTokens,
  embedInBatches,
  fitToBudget,
  LociError,
  namespaceSchema,
  parseObserveOptions,
  parseRecallOptions,
  parseWith,
  type Recalled,
  where,
} from '@loci/core';
import { z } from 'zod';
import { entryRows, prepareEntries } from './entry-rows.js';
import type {
  FocusedEntry,
  FocusedMemory,
  FocusedMemoryOptions,
  FocusedStatus,
  FocusedTrainOptions,
  FocusedTrainReport,
} from './focused-memory-types.js';
import { focusedTables } from './focused-tables.js';
import {
  exclusive,
  MAIN_CONTEXT,
  type NamespaceState,
  openTables,
  type StateRow,
  stateRowSchema,
  type TableHandles,
} from './namespace-state.js';
import { serializeProjection } from './projection-format.js';
import { createProjectionLifecycle, identityServing } from './projection-lifecycle.js';
import { focusedRow } from './reprojection.js';
import { searchValues } from './search-values.js';
import { trainProjectionInBackground } from './train-projection.js';
import { type KeyRecord, trainingContexts } from './training-contexts.js';
import { crossNamespaceKeys, namespaceKeys, poolKeys } from './training-records.js';

const optionsSchema = z.object({
  name: z.string().min(1).optional(),
  keys: z.object({ sentences: z.boolean().optional(), withPrevious: z.boolean().optional() }).optional(),
  aggregate: z.enum(['max', 'sum']).default('max'),
  overfetch: z.number().int().min(1).max(64).default(4),
  observeContext: z.enum(['namespace', 'session']).default('namespace'),
  crossNamespaceNegatives: z.array(namespaceSchema).optional(),
  training: z
    .object({
      auto: z.enum(['off', 'background', 'blocking']).default('off'),
      minKeys: z.number().int().min(2).default(200),
      maxKeys: z.number().int().min(2).default(20_000),
    })
    .passthrough()
    .optional(),
  batchSize: z.number().int().min(1).max(100_000).default(256),
  // Each page is a filtered, ordered read over the namespace's keys: few large pages, not many small.
  pageSize: z.number().int().min(1).max(100_000).default(10_000),
  resumeOnLoad: z.boolean().default(true),
});

// Entries per store write on the bulk paths.
const bulkSlice = 5000;

/**
 * FoT as a Loci `Memory` and a key/value store: values with several keys, top-k by inner product
 * over the focused keys of the serving projection (the frozen keys while P is the identity),
 * values reached by several keys merged. Per-namespace state (key sequence, serving projection,
 * write queue) is cached here; the store is the source of truth. See docs/fot.md.
 */
export function createFocusedMemory(options: FocusedMemoryOptions): FocusedMemory {
  const config = parseWith(
    optionsSchema,
    { ...options, embedder: undefined, store: undefined, negativePool: undefined },
    'FoT memory options',
  );
  const { embedder, store } = options;
  const definitions = focusedTables(embedder.modelId, embedder.dimensions);
  const { auto, minKeys, maxKeys, ...trainingDefaults } = optionsSchema.shape.training
    .unwrap()
    .parse(config.training ?? {});
  const states = new Map<string, Promise<NamespaceState>>();
  const background = new Set<Promise<unknown>>();
  let tables: Promise<TableHandles> | undefined;
  let pool: Promise<KeyRecord[]> | undefined;

  const open = () => {
    tables ??= openTables(store, definitions);
    return tables;
  };

  function detach(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => background.delete(tracked));
    background.add(tracked);
  }

  function state(namespace: string): Promise<NamespaceState> {
    let found = states.get(namespace);
    if (!found) {
      found = load(namespace);
      states.set(namespace, found);
      found.catch(() => states.delete(namespace));
    }
    return found;
  }

  const lifecycle = createProjectionLifecycle({
    dimensions: embedder.dimensions,
    pageSize: config.pageSize,
    tables: open,
    state,
    detach,
  });

  async function load(namespace: string): Promise<NamespaceState> {
    const { keys, projections } = await open();
    const [last] = await keys.query({ namespace, orderBy: { field: 'seq', direction: 'desc' }, limit: 1 });
    const [saved] = await projections.get({ namespace, ids: ['state'] });
    const stored: StateRow = saved
      ? parseWith(stateRowSchema, JSON.parse(saved.payload) as unknown, 'stored FoT state')
      : { active: 0, pending: null, lastVersion: 0, keysAtTraining: 0 };
    const current: NamespaceState = {
      nextSeq: last ? last.seq + 1 : 0,
      serving: identityServing,
      stored,
      queue: Promise.resolve(),
      buffer: [],
      session: 'session-0',
      previous: new Map(),
      staleSkips: 0,
    };
    if (stored.active > 0) {
      try {
        current.serving = await lifecycle.servingFor(namespace, stored.active);
      } catch (error) {
        // The frozen keys always exist: serve them rather than fail every recall.
        current.fault = {
          code: LociError.isInstance(error) ? error.code : 'fot_projection_corrupt',
          message: (error as Error).message,
        };
      }
    }
    if (stored.pending !== null && config.resumeOnLoad) {
      detach(Promise.resolve().then(() => lifecycle.reproject(namespace, undefined)));
    }
    return current;
  }

  /** Validates, embeds and writes entries: values first, then keys, then the serving focused keys. */
  async function write(
    namespace: string,
    entries: readonly FocusedEntry[],
    origin: string,
    signal?: AbortSignal,
  ): Promise<void> {
    parseWith(namespaceSchema, namespace, 'namespace');
    if (entries.length === 0) return;
    const current = await state(namespace);
    const prepared = prepareEntries(entries, {
      dimensions: embedder.dimensions,
      previous: current.previous,
      ...(options.keys ? { keys: options.keys } : {}),
    });
    const texts = prepared.flatMap((entry) =>
      entry.keys.flatMap((key) => (key.vector ? [] : [key.text ?? ''])),
    );
    const vectors = await embedInBatches(embedder, texts, {
      kind: 'document',
      ...(signal ? { signal } : {}),
    });
    let next = 0;
    for (const entry of prepared)
      for (const key of entry.keys) key.vector ??= vectors[next++] as Float32Array;
    await exclusive(current, async () => {
      const { values, keys, focused } = await open();
      const existing = await values.get({ namespace, ids: prepared.map((entry) => entry.value.id) });
      if (existing.length > 0) {
        const replaced = where.in(
          'value_id',
          existing.map((row) => row.id),
        );
        await keys.delete({ namespace, filter: replaced });
        await focused.delete({ namespace, filter: replaced });
      }
      const rows = entryRows(prepared, current.nextSeq, origin);
      if (existing.length > 0) await values.upsert({ namespace, rows: rows.values });
      else await values.add({ namespace, rows: rows.values });
      await keys.add({ namespace, rows: rows.keys });
      const serving = current.serving;
      if (serving.version > 0) {
        await focused.add({
          namespace,
          rows: rows.keys.map((key) => focusedRow(serving.version, key, serving.project(key.key))),
        });
      }
      current.nextSeq = rows.nextSeq;
    });
  }

  async function flushBuffer(namespace: string, current: NamespaceState): Promise<void> {
    if (current.buffer.length === 0) return;
    const entries = current.buffer;
    current.buffer = [];
    try {
      await write(namespace, entries, 'observed');
    } catch (error) {
      current.buffer = [...entries, ...current.buffer];
      throw error;
    }
  }

  /**
   * Automatic training: once the namespace has `minKeys` keys and twice as many as at its last
   * training. One training per namespace at a time; keys arriving meanwhile make it check again
   * when it ends. `background` returns at once (`idle()` awaits it), `blocking` waits. The key
   * count is the namespace's key sequence (no store read, so recall pays nothing for the check).
   */
  async function maybeTrain(namespace: string): Promise<void> {
    if (auto === 'off') return;
    const current = await state(namespace);
    if (current.training) {
      current.trainAgain = true;
      if (auto === 'blocking') await current.training;
      return;
    }
    if (current.stored.pending !== null) return;
    const count = current.nextSeq;
    if (count < minKeys || count < 2 * current.stored.keysAtTraining) return;
    const run = autoTrain(namespace, current);
    if (auto === 'blocking') await run;
    else detach(run);
  }

  function autoTrain(namespace: string, current: NamespaceState): Promise<void> {
    const run = (async () => {
      try {
        await train({ namespace }, current.staleSkips < 3);
        delete current.trainingError;
      } catch (error) {
        // Nothing to contrast with yet: wait for more data rather than fail the caller.
        if (!(LociError.isInstance(error) && error.code === 'fot_one_context')) {
          current.trainingError = {
            code: LociError.isInstance(error) ? error.code : 'fot_training_failed',
            message: (error as Error).message,
          };
          if (auto === 'blocking') throw error;
        }
      } finally {
        delete current.training;
      }
      if (current.trainAgain) {
        current.trainAgain = false;
        await maybeTrain(namespace);
      }
    })();
    current.training = run;
    return run;
  }

  /**
   * `skipIfOutgrown` (automatic training only): when the namespace doubled again while P trained
   * (a bulk load), the new P is not applied — re-projecting every key for a P that is retrained at
   * once is wasted work — and the caller's re-check trains on the grown namespace. At most three
   * times in a row, so a namespace that keeps growing still gets a trained P.
   */
  async function train(
    trainOptions: FocusedTrainOptions,
    skipIfOutgrown = false,
  ): Promise<FocusedTrainReport> {
    const namespace = parseWith(namespaceSchema, trainOptions.namespace, 'train namespace');
    const current = await state(namespace);
    await flushBuffer(namespace, current);
    const { keys } = await open();
    const keysAtTraining = current.nextSeq;
    const own = await namespaceKeys(keys, namespace, maxKeys);
    if (own.length === 0) {
      throw new LociError(`namespace "${namespace}" has no keys to train on`, {
        code: 'fot_nothing_to_train',
        category: 'user',
      });
    }
    if (options.negativePool) {
      const negativePool = options.negativePool;
      pool ??= poolKeys(embedder, negativePool, options.keys);
      pool.catch(() => {
        pool = undefined;
      });
    }
    const others = (config.crossNamespaceNegatives ?? []).filter((other) => other !== namespace);
    const records = [
      ...own,
      ...((await pool) ?? []),
      ...(await crossNamespaceKeys(keys, others, Math.max(1, Math.floor(maxKeys / 4)))),
    ];
    const pairs = trainOptions.pairs ?? [];
    const questions = await embedInBatches(
      embedder,
      pairs.map((pair) => pair.query),
      { kind: 'query' },
    );
    const labelled = pairs.map((pair, index) => ({
      vector: questions[index] as Float32Array,
      valueIds: pair.valueIds,
    }));
    const { namespace: _namespace, pairs: _pairs, apply, signal, ...overrides } = trainOptions;
    // In slices: searches and writes of this process keep being served while P trains.
    const { projection, report } = await trainProjectionInBackground(
      trainingContexts(records, { labelled }),
      {
        ...trainingDefaults,
        ...overrides,
        ...(signal ? { signal } : {}),
      },
    );
    const outgrown = skipIfOutgrown && current.nextSeq >= 2 * Math.max(keysAtTraining, minKeys);
    current.staleSkips = outgrown ? current.staleSkips + 1 : 0;
    if (outgrown) current.trainAgain = true;
    const reprojected =
      apply === false || outgrown ? undefined : await lifecycle.reproject(namespace, projection, signal);
    await exclusive(current, () =>
      lifecycle.saveState(namespace, current, { ...current.stored, keysAtTraining }),
    );
    return {
      ...report,
      projection: serializeProjection(projection),
      ...(reprojected ? { reprojected } : {}),
    };
  }

  async function recall(recallOptions: Parameters<FocusedMemory['recall']>[0]): Promise<Recalled[]> {
    const parsed = parseRecallOptions(recallOptions);
    const current = await state(parsed.namespace);
    await flushBuffer(parsed.namespace, current);
    await maybeTrain(parsed.namespace);
    const hits = await memory.search({
      namespace: parsed.namespace,
      query: parsed.query,
      k: parsed.k ?? 10,
      ...(parsed.at ? { at: parsed.at } : {}),
    });
    const items: Recalled[] = hits.map((hit) => {
      const text = hit.value.speaker ? `${hit.value.speaker}: ${hit.value.text}` : hit.value.text;
      return {
        text,
        score: hit.score,
        kind: 'kv',
        sources: [...hit.value.sources],
        tokens: countTokens(text),
        at: hit.value.at,
      };
    });
    return fitToBudget(items, parsed.tokenBudget === undefined ? {} : { tokenBudget: parsed.tokenBudget });
  }

  const memory: FocusedMemory = {
    name: config.name ?? 'fot',

    async observe(observeOptions) {
      const { namespace, event } = parseObserveOptions(observeOptions);
      const current = await state(namespace);
      if (event.type === 'session') {
        if (event.boundary === 'start') current.session = event.id;
        return;
      }
      const speaker = event.type === 'turn' ? event.speaker : `tool ${event.toolName}`;
      const session = event.type === 'turn' ? (event.sessionId ?? current.session) : current.session;
      const context = config.observeContext === 'session' ? session : MAIN_CONTEXT;
      current.buffer.push({
        value: { id: event.id, text: event.text, speaker, at: event.at, context, metadata: { session } },
      });
      if (current.buffer.length >= config.batchSize) await flushBuffer(namespace, current);
    },

    recall,

    async put({ namespace, value, keys, signal }) {
      await write(namespace, [{ value, ...(keys ? { keys } : {}) }], 'put', signal);
    },

    async putMany({ namespace, entries, signal }) {
      for (let start = 0; start < entries.length; start += bulkSlice) {
        await write(namespace, entries.slice(start, start + bulkSlice), 'put', signal);
      }
    },

    async addDistractors(namespace, entries) {
      for (let start = 0; start < entries.length; start += bulkSlice) {
        const slice = entries
          .slice(start, start + bulkSlice)
          .map(({ keys, ...value }) => ({ value, ...(keys ? { keys } : {}) }));
        await write(namespace, slice, 'distractor');
      }
    },

    async search(searchOptions) {
      const current = await state(parseWith(namespaceSchema, searchOptions.namespace, 'search namespace'));
      // One snapshot of the serving projection for the whole search: never two versions mixed.
      return searchValues(searchOptions, {
        embedder,
        tables: await open(),
        serving: current.serving,
        overfetch: config.overfetch,
        aggregate: config.aggregate,
      });
    },

    train,

    reproject({ namespace, projection, signal }) {
      return lifecycle.reproject(
        parseWith(namespaceSchema, namespace, 'reproject namespace'),
        projection,
        signal,
      );
    },

    async status(namespace) {
      const current = await state(parseWith(namespaceSchema, namespace, 'status namespace'));
      const { values, keys } = await open();
      const status: FocusedStatus = {
        activeVersion: current.serving.version,
        pendingVersion: current.stored.pending ?? undefined,
        values: await values.count({ namespace }),
        keys: await keys.count({ namespace }),
      };
      if (current.fault) status.fault = current.fault;
      if (current.training) status.training = true;
      if (current.trainingError) status.trainingError = current.trainingError;
      return status;
    },

    async exportProjection(namespace) {
      const current = await state(parseWith(namespaceSchema, namespace, 'export namespace'));
      return current.serving.projection ? serializeProjection(current.serving.projection) : undefined;
    },

    async idle() {
      while (background.size > 0) await Promise.all([...background]);
    },

    async flush() {
      for (const [namespace, pending] of states) {
        await flushBuffer(namespace, await pending);
        await maybeTrain(namespace);
      }
    },

    async forget({ namespace }) {
      const checked = parseWith(namespaceSchema, namespace, 'forget namespace');
      const loaded = states.get(checked);
      states.delete(checked);
      // Buffered entries go with the rest; queued writes and training finish first, so none of
      // them writes a row of the namespace after its deletion.
      const current = await loaded?.catch(() => undefined);
      if (current) await exclusive(current, async () => undefined);
      await memory.idle();
      const handles = await open();
      // A delete wants ids or a filter; ids are never empty, so this matches every row.
      const everyRow = where.ne('id', '');
      let removed = 0;
      for (const table of [handles.values, handles.keys, handles.focused, handles.projections]) {
        removed += await table.delete({ namespace: checked, filter: everyRow });
      }
      return removed;
    },

    async close() {
      await memory.flush?.();
      await memory.idle();
      states.clear();
    },
  };
  return memory;
}
