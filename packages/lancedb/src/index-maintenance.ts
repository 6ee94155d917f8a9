import { NAMESPACE_COLUMN } from './columns.js';
import type { IndexPolicy } from './lance-store-options.js';
import type { TableOptimizer } from './table-optimizer.js';

/** What maintenance reads of a LanceDB table. */
export interface MaintainedTable {
  countRows(): Promise<number>;
  listIndices(): Promise<readonly { columns: readonly string[] }[]>;
}

export interface IndexMaintenanceOptions {
  table: MaintainedTable;
  optimizer: TableOptimizer;
  vectorColumns: readonly string[];
  /** Builds (or replaces) the index the policy wants on a column. */
  buildIndex(column: string, kind: 'vector' | 'namespace'): Promise<void>;
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
 * Keeps a table healthy without a caller's help: builds the vector and namespace indexes once the
 * table passes `vectorIndexAfterRows`, and runs `optimize()` (compaction, index update) in the
 * background after `refreshAfterRows` written rows or `compactAfterWrites` commits, so many small
 * appends (one per agent step) do not leave thousands of small files behind.
 */
export function createIndexMaintenance(options: IndexMaintenanceOptions): IndexMaintenance {
  const { table, optimizer, vectorColumns, policy } = options;
  let knownRows = options.rowsAtOpen;
  let rowsSinceOptimize = 0;
  let commitsSinceOptimize = 0;
  // Whether every vector column is known to have its index; until then a write past the
  // threshold checks (and builds).
  let vectorIndexed = false;
  let background: Promise<void> | undefined;

  function due(): boolean {
    const needsVectorIndex =
      vectorColumns.length > 0 && !vectorIndexed && knownRows >= policy.vectorIndexAfterRows;
    return (
      needsVectorIndex ||
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
      const indexed = new Set((await table.listIndices()).flatMap((index) => index.columns));
      for (const column of vectorColumns) {
        if (indexed.has(column)) continue;
        await options.buildIndex(column, 'vector');
        built = true;
      }
      if (policy.namespaceIndex && !indexed.has(NAMESPACE_COLUMN)) {
        await options.buildIndex(NAMESPACE_COLUMN, 'namespace');
        built = true;
      }
      vectorIndexed = true;
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
