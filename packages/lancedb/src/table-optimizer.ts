/** What the optimizer needs of a LanceDB table. */
export interface OptimizableTable {
  optimize(options: { cleanupOlderThan: Date }): Promise<unknown>;
}

export interface TableOptimizer {
  /**
   * Runs LanceDB's `optimize()` (compaction, incremental index update), one at a time per handle:
   * a caller arriving while a run is in progress shares it. Resolves to the mark taken when that
   * run started: every write recorded up to the mark is in the indexes once it resolves.
   */
  run(): Promise<number>;
  /** Whether a run is in progress. */
  readonly running: boolean;
}

// A compaction or index update loses to a concurrent commit (a delete, an upsert, another
// process's optimize: "Retryable commit conflict"); LanceDB leaves the retry to the caller.
const attempts = 5;

export function isCommitConflict(message: string): boolean {
  return /conflict|retryable/i.test(message);
}

async function optimizeRetrying(table: OptimizableTable, keepVersionsMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - keepVersionsMs) });
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !isCommitConflict(message)) throw error;
      // Apart, so two processes refreshing one table stop colliding.
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}

/**
 * `mark` reads the caller's write counter when a run starts; `onDone` hears of each run that
 * succeeded, with its mark, before the callers of `run()` do. Each run also removes the table
 * versions older than `keepVersionsMs` (the index policy's).
 */
export function createTableOptimizer(
  table: OptimizableTable,
  hooks: { mark(): number; onDone(mark: number): void },
  keepVersionsMs: number,
): TableOptimizer {
  let current: Promise<number> | undefined;
  return {
    run() {
      if (current) return current;
      const mark = hooks.mark();
      current = optimizeRetrying(table, keepVersionsMs)
        .then(() => {
          hooks.onDone(mark);
          return mark;
        })
        .finally(() => {
          current = undefined;
        });
      return current;
    },
    get running() {
      return current !== undefined;
    },
  };
}
