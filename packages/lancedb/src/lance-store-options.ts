import { z } from 'zod';

/** When and how a Lance store builds and refreshes its indexes; every field has a default. */
export const indexPolicySchema = z.strictObject({
  /**
   * Exact (flat) vector search below this many rows; an IVF index is built past it, with the scalar
   * indexes (`namespaceIndex`, `idIndex` and the table definition's `filterIndexes`). Tables
   * without vector columns get their scalar indexes past the same count.
   */
  vectorIndexAfterRows: z.int().positive().default(50_000),
  /**
   * The vector index is trained again (in the background, replacing the old one once the new one
   * is committed) when the table has grown to this many times the rows it was trained on. Rows
   * written after training are folded into the old partitions, so without retraining a table
   * trained at 50,000 rows and grown to 1M has partitions 20× too big, and every search scans most
   * of the table. An index built before this option counts as trained at `vectorIndexAfterRows`.
   * `0` or `false`: never retrain.
   */
  vectorRetrainGrowth: z
    .union([
      z.literal(false),
      z.number().refine((growth) => growth === 0 || growth > 1, '0 (never) or more than 1'),
    ])
    .default(4),
  /**
   * IVF_FLAT keeps full vectors (exact distances inside the probed partitions) and trains in seconds
   * on two cores; IVF_PQ compresses vectors (less memory, approximate distances) but trains for minutes.
   */
  vectorIndexType: z.enum(['ivf_flat', 'ivf_pq']).default('ivf_flat'),
  /** Rows written through this handle after which indexes are refreshed in the background. */
  refreshAfterRows: z.int().positive().default(20_000),
  /**
   * Commits (add, upsert, delete) through this handle after which the table is compacted and its
   * indexes refreshed in the background: many small appends otherwise leave many small files.
   */
  compactAfterWrites: z.int().positive().default(50),
  /**
   * The index on `namespace`, built past `vectorIndexAfterRows` with the vector index: every
   * statement of the store filters on it. `bitmap` (the default; `true` means the same) keeps one
   * row bitmap per namespace, so the clause costs the same whether a namespace holds 10 rows or the
   * whole table; `btree` has to gather a namespace's rows from its pages, which at 1M rows in one
   * namespace cost ~15 ms of every search and every read by id. Measured at 1M rows: bitmap and
   * BTREE alike with 10,000 and 100,000 namespaces (the bitmap index 3× larger at 100,000).
   * `false`: none.
   */
  namespaceIndex: z.union([z.boolean(), z.enum(['bitmap', 'btree'])]).default('bitmap'),
  /**
   * A BTREE index on `id`, built past `vectorIndexAfterRows` with the others: reads, deletes and
   * upserts by id become index look-ups instead of scans of the id column (at 1M rows, 10 ids: 5 ms
   * instead of 55).
   */
  idIndex: z.boolean().default(true),
  /**
   * Table versions older than this are removed by the background optimize, with the files only
   * they used. LanceDB keeps one version per commit, seven days by default, and an optimize slows
   * down as they pile up (docs/benchmarks/store.md): a busy agent commits several times a step. A
   * read that started on a version removed meanwhile is retried on the latest one.
   */
  keepVersionsMs: z.int().min(0).default(60_000),
  /**
   * At most this many table versions are kept, the newest, counting the commits through this
   * handle, however young: an optimize reads every version it keeps, so at a high write rate a
   * time bound alone made every optimize slower (docs/benchmarks/store.md).
   */
  keepVersions: z.int().min(1).default(100),
  /**
   * The full-text index is brought up to date in the background this many milliseconds after the
   * last write (at the latest ten times as long after the first unindexed one, at once when the
   * unindexed rows reach half of `textTailLimit`). Each refresh makes the next search load the new
   * index, and competes with searches for the CPU while it runs, so rows are left to the tail scan
   * while writes keep coming.
   */
  textRefreshDelayMs: z.int().min(0).default(1000),
  /**
   * Rows written since the last full-text refresh that a text search scores itself; past this, a
   * search waits for the refresh instead.
   */
  textTailLimit: z.int().min(0).max(2_000).default(500),
});

/** Validates the options of `createLanceStore`; unknown keys are rejected. */
export const lanceStoreOptionsSchema = z.strictObject({
  /** A local folder (default `<LOCI_HOME>/store`), `s3://`, `gs://`, `az://` or `db://` (LanceDB Cloud). */
  uri: z.string().min(1).optional(),
  /** Object-store settings passed to LanceDB (endpoint, region, credentials, allowHttp, ...). */
  storageOptions: z.record(z.string(), z.string()).optional(),
  /** LanceDB Cloud (`db://`) only. */
  apiKey: z.string().min(1).optional(),
  /** LanceDB Cloud (`db://`) only. */
  region: z.string().min(1).optional(),
  /**
   * Seconds after which a read checks for writes made by other processes. 0 (the default) reads
   * the latest version every time, so several processes sharing a store see each other's rows.
   */
  readConsistencySeconds: z.number().nonnegative().default(0),
  indexPolicy: indexPolicySchema.prefault({}),
  /**
   * Hears of failures of background index work (a `StoreError`); that work is retried later and
   * never fails a caller's read or write. Default: a process warning.
   */
  onBackgroundError: z
    .custom<(error: Error) => void>((value) => typeof value === 'function', 'expected a function')
    .optional(),
});

/** Options of `createLanceStore`, as a caller writes them (defaults not yet applied). */
export type LanceStoreOptions = z.input<typeof lanceStoreOptionsSchema>;
/** An index policy with its defaults filled in. */
export type IndexPolicy = z.output<typeof indexPolicySchema>;
