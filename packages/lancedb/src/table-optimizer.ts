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
  /** Counts a commit through this handle (a new table version). */
  committed(): void;
}

/**
 * Which table versions an optimize keeps: those younger than `keepVersionsMs`, but never more than
 * the last `keepVersions` commits through this handle. Each optimize reads every version it keeps,
 * so the count bound keeps its cost from growing with the write rate.
 */
export interface VersionRetention {
  keepVersionsMs: number;
  keepVersions: number;
}

// A compaction or index update loses to a concurrent commit (a delete, an upsert, another
// process's optimize: "Retryable commit conflict"); LanceDB leaves the retry to the caller.
const attempts = 5;

export function isCommitConflict(message: string): boolean {
  return /conflict|retryable/i.test(message);
}

async function optimizeRetrying(table: OptimizableTable, cutoff: () => Date): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await table.optimize({ cleanupOlderThan: cutoff() });
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
 * versions `retention` lets go (the index policy's).
 */
export function createTableOptimizer(
  table: OptimizableTable,
  hooks: { mark(): number; onDone(mark: number): void },
  retention: VersionRetention,
): TableOptimizer {
  let current: Promise<number> | undefined;
  // When the last `keepVersions` commits were made, oldest first.
  const commitTimes: number[] = [];
  const cutoff = () => {
    const byAge = Date.now() - retention.keepVersionsMs;
    const full = commitTimes.length >= retention.keepVersions;
    return new Date(full ? Math.max(byAge, commitTimes[0] as number) : byAge);
  };
  return {
    committed() {
      commitTimes.push(Date.now());
      if (commitTimes.length > retention.keepVersions) commitTimes.shift();
    },
    run() {
      if (current) return current;
      const mark = hooks.mark();
      current = optimizeRetrying(table, cutoff)
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
