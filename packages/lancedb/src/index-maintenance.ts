import { ConfigError } from '@loci/core';
import { type ColumnSpec, NAMESPACE_COLUMN } from './columns.js';
import type { IndexPolicy } from './lance-store-options.js';
import type { TableOptimizer } from './table-optimizer.js';

/** What maintenance reads of a LanceDB table. */
export interface MaintainedTable {
  countRows(): Promise<number>;
  /**
   * `indexType` as LanceDB names it (`BTree`, `Bitmap`, `IvfFlat`, ...); `name` is the index's
   * (a vector index carries the rows it was trained on there, see `vectorIndexName`).
   */
  listIndices(): Promise<readonly { name: string; columns: readonly string[]; indexType?: string }[]>;
}

const trainedTag = /_r(\d+)$/;

/**
 * The name of a vector index on `column` trained on `rows` rows: `<column>_idx_r<rows>`. LanceDB
 * reports no training size (its row counts include rows folded in later), so the name keeps it.
 */
export function vectorIndexName(column: string, rows: number): string {
  return `${column}_idx_r${rows}`;
}

/**
 * The rows a vector index was trained on, read from its name (`vectorIndexName`); an index named
 * otherwise (built before the name carried it) counts as trained at `untaggedRows`.
 */
export function trainedRows(name: string, untaggedRows: number): number {
  const tag = trainedTag.exec(name)?.[1];
  return tag === undefined ? untaggedRows : Number(tag);
}

/** The scalar index kinds the store builds. */
export type ScalarIndexKind = 'bitmap' | 'btree';

const lanceIndexType: Record<ScalarIndexKind, string> = { bitmap: 'Bitmap', btree: 'BTree' };

/**
 * The scalar indexes a table wants: the namespace's and the id's as the policy says, then the
 * table definition's own `filterIndexes`. A column with a full-text index is left alone (it has
 * one index, the full-text one). LanceDB builds bitmaps over strings and integers only, and the
 * store keeps numbers as Float64, so a bitmap asked for on a number, boolean or date column is a
 * BTREE. Throws a `ConfigError` for a filter index on a list or vector column.
 */
export function wantedScalarIndexes(
  policy: IndexPolicy,
  table: {
    name: string;
    filterIndexes?: Readonly<Record<string, ScalarIndexKind>>;
    fullText?: readonly string[];
  },
  columns: readonly ColumnSpec[],
): Map<string, ScalarIndexKind> {
  const wanted = new Map<string, ScalarIndexKind>();
  const namespace = policy.namespaceIndex === true ? 'bitmap' : policy.namespaceIndex;
  if (namespace) wanted.set(NAMESPACE_COLUMN, namespace);
  if (policy.idIndex) wanted.set('id', 'btree');
  for (const [column, kind] of Object.entries(table.filterIndexes ?? {})) {
    const spec = columns.find((candidate) => candidate.name === column);
    if (!spec || spec.kind === 'stringList' || spec.kind === 'vector') {
      const what = spec ? `a ${spec.kind} column` : 'no such column';
      throw new ConfigError(`table "${table.name}": filterIndexes.${column}: ${what} takes no scalar index`, [
        { path: `filterIndexes.${column}`, message: what },
      ]);
    }
    wanted.set(column, spec.kind === 'string' ? kind : 'btree');
  }
  for (const column of table.fullText ?? []) wanted.delete(column);
  return wanted;
}

export interface IndexMaintenanceOptions {
  table: MaintainedTable;
  optimizer: TableOptimizer;
  vectorColumns: readonly string[];
  /** Column → kind of the scalar indexes wanted (see `wantedScalarIndexes`). */
  scalarIndexes: ReadonlyMap<string, ScalarIndexKind>;
  /**
   * Builds (or replaces) the index the policy wants on a column; a vector index gets `name`, and
   * sits beside the one it replaces until that is dropped.
   */
  buildIndex(column: string, kind: 'vector' | ScalarIndexKind, name?: string): Promise<void>;
  /** Drops an index by name (a vector index replaced by a retrained one). */
  dropIndex(name: string): Promise<void>;
  policy: IndexPolicy;
  /** Rows in the table when it was opened; the policy counts from there. */
  rowsAtOpen: number;
  /** Hears of background failures; they are never thrown at a caller's write. */
  onError(error: unknown): void;
}

export interface IndexMaintenance {
  /** Counts a commit of `rows` rows by this handle and starts background work the policy asks for. */
  afterWrite(rows: number): void;
  /** An optimize finished (whoever started it): the counters start over. */
  optimized(): void;
  /** The same work in the foreground, with compaction; throws on failure. */
  run(): Promise<void>;
  /** Resolves when background work started so far has finished. */
  settle(): Promise<void>;
}

/**
 * Keeps a table healthy without a caller's help: builds the vector and scalar indexes once the
 * table passes `vectorIndexAfterRows` (and replaces a scalar index of another kind than the policy
 * wants, such as the BTREE on `namespace` of tables indexed before bitmaps), trains the vector
 * index again once the table has grown `vectorRetrainGrowth` times past the rows it was trained
 * on, and runs `optimize()` (compaction, index update) in the background after `refreshAfterRows`
 * written rows or `compactAfterWrites` commits, so many small appends (one per agent step) do not
 * leave thousands of small files behind.
 */
export function createIndexMaintenance(options: IndexMaintenanceOptions): IndexMaintenance {
  const { table, optimizer, vectorColumns, scalarIndexes, policy } = options;
  let knownRows = options.rowsAtOpen;
  let rowsSinceOptimize = 0;
  let commitsSinceOptimize = 0;
  // Whether every wanted index is known to exist; until then a write past the threshold checks
  // (and builds).
  let indexed = vectorColumns.length === 0 && scalarIndexes.size === 0;
  // Rows at which a vector index is due to be trained again (as last read from its name).
  let retrainAt = Number.POSITIVE_INFINITY;
  let background: Promise<void> | undefined;
  const growth = policy.vectorRetrainGrowth || 0;

  function due(): boolean {
    const needsIndexes = !indexed && knownRows >= policy.vectorIndexAfterRows;
    return (
      needsIndexes ||
      knownRows >= retrainAt ||
      rowsSinceOptimize >= policy.refreshAfterRows ||
      commitsSinceOptimize >= policy.compactAfterWrites
    );
  }

  /** Writes that land while a run is in progress are looked at again when it ends. */
  function schedule(): void {
    if (background || !due()) return;
    let failed = false;
    background = maintain(false)
      .catch((error: unknown) => {
        // Retried at the next write that finds work due; `run()` does the same work and throws.
        failed = true;
        options.onError(error);
      })
      .finally(() => {
        background = undefined;
        if (!failed) schedule();
      });
  }

  /** Builds missing indexes, or folds new rows into existing ones and compacts. */
  async function maintain(compact: boolean): Promise<void> {
    rowsSinceOptimize = 0;
    commitsSinceOptimize = 0;
    knownRows = await table.countRows();
    let built = false;
    if (knownRows >= policy.vectorIndexAfterRows) {
      const indices = await table.listIndices();
      const existing = new Map<string, string | undefined>();
      for (const index of indices) {
        for (const column of index.columns) existing.set(column, index.indexType);
      }
      let nextRetrain = Number.POSITIVE_INFINITY;
      for (const column of vectorColumns) {
        const kept = await keepVectorIndex(
          column,
          indices.filter((index) => index.columns.includes(column)),
        );
        built ||= kept.built;
        if (growth > 0) nextRetrain = Math.min(nextRetrain, growth * kept.rows);
      }
      retrainAt = nextRetrain;
      for (const [column, kind] of scalarIndexes) {
        if (existing.has(column) && existing.get(column) === lanceIndexType[kind]) continue;
        await options.buildIndex(column, kind);
        built = true;
      }
      indexed = true;
    }
    // A fresh index already covers every row; otherwise fold unindexed rows in (LanceDB searches
    // them by brute force meanwhile, so results are current either way) and compact small files.
    if (!built || compact) await optimizer.run();
  }

  /**
   * Builds the vector index of a column, or trains it again when the table has outgrown it, then
   * drops the ones it replaces. The new index is committed before the old one is dropped, so
   * searches use the old one meanwhile and the column is never without an index. Of several
   * (a drop that failed, or processes sharing the table that retrained at once) the one trained
   * on the most rows is kept, so every process keeps the same one. Returns whether it built one,
   * and the rows the kept index was trained on.
   */
  async function keepVectorIndex(
    column: string,
    current: readonly { name: string }[],
  ): Promise<{ built: boolean; rows: number }> {
    const ranked = current
      .map((index) => ({ name: index.name, rows: trainedRows(index.name, policy.vectorIndexAfterRows) }))
      .sort((a, b) => b.rows - a.rows || (a.name < b.name ? 1 : -1));
    const keeper = ranked[0];
    if (keeper && !(growth > 0 && knownRows >= growth * keeper.rows)) {
      for (const index of ranked.slice(1)) await options.dropIndex(index.name);
      return { built: false, rows: keeper.rows };
    }
    // Looked at again at the next write if the build or a drop fails.
    retrainAt = knownRows;
    const name = vectorIndexName(column, knownRows);
    await options.buildIndex(column, 'vector', name);
    for (const index of ranked) if (index.name !== name) await options.dropIndex(index.name);
    return { built: true, rows: knownRows };
  }

  return {
    afterWrite(rows) {
      knownRows += rows;
      rowsSinceOptimize += rows;
      commitsSinceOptimize += 1;
      schedule();
    },
    optimized() {
      rowsSinceOptimize = 0;
      commitsSinceOptimize = 0;
    },
    async run() {
      await this.settle();
      await maintain(true);
    },
    async settle() {
      while (background) await background;
    },
  };
}
