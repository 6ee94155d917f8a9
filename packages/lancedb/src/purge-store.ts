import { availableParallelism } from 'node:os';
import { LociError, StoreError } from '@loci/core';
import { z } from 'zod';
import { NAMESPACE_COLUMN } from './columns.js';
import { sqlIdentifier, sqlString } from './filter-sql.js';

/** Validates the options of `purgeLanceStore`; unknown keys are rejected. */
export const purgeOptionsSchema = z.strictObject({
  /** The store's folder or object-storage URI, as given to `createLanceStore`. */
  uri: z.string().min(1),
  storageOptions: z.record(z.string(), z.string()).optional(),
  /** Rows of these namespaces are deleted from every table. */
  namespaces: z.array(z.string().min(1)).default([]),
  /** Rows of every namespace starting with one of these are deleted too (e.g. `user#` for a user's agents). */
  namespacePrefixes: z.array(z.string().min(1)).default([]),
  /** Tables to rewrite even if this purge removed nothing from them (rows deleted earlier by other code). */
  alsoRewrite: z.array(z.string()).default([]),
});

/** Options of `purgeLanceStore`: which namespaces to delete for good. */
export type PurgeOptions = z.input<typeof purgeOptionsSchema>;

/** What `purgeLanceStore` removed and rewrote. */
export interface PurgeResult {
  /** Rows removed per table, for tables where any were. */
  removed: Record<string, number>;
  /** Tables whose files were rewritten and whose old versions were deleted. */
  rewritten: string[];
}

function whereClause(namespaces: readonly string[], prefixes: readonly string[]): string | undefined {
  const column = sqlIdentifier(NAMESPACE_COLUMN);
  const parts = [
    ...namespaces.map((namespace) => `${column} = ${sqlString(namespace)}`),
    // starts_with, not LIKE: a namespace may hold % or _, which LIKE would read as wildcards.
    ...prefixes.map((prefix) => `starts_with(${column}, ${sqlString(prefix)})`),
  ];
  return parts.length === 0 ? undefined : parts.join(' OR ');
}

/**
 * Hard deletion. A LanceDB delete only marks rows in a deletion file: their bytes stay in the data
 * files, and in every older version, until the fragment is rewritten and the versions are cleaned
 * up. Compaction alone leaves a fragment with few deleted rows as it is, so each affected table is
 * rewritten in place (an update of every row moves the survivors to new fragments) and then every
 * version but the current one is deleted at once. Afterwards the removed text is in no file of the
 * store. Run it while no other process writes to the store: the cleanup skips LanceDB's grace period
 * for files of unfinished transactions.
 */
export async function purgeLanceStore(options: PurgeOptions): Promise<PurgeResult> {
  const config = purgeOptionsSchema.parse(options);
  if (process.env['LANCE_CPU_THREADS'] === undefined) {
    // As in lance-store.ts: small CPU pools deadlock LanceDB's index updates.
    process.env['LANCE_CPU_THREADS'] = String(Math.max(8, availableParallelism()));
  }
  const lancedb = await import('@lancedb/lancedb');
  const connection = await lancedb.connect(
    config.uri,
    config.storageOptions ? { storageOptions: config.storageOptions } : {},
  );
  const where = whereClause(config.namespaces, config.namespacePrefixes);
  const result: PurgeResult = { removed: {}, rewritten: [] };
  try {
    for (const name of await connection.tableNames()) {
      const table = await connection.openTable(name);
      try {
        let removed = 0;
        if (where !== undefined) {
          removed = await table.countRows(where);
          if (removed > 0) await table.delete(where);
        }
        if (removed > 0) result.removed[name] = removed;
        if (removed === 0 && !config.alsoRewrite.includes(name)) continue;
        if ((await table.countRows()) > 0) {
          await table.update({ valuesSql: { id: sqlIdentifier('id') } });
        }
        await table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
        result.rewritten.push(name);
      } finally {
        table.close();
      }
    }
  } catch (error) {
    if (LociError.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new StoreError(`cannot purge the store at ${config.uri}: ${message}`, { cause: error });
  } finally {
    connection.close();
  }
  return result;
}
