import { describe, expect, it } from 'vitest';
import { createTableOptimizer } from './table-optimizer.js';
import { createTextIndexFreshness, type TextIndexFreshness } from './text-index-freshness.js';

/**
 * A table as LanceDB reports it: a version that every commit bumps, and rows the FTS index does not
 * cover until an optimize runs. Optimizes can be held to see what happens meanwhile.
 */
function fakeTable() {
  const state = {
    version: 1,
    indexed: 0,
    unindexed: 0,
    optimizes: 0,
    fail: false,
    hold: undefined as Promise<void> | undefined,
    /** The index versions loaded by a query (an optimize writes a new one). */
    loaded: [] as { indexVersion: number; column: string; fast: boolean; limit: number }[],
    failQueries: false,
  };
  return {
    state,
    commit(rows: number) {
      state.version += 1;
      state.unindexed += rows;
    },
    async listIndices() {
      return [
        {
          indexType: 'FTS',
          columns: ['text'],
          numIndexedRows: state.indexed,
          numUnindexedRows: state.unindexed,
        },
      ];
    },
    async version() {
      return state.version;
    },
    query() {
      return {
        fullTextSearch(_text: string, options: { columns: string }) {
          return {
            fastSearch() {
              return {
                limit(limit: number) {
                  return {
                    async toArray() {
                      if (state.failQueries) throw new Error('query failed');
                      state.loaded.push({
                        indexVersion: state.optimizes,
                        column: options.columns,
                        fast: true,
                        limit,
                      });
                      return [];
                    },
                  };
                },
              };
            },
          };
        },
      };
    },
    async optimize() {
      const covered = state.unindexed;
      await state.hold;
      state.optimizes += 1;
      if (state.fail) throw new Error('optimize failed');
      state.unindexed -= covered;
      state.indexed += covered;
      state.version += 2;
    },
  };
}

function setup(options: { tailLimit?: number; refreshDelayMs?: number } = {}) {
  const table = fakeTable();
  const errors: unknown[] = [];
  let freshness: TextIndexFreshness | undefined;
  const optimizer = createTableOptimizer(
    table,
    {
      mark: () => freshness?.mark() ?? 0,
      onDone: (mark) => freshness?.optimized(mark),
    },
    { keepVersionsMs: 60_000, keepVersions: 100 },
  );
  freshness = createTextIndexFreshness({
    table,
    fullText: ['text'],
    optimizer,
    tailLimit: options.tailLimit ?? 100,
    refreshDelayMs: options.refreshDelayMs ?? 10_000,
    onError: (error) => errors.push(error),
  });
  /** A write by this handle: the commit lands, then the handle records it. */
  function write(namespace: string, ...ids: string[]) {
    table.commit(ids.length);
    freshness?.recordWrite(ids.map((id) => ({ namespace, id })));
  }
  return { table, freshness, errors, write, optimizer };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('text index freshness', () => {
  it('says whether the index covered no row at the last look (LanceDB then leaves its scan unranked)', async () => {
    const { freshness, write } = setup();
    write('a', 'a1', 'a2');
    await freshness.unindexedRows('a');
    expect(freshness.indexEmpty()).toBe(true);
    await freshness.refresh();
    write('a', 'a3');
    await freshness.unindexedRows('a');
    expect(freshness.indexEmpty()).toBe(false);
    await freshness.settle();
  });

  it('names the rows written since the index was current, per namespace, without refreshing', async () => {
    const { table, freshness, write } = setup();
    expect(await freshness.unindexedRows('a')).toEqual([]);
    write('a', 'a1', 'a2');
    write('b', 'b1');
    expect(await freshness.unindexedRows('a')).toEqual([
      { namespace: 'a', id: 'a1' },
      { namespace: 'a', id: 'a2' },
    ]);
    expect(await freshness.unindexedRows('b')).toEqual([{ namespace: 'b', id: 'b1' }]);
    expect(table.state.optimizes).toBe(0);
    await freshness.settle();
  });

  it('refreshes before the search when it cannot name the unindexed rows (a commit it did not make)', async () => {
    const { table, freshness, write } = setup();
    expect(await freshness.unindexedRows('a')).toEqual([]);
    write('a', 'a1');
    table.commit(1); // another process
    expect(await freshness.unindexedRows('a')).toEqual([]);
    expect(table.state.optimizes).toBe(1);
    expect(table.state.unindexed).toBe(0);
    await freshness.settle();
  });

  it('refreshes before the search when rows were unindexed before it started tracking', async () => {
    const { table, freshness } = setup();
    table.commit(3);
    expect(await freshness.unindexedRows('a')).toEqual([]);
    expect(table.state.optimizes).toBe(1);
    await freshness.settle();
  });

  it('trusts the rows written since an optimize at the first look after it', async () => {
    const { table, freshness, write, optimizer } = setup();
    write('a', 'a1');
    await optimizer.run();
    write('a', 'a2');
    expect(await freshness.unindexedRows('a')).toEqual([{ namespace: 'a', id: 'a2' }]);
    expect(table.state.optimizes).toBe(1);
    await freshness.settle();
  });

  it('waits for the refresh once the tail is past its bound', async () => {
    const { table, freshness, write } = setup({ tailLimit: 2 });
    expect(await freshness.unindexedRows('a')).toEqual([]);
    write('a', 'a1', 'a2', 'a3');
    expect(await freshness.unindexedRows('a')).toEqual([]);
    expect(table.state.optimizes).toBe(1);
    await freshness.settle();
  });

  it('drops the tail past its bound and trusts it again only after an optimize that covers it', async () => {
    const { table, freshness, write, optimizer } = setup({ tailLimit: 2 });
    expect(await freshness.unindexedRows('a')).toEqual([]);
    let release = () => {};
    table.state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const early = optimizer.run(); // started before the bulk write: does not cover it
    write('a', 'a1', 'a2', 'a3');
    write('a', 'a4');
    release();
    await early;
    table.state.hold = undefined;
    // a1..a3 are unindexed and no longer named: the search refreshes instead of trusting [a4].
    expect(await freshness.unindexedRows('a')).toEqual([]);
    expect(table.state.unindexed).toBe(0);
    await freshness.settle();
  });

  it('refreshes in the background after writes go quiet, one refresh at a time', async () => {
    const { table, freshness, write } = setup({ refreshDelayMs: 20 });
    expect(await freshness.unindexedRows('a')).toEqual([]);
    let release = () => {};
    table.state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    write('a', 'a1');
    write('a', 'a2');
    await sleep(60);
    // One refresh started (held); a write meanwhile is searched from the tail, not waited for.
    write('a', 'a3');
    const during = await freshness.unindexedRows('a');
    expect(during?.map((row) => row.id)).toEqual(['a1', 'a2', 'a3']);
    release();
    table.state.hold = undefined;
    await sleep(100);
    // The first refresh covered a1 and a2; a second one, scheduled when it ended, covered a3.
    expect(table.state.optimizes).toBe(2);
    expect(table.state.unindexed).toBe(0);
    expect(await freshness.unindexedRows('a')).toEqual([]);
    await freshness.settle();
  });

  it('reports a failed background refresh and still answers searches', async () => {
    const { table, freshness, errors, write } = setup({ refreshDelayMs: 1 });
    expect(await freshness.unindexedRows('a')).toEqual([]);
    table.state.fail = true;
    write('a', 'a1');
    await sleep(30);
    expect(errors.map((error) => (error as Error).message)).toContain('optimize failed');
    expect((await freshness.unindexedRows('a'))?.map((row) => row.id)).toEqual(['a1']);
    await freshness.settle();
  });

  it('falls back to the caller when even a forced refresh fails', async () => {
    const { table, freshness, errors } = setup();
    table.state.fail = true;
    table.commit(2);
    expect(await freshness.unindexedRows('a')).toBeUndefined();
    expect(errors).toHaveLength(1);
    await freshness.settle();
  });

  it('tracks nothing for a table without full-text columns', async () => {
    const table = fakeTable();
    const optimizer = createTableOptimizer(
      table,
      { mark: () => 0, onDone: () => {} },
      { keepVersionsMs: 60_000, keepVersions: 100 },
    );
    const freshness = createTextIndexFreshness({
      table,
      fullText: [],
      optimizer,
      tailLimit: 10,
      refreshDelayMs: 0,
      onError: () => {},
    });
    freshness.recordWrite([{ namespace: 'a', id: 'x' }]);
    await sleep(10);
    expect(table.state.optimizes).toBe(0);
    expect(await freshness.unindexedRows('a')).toEqual([]);
  });

  it('loads the new index after each refresh, so that the next search does not', async () => {
    const { table, freshness, write, errors } = setup();
    write('a', 'a1');
    await freshness.refresh();
    await freshness.settle();
    expect(table.state.loaded).toEqual([{ indexVersion: 1, column: 'text', fast: true, limit: 1 }]);
    // A failed warm-up is reported, never thrown; the next refresh warms again.
    table.state.failQueries = true;
    write('a', 'a2');
    await freshness.refresh();
    await freshness.settle();
    expect(errors).toHaveLength(1);
    table.state.failQueries = false;
    write('a', 'a3');
    await freshness.refresh();
    await freshness.close();
    expect(table.state.loaded.map((load) => load.indexVersion)).toEqual([1, 3]);
  });
});
