import { describe, expect, it } from 'vitest';
import { createTableOptimizer } from './table-optimizer.js';

function deferred() {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('table optimizer', () => {
  it('runs one optimize at a time; callers meanwhile share it and get the mark from its start', async () => {
    const runs: ReturnType<typeof deferred>[] = [];
    let writes = 3;
    const done: number[] = [];
    const optimizer = createTableOptimizer(
      {
        optimize: () => {
          const run = deferred();
          runs.push(run);
          return run.promise;
        },
      },
      { mark: () => writes, onDone: (mark) => done.push(mark) },
      60_000,
    );
    const first = optimizer.run();
    writes = 5;
    const second = optimizer.run();
    expect(runs).toHaveLength(1);
    expect(optimizer.running).toBe(true);
    runs[0]?.resolve();
    expect(await first).toBe(3);
    expect(await second).toBe(3);
    expect(done).toEqual([3]);
    expect(optimizer.running).toBe(false);

    const third = optimizer.run();
    expect(runs).toHaveLength(2);
    runs[1]?.resolve();
    expect(await third).toBe(5);
  });

  it('retries a commit conflict, not other failures', async () => {
    const failures = ['Retryable commit conflict for version 7', 'Retryable commit conflict for version 8'];
    let calls = 0;
    const optimizer = createTableOptimizer(
      {
        optimize: async () => {
          calls += 1;
          const failure = failures.shift();
          if (failure) throw new Error(failure);
        },
      },
      { mark: () => 2, onDone: () => {} },
      60_000,
    );
    await expect(optimizer.run()).resolves.toBe(2);
    expect(calls).toBe(3);
  });

  it('passes a failure to its callers, skips onDone and lets the next call start afresh', async () => {
    let fail = true;
    const done: number[] = [];
    const optimizer = createTableOptimizer(
      { optimize: async () => (fail ? Promise.reject(new Error('disk full')) : undefined) },
      { mark: () => 1, onDone: (mark) => done.push(mark) },
      60_000,
    );
    await expect(optimizer.run()).rejects.toThrow('disk full');
    expect(done).toEqual([]);
    fail = false;
    await expect(optimizer.run()).resolves.toBe(1);
    expect(done).toEqual([1]);
  });
});
