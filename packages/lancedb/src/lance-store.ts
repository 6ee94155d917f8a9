import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type * as LanceDb from '@lancedb/lancedb';
import {
  ConfigError,
  LociError,
  lociHome,
  type MemoryStore,
  type MemoryTable,
  parseWith,
  StoreError,
  type TableDefinition,
} from '@loci/core';
import type { z } from 'zod';
import { type ArrowModule, arrowSchemaOf, hasRowKey, schemaDifferences } from './arrow-schema.js';
import { columnsOf } from './columns.js';
import { type LanceStoreOptions, lanceStoreOptionsSchema } from './lance-store-options.js';
import { createLanceTable, type LanceDbModule, type LanceMemoryTable } from './lance-table.js';
import { createStoreFolder, storeAccessError } from './store-access-error.js';

const tableNamePattern = /^[a-z][a-z0-9_]{0,63}$/;
const remoteScheme = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * LanceDB 0.31 sizes its CPU thread pool to the core count. On a 2-core machine, incremental
 * full-text index updates (`optimize()`) and FTS rebuilds deadlock after a few hundred thousand rows:
 * a pool task blocks waiting for work queued behind it, and every thread parks at 0% CPU. A larger
 * pool avoids it (docs/benchmarks/store.md, "LanceDB 0.31 deadlock on 2 cores"). An explicit
 * LANCE_CPU_THREADS from the user wins; it must be set before LanceDB starts its runtime.
 */
function ensureLanceCpuThreads(): void {
  if (process.env['LANCE_CPU_THREADS'] === undefined) {
    process.env['LANCE_CPU_THREADS'] = String(Math.max(8, availableParallelism()));
  }
}

/**
 * The apache-arrow instance LanceDB itself loaded (its own `require`, from its own folder). Tables
 * built with another copy fail LanceDB's `instanceof` checks and go through its re-sanitising path,
 * which rejects tables built column by column. Call after LanceDB is imported (it is then cached).
 */
function lancedbArrow(): ArrowModule {
  const lancedbEntry = createRequire(import.meta.url).resolve('@lancedb/lancedb');
  return createRequire(lancedbEntry)('apache-arrow') as ArrowModule;
}

function isNotFound(error: unknown): boolean {
  return /not found|does not exist/i.test(error instanceof Error ? error.message : String(error));
}

/**
 * Rethrows a failure of the store as a `StoreError` saying what failed. With the store's `uri`, a
 * read-only folder, a denied permission or missing or refused credentials is named as such
 * (`StoreAccessError`); `hint` is added only for other causes.
 */
function failure(what: string, error: unknown, options: { uri?: string; hint?: string } = {}): never {
  if (LociError.isInstance(error)) throw error;
  const access = options.uri === undefined ? undefined : storeAccessError(error, options.uri, what);
  if (access) throw access;
  const message = error instanceof Error ? error.message : String(error);
  const hint = options.hint === undefined ? '' : ` (${options.hint})`;
  throw new StoreError(`${what}${hint}: ${message}`, { cause: error });
}

/**
 * A `MemoryStore` over embedded LanceDB: a local folder by default, or object storage (`s3://`,
 * `gs://`, `az://`) and LanceDB Cloud (`db://`) by URI. LanceDB loads only when this is called.
 */
export async function createLanceStore(options: LanceStoreOptions = {}): Promise<MemoryStore> {
  const config = parseWith(lanceStoreOptionsSchema, options, 'LanceDB store options');
  const uri = config.uri ?? join(lociHome(), 'store');
  const local = !remoteScheme.test(uri);
  if (local) {
    await createStoreFolder(uri).catch((error: unknown) =>
      failure(`cannot create the store folder ${uri}`, error, { uri }),
    );
  }
  ensureLanceCpuThreads();
  const lancedb: LanceDbModule = await import('@lancedb/lancedb');
  const arrow = lancedbArrow();
  const connectOptions: Partial<LanceDb.ConnectionOptions> = {
    readConsistencyInterval: config.readConsistencySeconds,
  };
  if (config.storageOptions) connectOptions.storageOptions = config.storageOptions;
  if (config.apiKey !== undefined) connectOptions.apiKey = config.apiKey;
  if (config.region !== undefined) connectOptions.region = config.region;
  const connection = await lancedb
    .connect(uri, connectOptions)
    .catch((error: unknown) => failure(`cannot open the LanceDB store at ${uri}`, error, { uri }));

  const open = new Set<LanceMemoryTable<{ id: string }>>();
  const reportBackgroundError =
    config.onBackgroundError ??
    ((error: Error) => process.emitWarning(error.message, { code: 'LOCI_STORE_BACKGROUND' }));

  function checkName(name: unknown): string {
    if (typeof name !== 'string' || !tableNamePattern.test(name)) {
      throw new ConfigError(`table name ${JSON.stringify(name)} must match [a-z][a-z0-9_]{0,63}`, [
        { path: 'name', message: 'invalid table name' },
      ]);
    }
    return name;
  }

  async function openNative(definition: TableDefinition, schema: ReturnType<typeof arrowSchemaOf>) {
    // Open first rather than list: listing needs delimiter support some S3-compatible servers lack.
    try {
      return await connection.openTable(definition.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // existOk: another process may create the same table between the failed open and this call.
    return connection.createEmptyTable(definition.name, schema, { mode: 'create', existOk: true });
  }

  async function ensureFullTextIndexes(native: LanceDb.Table, definition: TableDefinition): Promise<void> {
    const wanted = definition.fullText ?? [];
    if (wanted.length === 0) return;
    const indexed = new Set(
      (await native.listIndices())
        .filter((index) => index.indexType === 'FTS')
        .flatMap((index) => index.columns),
    );
    for (const column of wanted) {
      if (indexed.has(column)) continue;
      try {
        await native.createIndex(column, { config: lancedb.Index.fts() });
      } catch (error) {
        // Two processes opening a new table race to create its index; losing that race is fine.
        const now = await native.listIndices();
        if (!now.some((index) => index.indexType === 'FTS' && index.columns.includes(column))) throw error;
      }
    }
  }

  async function listTables(): Promise<string[]> {
    const names: string[] = [];
    for (;;) {
      const last = names.at(-1);
      const page = await connection.tableNames(
        last === undefined ? { limit: 1000 } : { startAfter: last, limit: 1000 },
      );
      names.push(...page);
      if (page.length < 1000) return names;
    }
  }

  return {
    uri,

    async openTable<TSchema extends z.ZodObject>(definition: TableDefinition<TSchema>) {
      checkName(definition.name);
      const columns = columnsOf(definition);
      const schema = arrowSchemaOf(arrow, columns);
      const label = `table "${definition.name}" in ${uri}`;
      try {
        const native = await openNative(definition, schema);
        const found = await native.schema();
        // Tables created before the row-key column keep working (without its upsert guarantee).
        const rowKey = hasRowKey(found);
        const expected = rowKey ? schema : arrowSchemaOf(arrow, columns, { rowKey });
        const differences = schemaDifferences(found, expected);
        if (differences.length > 0) {
          throw new StoreError(
            `${label} exists with a different schema: ${differences.join('; ')}. ` +
              'Open it with its original definition, or drop it (or use a new table name) to start over.',
            { code: 'schema_mismatch', category: 'user' },
          );
        }
        await ensureFullTextIndexes(native, definition);
        const table = createLanceTable<z.output<TSchema> & { id: string }>({
          lancedb,
          arrow,
          native,
          definition,
          columns,
          arrowSchema: expected,
          policy: config.indexPolicy,
          rowsAtOpen: await native.countRows(),
          rowKey,
          onBackgroundError: reportBackgroundError,
          serialCommits: !local,
        });
        open.add(table as unknown as LanceMemoryTable<{ id: string }>);
        return table as MemoryTable<z.output<TSchema> & { id: string }>;
      } catch (error) {
        return failure(`cannot open ${label}`, error, {
          uri,
          hint: 'if its files are damaged, restore them from a backup',
        });
      }
    },

    async listTables() {
      return listTables().catch((error: unknown) =>
        failure(`cannot list the tables of ${uri}`, error, { uri }),
      );
    },

    async dropTable(name: string) {
      checkName(name);
      // Background work on this table's handles ends first; it would fail on the dropped files.
      const handles = [...open].filter((table) => table.name === name);
      await Promise.all(handles.map((table) => table.settle()));
      for (const table of handles) open.delete(table);
      try {
        await connection.dropTable(name);
      } catch (error) {
        // Dropping a table that is not there is a no-op, so cleanup code can run twice.
        if (isNotFound(error)) return;
        failure(`cannot drop table "${name}" in ${uri}`, error, { uri });
      }
    },

    async close() {
      // Background index work finishes first so no half-built index is abandoned mid-write.
      await Promise.all([...open].map((table) => table.settle()));
      open.clear();
      connection.close();
    },
  };
}
