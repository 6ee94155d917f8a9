import type { z } from 'zod';
import { ConfigError, StoreError } from './errors.js';
import { createInMemoryTable, createTableData, type TableData } from './in-memory-table.js';
import type { MemoryStore, MemoryTable, TableDefinition } from './memory-store.js';

const tableNamePattern = /^[a-z][a-z0-9_]{0,63}$/;
let stores = 0;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !tableNamePattern.test(name)) {
    throw new ConfigError(`table name ${JSON.stringify(name)} must match [a-z][a-z0-9_]{0,63}`, [
      { path: 'name', message: 'invalid table name' },
    ]);
  }
  return name;
}

/** What a second `openTable` of the same name must agree on (the text index is built per column). */
function signature(data: TableData): string {
  const { columns, definition } = data;
  return JSON.stringify([
    columns.map(({ name, kind, readsNull, dimensions }) => [name, kind, readsNull, dimensions]),
    definition.metric ?? 'cosine',
    definition.fullText ?? [],
  ]);
}

/**
 * A `MemoryStore` kept in this process's memory, with no native dependency: typed tables,
 * namespaces, filters, exact vector search (cosine, dot or l2, scored as LanceDB's store scores
 * them), BM25 text search and hybrid (reciprocal-rank fusion) search. It passes the same
 * conformance suite as LanceDB. Everything is gone on `close()` or when the process ends: for
 * tests and ephemeral memories. Search is a scan, fine for tens of thousands of rows per namespace.
 * One row per id and namespace: `add` of an id already there replaces it, as `upsert` does.
 */
export function createInMemoryStore(): MemoryStore {
  const tables = new Map<string, TableData>();
  let open = true;
  const isOpen = () => open;
  const uri = `memory://${++stores}`;

  function usable(): void {
    if (!open) throw new StoreError(`the in-memory store ${uri} is closed`, { code: 'store_closed' });
  }

  return {
    uri,

    async openTable<TSchema extends z.ZodObject>(definition: TableDefinition<TSchema>) {
      usable();
      const name = checkName(definition.name);
      const wanted = createTableData(definition);
      let data = tables.get(name);
      if (!data) {
        data = wanted;
        tables.set(name, data);
      } else if (signature(data) !== signature(wanted)) {
        throw new StoreError(
          `table "${name}" in ${uri} exists with a different schema; open it with its original definition, or drop it`,
          { code: 'schema_mismatch', category: 'user' },
        );
      }
      return createInMemoryTable<z.output<TSchema> & { id: string }>(data, isOpen) as MemoryTable<
        z.output<TSchema> & { id: string }
      >;
    },

    async listTables() {
      usable();
      return [...tables.keys()].sort();
    },

    async dropTable(name: string) {
      usable();
      checkName(name);
      const data = tables.get(name);
      if (!data) return;
      data.dropped = true;
      tables.delete(name);
    },

    async close() {
      open = false;
      tables.clear();
    },
  };
}
