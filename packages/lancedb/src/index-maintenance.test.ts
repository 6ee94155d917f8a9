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
  const state = { rows: 0, indexed: new Map<string, string>(), optimizes: 0, fail: false };
  const built: string[] = [];
  const errors: unknown[] = [];
  const table = {
    async countRows() {
      return state.rows;
    },
    async listIndices() {
      return [...state.indexed].map(([column, indexType]) => ({ columns: [column], indexType }));
    },
    async optimize() {
      state.optimizes += 1;
      if (state.fail) throw new Error('optimize failed');
    },
  };
  let onOptimized = () => {};
  const optimizer = createTableOptimizer(table, { mark: () => 0, onDone: () => onOptimized() }, 60_000);
  const parsed = indexPolicySchema.parse(policy);
  const lanceType = { vector: 'IvfFlat', bitmap: 'Bitmap', btree: 'BTree' };
  const maintenance = createIndexMaintenance({
    table,
    optimizer,
    vectorColumns,
    scalarIndexes: wantedScalarIndexes(parsed, { name: 't', filterIndexes }, columns),
    async buildIndex(column, kind) {
      built.push(`${kind}:${column}`);
      state.indexed.set(column, lanceType[kind]);
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
  return { state, built, errors, maintenance, write };
}

describe('index maintenance', () => {
  it('builds the vector, namespace and id indexes in the background once past the threshold, once', async () => {
    const { state, built, maintenance, write } = setup({ vectorIndexAfterRows: 100 });
    write(60);
    await maintenance.settle();
    expect(built).toEqual([]);
    write(60);
    await maintenance.settle();
    expect(built).toEqual(['vector:vector', 'bitmap:namespace', 'btree:id']);
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
    const { state, built, maintenance, write } = setup({ vectorIndexAfterRows: 100 });
    state.indexed.set('vector', 'IvfFlat');
    state.indexed.set('namespace', 'BTree');
    state.indexed.set('id', 'BTree');
    write(100);
    await maintenance.settle();
    expect(built).toEqual(['bitmap:namespace']);
    expect(state.indexed.get('namespace')).toBe('Bitmap');
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
