import {
  ConfigError,
  countTokens,
  DimensionMismatchError,
  dot,
  embedInBatches,
  type Filter,
  fitToBudget,
  LociError,
  type MemoryTable,
  namespaceSchema,
  parseObserveOptions,
  parseRecallOptions,
  parseWith,
  type Recalled,
  StoreError,
  where,
} from '@loci/core';
import { z } from 'zod';
import { aggregateHits, type KeyHit } from './aggregate-hits.js';
import type {
  FocusedEntry,
  FocusedHit,
  FocusedMemory,
  FocusedMemoryOptions,
  FocusedStatus,
  FocusedTrainOptions,
  KeyInput,
  ReprojectReport,
} from './focused-memory-types.js';
import { focusedTables } from './focused-tables.js';
import { isIdentity, type Projection, projector } from './projection.js';
import { parseProjection, serializeProjection } from './projection-format.js';
import { type FocusedRow, focusedRow, type KeyRow, projectStoredKeys } from './reprojection.js';
import { trainProjection } from './train-projection.js';
import { type KeyRecord, trainingContexts } from './training-contexts.js';
import { valueKeys } from './value-keys.js';

const optionsSchema = z.object({
  name: z.string().min(1).optional(),
  keys: z.object({ sentences: z.boolean().optional(), withPrevious: z.boolean().optional() }).optional(),
  aggregate: z.enum(['max', 'sum']).default('max'),
  overfetch: z.number().int().min(1).max(64).default(4),
  observeContext: z.enum(['namespace', 'session']).default('namespace'),
  crossNamespaceNegatives: z.array(namespaceSchema).optional(),
  training: z
    .object({
      auto: z.enum(['off', 'background', 'blocking']).optional(),
      minKeys: z.number().int().min(2).optional(),
      maxKeys: z.number().int().min(2).optional(),
    })
    .passthrough()
    .optional(),
  batchSize: z.number().int().min(1).max(100_000).default(256),
  pageSize: z.number().int().min(1).max(100_000).default(2000),
  resumeOnLoad: z.boolean().default(true),
});

const valueSchema = z.object({
  id: z.string().min(1, 'value id must not be empty'),
  text: z.string(),
  sources: z.array(z.string().min(1)).min(1, 'sources must name at least one turn').optional(),
  speaker: z.string().optional(),
  at: z.date().optional(),
  context: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const searchSchema = z.object({
  namespace: namespaceSchema,
  k: z.number().int().min(1, 'k must be at least 1').max(1000).default(10),
  aggregate: z.enum(['max', 'sum']).optional(),
  at: z.date().optional(),
});

type ValueRow = {
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
type ProjectionRow = { id: string; version: number; payload: string; updated_at: Date };
type StateRow = { active: number; pending: number | null; lastVersion: number; keysAtTraining: number };

interface Serving {
  version: number;
  projection: Projection | undefined;
  project: (x: Float32Array) => Float32Array;
}

interface NamespaceState {
  nextSeq: number;
  serving: Serving;
  stored: StateRow;
  fault?: { code: string; message: string };
  /** Writes of this namespace (and each re-projection page) run one at a time, in order. */
  queue: Promise<unknown>;
  buffer: FocusedEntry[];
  session: string;
  previous: Map<string, { speaker: string; text: string }>;
}

const MAIN_CONTEXT = 'main';
const stateSchema = z.object({
  active: z.number().int().min(0),
  pending: z.number().int().min(1).nullable(),
  lastVersion: z.number().int().min(0),
  keysAtTraining: z.number().int().min(0),
});

/**
 * FoT as a Loci `Memory` and a key/value store: values with several keys, top-k by inner product
 * over the focused keys of the serving projection (the frozen keys while P is the identity),
 * values reached by several keys deduplicated. See docs/fot.md.
 */
export function createFocusedMemory(options: FocusedMemoryOptions): FocusedMemory {
  const config = parseWith(
    optionsSchema,
    { ...options, embedder: undefined, store: undefined, negativePool: undefined },
    'FoT memory options',
  );
  const { embedder, store } = options;
  const d = embedder.dimensions;
  const definitions = focusedTables(embedder.modelId, d);
  const training = config.training ?? {};
  const auto = training.auto ?? 'off';
  const identity: Serving = { version: 0, projection: undefined, project: (x) => x };
  const states = new Map<string, Promise<NamespaceState>>();
  const background = new Set<Promise<unknown>>();
  let tables:
    | Promise<{
        values: MemoryTable<ValueRow>;
        keys: MemoryTable<KeyRow>;
        focused: MemoryTable<FocusedRow>;
        projections: MemoryTable<ProjectionRow>;
      }>
    | undefined;
  let poolRecords: Promise<KeyRecord[]> | undefined;

  function open() {
    tables ??= (async () => ({
      values: (await store.openTable(definitions.values)) as MemoryTable<ValueRow>,
      keys: (await store.openTable(definitions.keys)) as MemoryTable<KeyRow>,
      focused: (await store.openTable(definitions.focused)) as MemoryTable<FocusedRow>,
      projections: (await store.openTable(definitions.projections)) as MemoryTable<ProjectionRow>,
    }))();
    return tables;
  }

  function exclusive<T>(state: NamespaceState, work: () => Promise<T>): Promise<T> {
    const run = state.queue.then(work);
    state.queue = run.catch(() => undefined);
    return run;
  }

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

  async function servingFor(namespace: string, version: number): Promise<Serving> {
    const { projections } = await open();
    const [row] = await projections.get({ namespace, ids: [`v${version}`] });
    if (!row) {
      throw new LociError(`projection version ${version} is missing from the store`, {
        code: 'fot_projection_missing',
        category: 'system',
      });
    }
    const projection = parseProjection(row.payload, d);
    return { version, projection, project: projector(projection) };
  }

  async function load(namespace: string): Promise<NamespaceState> {
    const { keys, projections } = await open();
    const [last] = await keys.query({ namespace, orderBy: { field: 'seq', direction: 'desc' }, limit: 1 });
    const [saved] = await projections.get({ namespace, ids: ['state'] });
    const stored: StateRow = saved
      ? parseWith(stateSchema, JSON.parse(saved.payload) as unknown, 'stored FoT state')
      : { active: 0, pending: null, lastVersion: 0, keysAtTraining: 0 };
    const current: NamespaceState = {
      nextSeq: last ? last.seq + 1 : 0,
      serving: identity,
      stored,
      queue: Promise.resolve(),
      buffer: [],
      session: 'session-0',
      previous: new Map(),
    };
    if (stored.active > 0) {
      try {
        current.serving = await servingFor(namespace, stored.active);
      } catch (error) {
        // The frozen keys always exist: serve them rather than fail every recall.
        current.fault = {
          code: LociError.isInstance(error) ? error.code : 'fot_projection_corrupt',
          message: (error as Error).message,
        };
      }
    }
    if (stored.pending !== null && config.resumeOnLoad) {
      detach(Promise.resolve().then(() => reproject(namespace, undefined)));
    }
    return current;
  }

  async function saveState(namespace: string, current: NamespaceState, next: StateRow): Promise<void> {
    const { projections } = await open();
    await projections.upsert({
      namespace,
      rows: [{ id: 'state', version: next.active, payload: JSON.stringify(next), updated_at: new Date() }],
    });
    current.stored = next;
  }

  function keyVectorFor(input: KeyInput): { kind: string; text?: string; vector?: Float32Array } {
    if (typeof input === 'string') return { kind: 'custom', text: input };
    if ('vector' in input) {
      if (!(input.vector instanceof Float32Array))
        throw new ConfigError('a key vector must be a Float32Array');
      if (input.vector.length !== d) {
        throw new DimensionMismatchError({ expected: d, actual: input.vector.length, what: 'key vector' });
      }
      return { kind: input.kind ?? 'custom', vector: input.vector };
    }
    return { kind: input.kind ?? 'custom', text: input.text };
  }

  /** Validates, embeds and writes entries: values first, then keys, then focused keys. */
  async function write(
    namespace: string,
    entries: readonly FocusedEntry[],
    origin: string,
    signal?: AbortSignal,
  ): Promise<void> {
    parseWith(namespaceSchema, namespace, 'namespace');
    if (entries.length === 0) return;
    const current = await state(namespace);
    const prepared = entries.map((entry, index) => {
      const value = parseWith(valueSchema, entry.value, `entry ${index} value`);
      const context = value.context ?? MAIN_CONTEXT;
      const speaker = value.speaker ?? '';
      const previous = current.previous.get(context);
      current.previous.set(context, { speaker, text: value.text });
      const keys = entry.keys
        ? entry.keys.map(keyVectorFor)
        : valueKeys({ speaker, text: value.text }, options.keys, previous);
      if (keys.length === 0) throw new ConfigError(`entry ${index} has no keys`);
      return {
        value: { ...value, context, speaker },
        keys: keys as { kind: string; text?: string; vector?: Float32Array }[],
      };
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
      const ids = prepared.map((entry) => entry.value.id);
      const existing = await values.get({ namespace, ids });
      if (existing.length > 0) {
        const replaced = existing.map((row) => row.id);
        await keys.delete({ namespace, filter: where.in('value_id', replaced) });
        await focused.delete({ namespace, filter: where.in('value_id', replaced) });
      }
      let seq = current.nextSeq;
      const valueRows: ValueRow[] = [];
      const keyRows: KeyRow[] = [];
      for (const { value, keys: entryKeys } of prepared) {
        const at = value.at ?? new Date();
        valueRows.push({
          id: value.id,
          text: value.text,
          speaker: value.speaker,
          at,
          context: value.context,
          seq,
          origin,
          sources: [...(value.sources ?? [value.id])],
          metadata: JSON.stringify(value.metadata ?? {}),
        });
        entryKeys.forEach((key, index) => {
          keyRows.push({
            id: `${value.id}#${index}`,
            value_id: value.id,
            kind: key.kind,
            context: value.context,
            seq: seq++,
            origin,
            at,
            key: key.vector as Float32Array,
          });
        });
      }
      if (existing.length > 0) await values.upsert({ namespace, rows: valueRows });
      else await values.add({ namespace, rows: valueRows });
      await keys.add({ namespace, rows: keyRows });
      const serving = current.serving;
      if (serving.version > 0) {
        await focused.add({
          namespace,
          rows: keyRows.map((key) => focusedRow(serving.version, key, serving.project(key.key))),
        });
      }
      current.nextSeq = seq;
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

  async function maybeTrain(namespace: string): Promise<void> {
    if (auto === 'off') return;
    const current = await state(namespace);
    if (current.stored.pending !== null) return;
    const { keys } = await open();
    const own = await keys.count({ namespace });
    if (own < (training.minKeys ?? 200) || own < 2 * current.stored.keysAtTraining) return;
    const run = train({ namespace }).catch((error: unknown) => {
      // One context and nothing to contrast with: wait for more data, do not fail the caller.
      if (LociError.isInstance(error) && error.code === 'fot_one_context') return;
      throw error;
    });
    if (auto === 'blocking') await run;
    else detach(run);
  }

  async function search(searchOptions: Parameters<FocusedMemory['search']>[0]): Promise<FocusedHit[]> {
    const parsed = parseWith(
      searchSchema,
      {
        namespace: searchOptions.namespace,
        k: searchOptions.k,
        aggregate: searchOptions.aggregate,
        at: searchOptions.at,
      },
      'FoT search options',
    );
    const namespace = parsed.namespace;
    const current = await state(namespace);
    let query: Float32Array;
    if (typeof searchOptions.query === 'string') {
      if (searchOptions.query.trim().length === 0)
        throw new ConfigError('invalid FoT search options: query must not be empty');
      query = (await embedder.embed([searchOptions.query], { kind: 'query' }))[0] as Float32Array;
    } else {
      query = searchOptions.query;
      if (query.length !== d)
        throw new DimensionMismatchError({ expected: d, actual: query.length, what: 'query vector' });
    }
    const { values, keys, focused } = await open();
    // One snapshot of the serving projection for the whole search: never two versions mixed.
    const serving = current.serving;
    const limit = Math.min(10_000, parsed.k * config.overfetch);
    const time: Filter | undefined = parsed.at ? where.lte('at', parsed.at) : undefined;
    let hits: KeyHit[];
    if (serving.version === 0) {
      const found = await keys.search({
        namespace,
        mode: 'vector',
        vector: query,
        vectorColumn: 'key',
        k: limit,
        ...(time ? { filter: time } : {}),
      });
      // Exact inner products (the refine step behind an approximate index).
      hits = found.map(({ row }) => ({
        keyId: row.id,
        valueId: row.value_id,
        kind: row.kind,
        score: dot(query, row.key),
      }));
    } else {
      const projected = serving.project(query);
      const version = where.eq('version', serving.version);
      const found = await focused.search({
        namespace,
        mode: 'vector',
        vector: projected,
        vectorColumn: 'focused',
        k: limit,
        filter: time ? where.and(version, time) : version,
      });
      hits = found.map(({ row }) => ({
        keyId: row.key_id,
        valueId: row.value_id,
        score: dot(projected, row.focused),
      }));
    }
    const ranked = aggregateHits(hits, parsed.aggregate ?? config.aggregate).slice(0, parsed.k);
    const rows = new Map(
      (await values.get({ namespace, ids: ranked.map((hit) => hit.valueId) })).map((row) => [row.id, row]),
    );
    return ranked.flatMap((hit) => {
      const row = rows.get(hit.valueId);
      if (!row) return [];
      return [
        {
          value: {
            id: row.id,
            text: row.text,
            sources: row.sources,
            speaker: row.speaker,
            at: row.at,
            context: row.context,
            metadata: JSON.parse(row.metadata) as Record<string, string | number | boolean>,
          },
          score: hit.score,
          keys: hit.keys,
        },
      ];
    });
  }

  async function trainingKeys(namespace: string, maxKeys: number): Promise<KeyRecord[]> {
    const { keys } = await open();
    const out: KeyRecord[] = [];
    const page = 5000;
    // The namespace's own keys first, then other contexts (distractors) up to the cap.
    for (const filter of [where.ne('origin', 'distractor'), where.eq('origin', 'distractor')]) {
      for (let offset = 0; out.length < maxKeys; offset += page) {
        const rows = await keys.query({
          namespace,
          filter,
          orderBy: { field: 'seq' },
          limit: Math.min(page, maxKeys - out.length),
          offset,
        });
        for (const row of rows)
          out.push({
            valueId: row.value_id,
            kind: row.kind,
            context: row.context,
            seq: row.seq,
            vector: row.key,
          });
        if (rows.length < page) break;
      }
    }
    return out;
  }

  function pool(): Promise<KeyRecord[]> {
    poolRecords ??= (async () => {
      const records: KeyRecord[] = [];
      let seq = 0;
      for (const context of options.negativePool?.contexts ?? []) {
        const texts = context.texts.map((text) => valueKeys({ text }, options.keys));
        const vectors = await embedInBatches(
          embedder,
          texts.flat().map((key) => key.text),
          { kind: 'document' },
        );
        let next = 0;
        texts.forEach((keysOfTurn, turn) => {
          for (const key of keysOfTurn) {
            records.push({
              valueId: `${context.id}#${turn}`,
              kind: key.kind,
              context: `pool:${context.id}`,
              seq: seq,
              vector: vectors[next++] as Float32Array,
            });
          }
          seq++;
        });
      }
      return records;
    })();
    poolRecords.catch(() => {
      poolRecords = undefined;
    });
    return poolRecords;
  }

  async function train(trainOptions: FocusedTrainOptions) {
    const namespace = parseWith(namespaceSchema, trainOptions.namespace, 'train namespace');
    const current = await state(namespace);
    await flushBuffer(namespace, current);
    const maxKeys = training.maxKeys ?? 20_000;
    const own = await trainingKeys(namespace, maxKeys);
    if (own.length === 0) {
      throw new LociError(`namespace "${namespace}" has no keys to train on`, {
        code: 'fot_nothing_to_train',
        category: 'user',
      });
    }
    const records = [...own, ...(await pool())];
    const { keys } = await open();
    for (const other of config.crossNamespaceNegatives ?? []) {
      if (other === namespace) continue;
      const rows = await keys.query({
        namespace: other,
        orderBy: { field: 'seq' },
        limit: Math.max(1, Math.floor(maxKeys / 4)),
      });
      for (const row of rows) {
        records.push({
          valueId: `${other}/${row.value_id}`,
          kind: row.kind,
          context: `ns:${other}/${row.context}`,
          seq: row.seq,
          vector: row.key,
        });
      }
    }
    const labelled = trainOptions.pairs?.length
      ? (
          await embedInBatches(
            embedder,
            trainOptions.pairs.map((pair) => pair.query),
            { kind: 'query' },
          )
        ).map((vector, index) => ({
          vector,
          valueIds: trainOptions.pairs?.[index]?.valueIds ?? [],
        }))
      : [];
    const { namespace: _n, pairs: _p, apply, signal, ...rest } = trainOptions;
    const { auto: _a, minKeys: _m, maxKeys: _x, ...defaults } = training as Record<string, unknown>;
    const { projection, report } = trainProjection(trainingContexts(records, { labelled }), {
      ...(defaults as object),
      ...rest,
      ...(signal ? { signal } : {}),
    });
    const reprojected = apply === false ? undefined : await reproject(namespace, projection, signal);
    await exclusive(current, () =>
      saveState(namespace, current, { ...current.stored, keysAtTraining: own.length }),
    );
    return {
      ...report,
      projection: serializeProjection(projection),
      ...(reprojected ? { reprojected } : {}),
    };
  }

  async function reproject(
    namespace: string,
    input: unknown,
    signal?: AbortSignal,
  ): Promise<ReprojectReport | undefined> {
    const current = await state(namespace);
    const { keys, focused, projections } = await open();
    const started = performance.now();
    let projection: Projection;
    let version: number;
    let resumed = false;
    if (input === undefined) {
      if (current.stored.pending === null) return undefined;
      version = current.stored.pending;
      projection = (await servingFor(namespace, version)).projection as Projection;
      resumed = true;
    } else {
      projection = isProjection(input) ? checked(input) : parseProjection(input, d);
      if (isIdentity(projection)) {
        await exclusive(current, async () => {
          await saveState(namespace, current, { ...current.stored, active: 0, pending: null });
          current.serving = identity;
          delete current.fault;
        });
        detach(cleanup(namespace, 0));
        return { version: 0, written: 0, resumed: false, seconds: (performance.now() - started) / 1000 };
      }
      version = current.stored.lastVersion + 1;
      await exclusive(current, async () => {
        await projections.upsert({
          namespace,
          rows: [
            {
              id: `v${version}`,
              version,
              payload: JSON.stringify(serializeProjection(projection)),
              updated_at: new Date(),
            },
          ],
        });
        await saveState(namespace, current, { ...current.stored, pending: version, lastVersion: version });
      });
    }
    const project = projector(projection);
    const { written } = await projectStoredKeys({
      keys,
      focused,
      namespace,
      version,
      project,
      pageSize: config.pageSize,
      exclusive: (work) => exclusive(current, work),
      ...(signal ? { signal } : {}),
    });
    await exclusive(current, async () => {
      // Every key has its row of the new version before the version serves.
      const [all, done] = await Promise.all([
        keys.count({ namespace }),
        focused.count({ namespace, filter: where.eq('version', version) }),
      ]);
      if (all !== done) {
        throw new StoreError(
          `re-projection ${version} covers ${done} of ${all} keys; the previous projection keeps serving`,
          {
            code: 'fot_reprojection_incomplete',
          },
        );
      }
      if (current.stored.pending !== version) return;
      await saveState(namespace, current, { ...current.stored, active: version, pending: null });
      current.serving = { version, projection, project };
      delete current.fault;
    });
    detach(cleanup(namespace, version));
    return { version, written, resumed, seconds: (performance.now() - started) / 1000 };
  }

  /** Drops focused rows and weights of versions that no longer serve (retried on the next switch). */
  async function cleanup(namespace: string, active: number): Promise<void> {
    const current = await state(namespace);
    const { focused, projections } = await open();
    await exclusive(current, async () => {
      const pending = current.stored.pending;
      const keep = pending === null ? [active] : [active, pending];
      await focused.delete({ namespace, filter: where.not(where.in('version', keep)) });
      const rows = await projections.query({ namespace, filter: where.ne('id', 'state') });
      const stale = rows.filter((row) => !keep.includes(row.version)).map((row) => row.id);
      if (stale.length > 0) await projections.delete({ namespace, ids: stale });
    });
  }

  function checked(projection: Projection): Projection {
    if (projection.dimensions !== d) {
      throw new DimensionMismatchError({
        expected: d,
        actual: projection.dimensions,
        what: 'FoT projection',
      });
    }
    if (projection.u.length !== d * projection.rank || projection.v.length !== d * projection.rank) {
      throw new LociError('projection weights are corrupt: u and v must hold dimensions × rank values', {
        code: 'fot_projection_corrupt',
        category: 'user',
      });
    }
    return projection;
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
      current.buffer.push({
        value: {
          id: event.id,
          text: event.text,
          speaker,
          at: event.at,
          context: config.observeContext === 'session' ? session : MAIN_CONTEXT,
          metadata: { session },
        },
      });
      if (current.buffer.length >= config.batchSize) await flushBuffer(namespace, current);
    },

    async recall(recallOptions) {
      const parsed = parseRecallOptions(recallOptions);
      const current = await state(parsed.namespace);
      await flushBuffer(parsed.namespace, current);
      await maybeTrain(parsed.namespace);
      const hits = await search({
        namespace: parsed.namespace,
        query: parsed.query,
        k: parsed.k ?? 10,
        ...(parsed.at ? { at: parsed.at } : {}),
      });
      const items: Recalled[] = hits.map((hit) => ({
        text: hit.value.speaker ? `${hit.value.speaker}: ${hit.value.text}` : hit.value.text,
        score: hit.score,
        kind: 'kv',
        sources: [...hit.value.sources],
        tokens: countTokens(hit.value.speaker ? `${hit.value.speaker}: ${hit.value.text}` : hit.value.text),
        at: hit.value.at,
      }));
      return fitToBudget(items, parsed.tokenBudget === undefined ? {} : { tokenBudget: parsed.tokenBudget });
    },

    async put({ namespace, value, keys, signal }) {
      await write(namespace, [{ value, ...(keys ? { keys } : {}) }], 'put', signal);
    },

    async putMany({ namespace, entries, signal }) {
      for (let start = 0; start < entries.length; start += 5000) {
        await write(namespace, entries.slice(start, start + 5000), 'put', signal);
      }
    },

    async addDistractors(namespace, entries) {
      for (let start = 0; start < entries.length; start += 5000) {
        const slice = entries
          .slice(start, start + 5000)
          .map(({ keys, ...value }) => ({ value, ...(keys ? { keys } : {}) }));
        await write(namespace, slice, 'distractor');
      }
    },

    search,
    train,

    reproject({ namespace, projection, signal }) {
      return reproject(parseWith(namespaceSchema, namespace, 'reproject namespace'), projection, signal);
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

    async close() {
      await memory.flush?.();
      await memory.idle();
      states.clear();
    },
  };
  return memory;
}

function isProjection(input: unknown): input is Projection {
  return (
    typeof input === 'object' &&
    input !== null &&
    (input as Projection).u instanceof Float32Array &&
    (input as Projection).v instanceof Float32Array
  );
}
