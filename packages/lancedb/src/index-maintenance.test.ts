import { describe, expect, it } from 'vitest';
import { createIndexMaintenance } from './index-maintenance.js';
import { indexPolicySchema } from './lance-store-options.js';
import { createTableOptimizer } from './table-optimizer.js';

function setup(policy: Partial<ReturnType<typeof indexPolicySchema.parse>>, vectorColumns = ['vector']) {
  const state = { rows: 0, indexed: new Set<string>(), optimizes: 0, fail: false };
  const built: string[] = [];
  const errors: unknown[] = [];
  const table = {
    async countRows() {
      return state.rows;
    },
    async listIndices() {
      return [...state.indexed].map((column) => ({ columns: [column] }));
    },
    async optimize() {
      state.optimizes += 1;
      if (state.fail) throw new Error('optimize failed');
    },
  };
  let onOptimized = () => {};
  const optimizer = createTableOptimizer(table, { mark: () => 0, onDone: () => onOptimized() });
  const maintenance = createIndexMaintenance({
    table,
    optimizer,
    vectorColumns,
    async buildIndex(column, kind) {
      built.push(`${kind}:${column}`);
      state.indexed.add(column);
    },
    policy: indexPolicySchema.parse(policy),
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
  it('builds the vector and namespace indexes in the background once past the threshold, once', async () => {
    const { state, built, maintenance, write } = setup({ vectorIndexAfterRows: 100 });
    write(60);
    await maintenance.settle();
    expect(built).toEqual([]);
    write(60);
    await maintenance.settle();
    expect(built).toEqual(['vector:vector', 'namespace:namespace']);
    // A fresh index covers every row: no optimize on top of the build.
    expect(state.optimizes).toBe(0);
    write(60);
    await maintenance.settle();
    expect(built).toHaveLength(2);
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
