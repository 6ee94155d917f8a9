import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from './columns.js';
import { createIndexMaintenance, wantedScalarIndexes } from './index-maintenance.js';
import { indexPolicySchema } from './lance-store-options.js';
import { createTableOptimizer } from './table-optimizer.js';

const column = (name: string, kind: ColumnSpec['kind']): ColumnSpec => ({
  name,
  kind,
  nullable: false,
  readsNull: false,
});
const columns = [column('id', 'string'), column('kind', 'string'), column('version', 'number')];

function setup(
  policy: Partial<ReturnType<typeof indexPolicySchema.parse>>,
  vectorColumns = ['vector'],
  filterIndexes: Record<string, 'bitmap' | 'btree'> = {},
) {
  const state = {
    rows: 0,
    /** Index name → column and LanceDB index type. */
    indexed: new Map<string, { column: string; indexType: string }>(),
    optimizes: 0,
    fail: false,
    failBuild: false,
  };
  const built: string[] = [];
  const dropped: string[] = [];
  const errors: unknown[] = [];
  const table = {
    async countRows() {
      return state.rows;
    },
    async listIndices() {
      return [...state.indexed].map(([name, { column, indexType }]) => ({
        name,
        columns: [column],
        indexType,
      }));
    },
    async optimize() {
      state.optimizes += 1;
      if (state.fail) throw new Error('optimize failed');
    },
  };
  let onOptimized = () => {};
  const optimizer = createTableOptimizer(
    table,
    { mark: () => 0, onDone: () => onOptimized() },
    { keepVersionsMs: 60_000, keepVersions: 100 },
  );
  const parsed = indexPolicySchema.parse(policy);
  const lanceType = { vector: 'IvfFlat', bitmap: 'Bitmap', btree: 'BTree' };
  const maintenance = createIndexMaintenance({
    table,
    optimizer,
    vectorColumns,
    scalarIndexes: wantedScalarIndexes(parsed, { name: 't', filterIndexes }, columns),
    async buildIndex(column, kind, name) {
      if (state.failBuild) throw new Error('build failed');
      built.push(name ? `${kind}:${column}:${name}` : `${kind}:${column}`);
      // A scalar index replaces the column's (LanceDB's default name); a named one sits beside it.
      state.indexed.set(name ?? `${column}_idx`, { column, indexType: lanceType[kind] });
    },
    async dropIndex(name) {
      const column = state.indexed.get(name)?.column;
      const others = [...state.indexed].filter(([other, index]) => other !== name && index.column === column);
      if (others.length === 0) throw new Error(`dropping ${name} would leave ${column} without an index`);
      dropped.push(name);
      state.indexed.delete(name);
    },
    policy: parsed,
    rowsAtOpen: 0,
    onError: (error) => errors.push(error),
  });
  onOptimized = () => maintenance.optimized();
  /** A commit of `rows` rows by the handle. */
  function write(rows: number) {
    state.rows += rows;
    maintenance.afterWrite(rows);
  }
  /** Indexes the table has before the test writes: name → `column:IndexType`. */
  function existing(indexes: Record<string, string>) {
    for (const [name, at] of Object.entries(indexes)) {
      const [column = '', indexType = ''] = at.split(':');
      state.indexed.set(name, { column, indexType });
    }
  }
  /** A commit of `rows` rows, and the background work it starts. */
  async function grow(rows: number) {
    write(rows);
    await maintenance.settle();
  }
  /** Column → index type, as the tests look at it. */
  const types = () =>
    Object.fromEntries([...state.indexed.values()].map((index) => [index.column, index.indexType]));
  return { state, built, dropped, errors, maintenance, write, grow, existing, types };
}

/** Maintenance runs after every commit, so the tests see what it does when it runs. */
const everyCommit = { vectorIndexAfterRows: 100, compactAfterWrites: 1 };

describe('index maintenance', () => {
  it('builds the vector, namespace and id indexes in the background once past the threshold, once', async () => {
    const { state, built, maintenance, write } = setup({ vectorIndexAfterRows: 100 });
    write(60);
    await maintenance.settle();
    expect(built).toEqual([]);
    write(60);
    await maintenance.settle();
    expect(built).toEqual(['vector:vector:vector_idx_r120', 'bitmap:namespace', 'btree:id']);
    // A fresh index covers every row: no optimize on top of the build.
    expect(state.optimizes).toBe(0);
    write(60);
    await maintenance.settle();
    expect(built).toHaveLength(3);
  });

  it("builds a table definition's filter indexes, and scalar indexes of tables without vectors", async () => {
    const { built, maintenance, write } = setup(
      { vectorIndexAfterRows: 100, idIndex: false, namespaceIndex: 'btree' },
      [],
      { kind: 'bitmap', version: 'bitmap' },
    );
    write(99);
    await maintenance.settle();
    expect(built).toEqual([]);
    write(1);
    await maintenance.settle();
    // LanceDB builds no bitmap over the store's Float64 numbers: a BTREE instead.
    expect(built).toEqual(['btree:namespace', 'bitmap:kind', 'btree:version']);
  });

  it('replaces a scalar index of another kind than the policy wants (a BTREE namespace index of an older store)', async () => {
    const { state, built, maintenance, write, types } = setup({ vectorIndexAfterRows: 100 });
    state.indexed.set('vector_idx', { column: 'vector', indexType: 'IvfFlat' });
    state.indexed.set('namespace_idx', { column: 'namespace', indexType: 'BTree' });
    state.indexed.set('id_idx', { column: 'id', indexType: 'BTree' });
    write(100);
    await maintenance.settle();
    expect(built).toEqual(['bitmap:namespace']);
    expect(types()['namespace']).toBe('Bitmap');
  });

  it('trains the vector index again once the table has grown vectorRetrainGrowth times, not before', async () => {
    const { state, built, dropped, errors, grow } = setup({ vectorIndexAfterRows: 100 });
    await grow(100);
    expect(built).toEqual(['vector:vector:vector_idx_r100', 'bitmap:namespace', 'btree:id']);
    await grow(299);
    expect(built).toHaveLength(3);
    // Due by itself (no refresh or compaction was): 400 rows = 4 × the 100 it was trained on.
    await grow(1);
    // Only the vector index, the new one built before the old one is dropped (the fake refuses a
    // drop that leaves a column without an index).
    expect(built.slice(3)).toEqual(['vector:vector:vector_idx_r400']);
    expect(dropped).toEqual(['vector_idx_r100']);
    expect([...state.indexed.keys()].sort()).toEqual(['id_idx', 'namespace_idx', 'vector_idx_r400']);
    await grow(1199);
    expect(built).toHaveLength(4);
    await grow(1);
    expect(built.slice(4)).toEqual(['vector:vector:vector_idx_r1600']);
    expect(dropped).toEqual(['vector_idx_r100', 'vector_idx_r400']);
    expect(errors).toEqual([]);
  });

  it('counts an index built before the name carried its training size as trained at the threshold', async () => {
    const { state, built, dropped, grow, existing } = setup(everyCommit);
    existing({ vector_idx: 'vector:IvfFlat', namespace_idx: 'namespace:Bitmap', id_idx: 'id:BTree' });
    await grow(399);
    expect(built).toEqual([]);
    expect(state.optimizes).toBe(1);
    await grow(1);
    expect(built).toEqual(['vector:vector:vector_idx_r400']);
    expect(dropped).toEqual(['vector_idx']);
  });

  it('never trains again when vectorRetrainGrowth is 0 or false, and refuses a growth of 1 or less', async () => {
    for (const vectorRetrainGrowth of [0, false] as const) {
      const { built, grow } = setup({
        vectorIndexAfterRows: 100,
        vectorRetrainGrowth,
        compactAfterWrites: 1,
      });
      await grow(100);
      await grow(100_000);
      expect(built).toEqual(['vector:vector:vector_idx_r100', 'bitmap:namespace', 'btree:id']);
    }
    for (const vectorRetrainGrowth of [1, 0.5, -2]) {
      const parsed = indexPolicySchema.safeParse({ vectorRetrainGrowth });
      expect(parsed.error?.issues[0]?.path).toEqual(['vectorRetrainGrowth']);
    }
  });

  it('reports a failed retraining, keeps the old index, and tries again at the next write', async () => {
    const { state, built, dropped, errors, grow } = setup({ vectorIndexAfterRows: 100 });
    await grow(100);
    state.failBuild = true;
    await grow(300);
    expect(errors.map((error) => (error as Error).message)).toEqual(['build failed']);
    expect(dropped).toEqual([]);
    expect(state.indexed.has('vector_idx_r100')).toBe(true);
    state.failBuild = false;
    await grow(1);
    expect(built.slice(3)).toEqual(['vector:vector:vector_idx_r401']);
    expect(dropped).toEqual(['vector_idx_r100']);
    expect(errors).toHaveLength(1);
  });

  it('keeps the vector index trained on the most rows when it finds several (a drop that failed)', async () => {
    const { built, dropped, grow, existing } = setup(everyCommit);
    existing({ vector_idx_r400: 'vector:IvfFlat', vector_idx_r100: 'vector:IvfFlat' });
    await grow(500);
    expect(built).toEqual(['bitmap:namespace', 'btree:id']);
    expect(dropped).toEqual(['vector_idx_r100']);
  });

  it('builds no scalar index the policy turns off; true means a bitmap on the namespace', () => {
    const off = indexPolicySchema.parse({ namespaceIndex: false, idIndex: false });
    expect([...wantedScalarIndexes(off, { name: 't' }, columns)]).toEqual([]);
    const on = indexPolicySchema.parse({ namespaceIndex: true });
    expect(Object.fromEntries(wantedScalarIndexes(on, { name: 't', fullText: ['id'] }, columns))).toEqual({
      namespace: 'bitmap',
    });
  });

  it('refuses a filter index on a list or vector column, or on a column the table lacks', () => {
    const policy = indexPolicySchema.parse({});
    const withList = [...columns, column('tags', 'stringList')];
    expect(() =>
      wantedScalarIndexes(policy, { name: 't', filterIndexes: { tags: 'bitmap' } }, withList),
    ).toThrow('table "t": filterIndexes.tags: a stringList column takes no scalar index');
    expect(() =>
      wantedScalarIndexes(policy, { name: 't', filterIndexes: { nope: 'btree' } }, columns),
    ).toThrow(/filterIndexes.nope: no such column/);
  });

  it('compacts in the background after enough small commits, without the caller asking', async () => {
    const { state, maintenance, write } = setup({ compactAfterWrites: 3 }, []);
    write(1);
    write(1);
    await maintenance.settle();
    expect(state.optimizes).toBe(0);
    write(1);
    await maintenance.settle();
    expect(state.optimizes).toBe(1);
    // An optimize started by someone else (the full-text refresh) counts too.
    write(1);
    write(1);
    maintenance.optimized();
    write(1);
    await maintenance.settle();
    expect(state.optimizes).toBe(1);
  });

  it('refreshes after enough written rows', async () => {
    const { state, maintenance, write } = setup({ refreshAfterRows: 1000 }, []);
    write(999);
    await maintenance.settle();
    expect(state.optimizes).toBe(0);
    write(1);
    await maintenance.settle();
    expect(state.optimizes).toBe(1);
  });

  it('reports a background failure instead of throwing it, and run() throws it', async () => {
    const { state, errors, maintenance, write } = setup({ compactAfterWrites: 1 }, []);
    state.fail = true;
    write(1);
    await maintenance.settle();
    expect(errors.map((error) => (error as Error).message)).toEqual(['optimize failed']);
    await expect(maintenance.run()).rejects.toThrow('optimize failed');
    state.fail = false;
    await maintenance.run();
    expect(state.optimizes).toBe(3);
  });
});
