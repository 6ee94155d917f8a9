import type { RowRef } from './row-refs.js';
import type { TableOptimizer } from './table-optimizer.js';

/** What freshness tracking reads of a LanceDB table. */
export interface TextIndexedTable {
  listIndices(): Promise<
    readonly {
      indexType: string;
      columns: readonly string[];
      numIndexedRows?: number | null;
      numUnindexedRows?: number | null;
    }[]
  >;
  version(): Promise<number>;
  /** LanceDB's query builder; when given, each refresh ends by loading the new index (see `warm`). */
  query?(): {
    fullTextSearch(
      query: string,
      options: { columns: string },
    ): { fastSearch(): { limit(limit: number): { toArray(): Promise<unknown[]> } } };
  };
}

export interface TextIndexFreshnessOptions {
  table: TextIndexedTable;
  /** The table's full-text columns; none: nothing to track. */
  fullText: readonly string[];
  optimizer: TableOptimizer;
  /** Most written rows a search scores itself; past it a search waits for the refresh. */
  tailLimit: number;
  /** Quiet time after a write before the background refresh (at most 10× this after the first). */
  refreshDelayMs: number;
  /** Hears of failed refreshes; they are never thrown at a search or a write. */
  onError(error: unknown): void;
}

export interface TextIndexFreshness {
  /** The write counter, read by the optimizer when a run starts. */
  mark(): number;
  /** An optimize that started at `mark` finished: rows recorded before it are indexed. */
  optimized(mark: number): void;
  /**
   * Rows this handle just wrote (one commit), with their full-text columns' text when the caller
   * keeps it (a search then skips rows that cannot match); starts the debounced background refresh.
   */
  recordWrite(rows: readonly TailRef[]): void;
  /** A commit by this handle that adds no row (a delete). */
  recordCommit(): void;
  /**
   * The rows of `namespace` the full-text index may not cover yet, for a text search to score
   * itself; `[]` when the index covers the namespace; `undefined` when the store cannot tell which
   * rows are missing (written by another process, say) even after a refresh.
   */
  unindexedRows(namespace: string): Promise<readonly TailRef[] | undefined>;
  /**
   * Whether the full-text index covered no row at the last look (a new table before its first
   * refresh): LanceDB then returns its scan of the unindexed rows unranked.
   */
  indexEmpty(): boolean;
  /** Brings the index up to date now (one optimize at a time); `false` when it failed (reported). */
  refresh(): Promise<boolean>;
  /** Drops a pending refresh and waits for one in progress. */
  settle(): Promise<void>;
  /** As `settle`, and schedules no refresh after it: the handle is closing. */
  close(): Promise<void>;
}

/** A row written since the last refresh, with the text of its full-text columns when known. */
export interface TailRef extends RowRef {
  text?: string;
}

interface TailRow extends TailRef {
  seq: number;
}

/**
 * Keeps the full-text index fresh in the background and knows which rows it does not cover yet.
 *
 * Every row this handle writes is recorded with a sequence number until an optimize that started
 * after it finishes. The recorded rows are a superset of the unindexed ones as long as nobody else
 * commits to the table: checked by counting this handle's commits against the table version, and
 * the unindexed count against the recorded rows. Trust is regained when the index is seen complete,
 * or at the first look after an optimize when the count fits (a commit by another process in the
 * moments between that optimize's start and its end is the one case this does not catch). When that holds, a text search merges the index's
 * results with its own scan of the recorded rows; when it does not (another writer, a tail past
 * `tailLimit`), the search refreshes the index first, as it always did before.
 */
export function createTextIndexFreshness(options: TextIndexFreshnessOptions): TextIndexFreshness {
  const { table, fullText, optimizer, tailLimit, refreshDelayMs } = options;
  let seq = 0;
  let tail: TailRow[] = [];
  // Whether `tail` is known to hold every unindexed row; regained when the index is seen complete.
  let trusted = false;
  // Whether the index covered no row at the last check.
  let empty = true;
  // Table version at the last sync, and this handle's commits recorded since.
  let syncVersion = -1;
  let commits = 0;
  // Optimizes finished; after one, the next check takes the version as its new base.
  let epoch = 0;
  let syncedEpoch = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstPendingAt: number | undefined;
  let background: Promise<void> | undefined;
  let closed = false;
  let warming: Promise<void> = Promise.resolve();
  // Past the limit the recorded rows are dropped (a bulk load would otherwise keep every id until
  // the next refresh): rows up to `droppedUpTo` are then known only to an optimize that started
  // after them.
  let droppedUpTo = 0;
  let optimizedUpTo = 0;

  /** Rows recorded up to `mark` are in the index. */
  function forgetUpTo(mark: number): void {
    tail = tail.filter((row) => row.seq > mark);
  }

  /** Reads the index's coverage and updates what the tracking may trust. Returns unindexed rows. */
  async function check(): Promise<number> {
    const markBefore = seq;
    const commitsBefore = commits;
    const epochBefore = epoch;
    const quiet = !optimizer.running;
    const [indices, version] = await Promise.all([table.listIndices(), table.version()]);
    let unindexed = 0;
    let indexed: number | undefined;
    for (const index of indices) {
      if (index.indexType !== 'FTS' || !index.columns.some((column) => fullText.includes(column))) continue;
      unindexed = Math.max(unindexed, index.numUnindexedRows ?? 0);
      // Unknown (a remote table): taken as empty, the safe side.
      indexed = Math.min(indexed ?? Number.POSITIVE_INFINITY, index.numIndexedRows ?? 0);
    }
    empty = (indexed ?? 0) === 0;
    const settled = quiet && !optimizer.running && epoch === epochBefore;
    if (unindexed === 0) {
      forgetUpTo(markBefore);
      trusted = true;
    } else if (settled && syncedEpoch !== epoch) {
      // The first look after an optimize: it covered every row committed before it started, so
      // what is still unindexed was written since, by this handle if the count fits.
      trusted = unindexed <= tail.length && optimizedUpTo >= droppedUpTo;
    } else if (settled && version !== syncVersion + commitsBefore) {
      // A commit this handle did not make (another process, or a write racing this check).
      trusted = false;
    }
    if (unindexed > tail.length) trusted = false;
    if (settled && (unindexed === 0 || syncedEpoch !== epoch)) {
      syncVersion = version;
      commits -= commitsBefore;
      syncedEpoch = epoch;
    }
    return unindexed;
  }

  /**
   * Loads the index an optimize just wrote, with a one-row query, so that the next search does not
   * pay for the load (it grows with the table: tens of milliseconds at a few thousand rows).
   */
  function warm(): void {
    const [column] = fullText;
    if (closed || column === undefined || table.query === undefined) return;
    const query = table.query().fullTextSearch('loci', { columns: column }).fastSearch().limit(1);
    warming = query
      .toArray()
      .then(() => undefined)
      .catch(options.onError);
  }

  /** Brings the index up to date now, covering every row recorded so far; failures are reported. */
  async function refreshNow(): Promise<boolean> {
    const wanted = seq;
    try {
      // A run already in progress may have started before the last writes: then one more.
      if ((await optimizer.run()) < wanted) await optimizer.run();
      return true;
    } catch (error) {
      options.onError(error);
      return false;
    }
  }

  function schedule(): void {
    if (closed) return;
    const now = Date.now();
    firstPendingAt ??= now;
    if (timer) clearTimeout(timer);
    const wait =
      tail.length >= tailLimit / 2
        ? 0
        : Math.max(0, Math.min(refreshDelayMs, firstPendingAt + 10 * refreshDelayMs - now));
    timer = setTimeout(fire, wait);
    timer.unref?.();
  }

  function fire(): void {
    timer = undefined;
    firstPendingAt = undefined;
    if (background) {
      // One refresh at a time: the one in progress schedules the next when it ends.
      return;
    }
    background = refreshNow().then((refreshed) => {
      background = undefined;
      // Rows written meanwhile get their own refresh; after a failure the next write retries.
      if (refreshed && tail.length > 0 && timer === undefined) schedule();
    });
  }

  return {
    refresh: refreshNow,
    indexEmpty: () => empty,
    mark: () => seq,
    optimized(mark) {
      forgetUpTo(mark);
      optimizedUpTo = Math.max(optimizedUpTo, mark);
      epoch += 1;
      warm();
    },
    recordWrite(rows) {
      if (fullText.length === 0) return;
      seq += 1;
      commits += 1;
      for (const row of rows) tail.push({ ...row, seq });
      if (tail.length > tailLimit) {
        tail = [];
        trusted = false;
        droppedUpTo = seq;
      }
      schedule();
    },
    recordCommit() {
      if (fullText.length === 0) return;
      seq += 1;
      commits += 1;
    },
    async unindexedRows(namespace) {
      if (fullText.length === 0) return [];
      const covered = () => trusted && tail.length <= tailLimit;
      try {
        if ((await check()) === 0) return [];
        if (!covered()) {
          await refreshNow();
          if ((await check()) === 0) return [];
          if (!covered()) return undefined;
        }
      } catch (error) {
        options.onError(error);
        return undefined;
      }
      return tail.filter((row) => row.namespace === namespace).map(({ seq: _seq, ...row }) => row);
    },
    async settle() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      firstPendingAt = undefined;
      while (background) await background;
      await warming;
    },
    async close() {
      closed = true;
      await this.settle();
    },
  };
}
