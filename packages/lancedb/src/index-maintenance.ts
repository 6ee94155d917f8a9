import { ConfigError } from '@loci/core';
import { type ColumnSpec, NAMESPACE_COLUMN } from './columns.js';
import type { IndexPolicy } from './lance-store-options.js';
import type { TableOptimizer } from './table-optimizer.js';

/** What maintenance reads of a LanceDB table. */
export interface MaintainedTable {
  countRows(): Promise<number>;
  /** `indexType` as LanceDB names it (`BTree`, `Bitmap`, `IvfFlat`, ...). */
  listIndices(): Promise<readonly { columns: readonly string[]; indexType?: string }[]>;
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
  /** Builds (or replaces) the index the policy wants on a column. */
  buildIndex(column: string, kind: 'vector' | ScalarIndexKind): Promise<void>;
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
 * wants, such as the BTREE on `namespace` of tables indexed before bitmaps), and runs `optimize()` (compaction, index update) in the
 * background after `refreshAfterRows` written rows or `compactAfterWrites` commits, so many small
 * appends (one per agent step) do not leave thousands of small files behind.
 */
export function createIndexMaintenance(options: IndexMaintenanceOptions): IndexMaintenance {
  const { table, optimizer, vectorColumns, scalarIndexes, policy } = options;
  let knownRows = options.rowsAtOpen;
  let rowsSinceOptimize = 0;
  let commitsSinceOptimize = 0;
  // Whether every wanted index is known to exist; until then a write past the threshold checks
  // (and builds).
  let indexed = vectorColumns.length === 0 && scalarIndexes.size === 0;
  let background: Promise<void> | undefined;

  function due(): boolean {
    const needsIndexes = !indexed && knownRows >= policy.vectorIndexAfterRows;
    return (
      needsIndexes ||
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
      const existing = new Map<string, string | undefined>();
      for (const index of await table.listIndices()) {
        for (const column of index.columns) existing.set(column, index.indexType);
      }
      for (const column of vectorColumns) {
        if (existing.has(column)) continue;
        await options.buildIndex(column, 'vector');
        built = true;
      }
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
