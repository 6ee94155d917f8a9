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
      { keepVersionsMs: 60_000, keepVersions: 100 },
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
      { keepVersionsMs: 60_000, keepVersions: 100 },
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
      { keepVersionsMs: 60_000, keepVersions: 100 },
    );
    await expect(optimizer.run()).rejects.toThrow('disk full');
    expect(done).toEqual([]);
    fail = false;
    await expect(optimizer.run()).resolves.toBe(1);
    expect(done).toEqual([1]);
  });

  it('keeps the versions younger than keepVersionsMs, but no more than the last keepVersions commits', async () => {
    const cutoffs: number[] = [];
    const optimizer = createTableOptimizer(
      {
        optimize: async (options) => {
          cutoffs.push(options.cleanupOlderThan.getTime());
        },
      },
      { mark: () => 0, onDone: () => {} },
      { keepVersionsMs: 60_000, keepVersions: 3 },
    );
    const start = Date.now();
    // Two commits: fewer than keepVersions, so the age decides.
    optimizer.committed();
    optimizer.committed();
    await optimizer.run();
    expect(cutoffs[0]).toBeLessThanOrEqual(Date.now() - 60_000);
    expect(cutoffs[0]).toBeGreaterThanOrEqual(start - 60_000);
    // Five quick commits: the third newest of them is the oldest version kept.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const third = Date.now();
    for (let commit = 0; commit < 3; commit++) optimizer.committed();
    await optimizer.run();
    expect(cutoffs[1]).toBeGreaterThanOrEqual(third);
    expect(cutoffs[1]).toBeLessThanOrEqual(Date.now());
  });
});
