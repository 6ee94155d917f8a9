import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from '@langchain/langgraph-checkpoint';
import { type Filter, type MemoryStore, type MemoryTable, type RowOf, where } from '@loci/core';
import { checkNamespace, matchesCondition, namespacePath, namespacePrefixes } from './namespace-path.js';
import { createStoreEmbedder, fieldTexts, type LociStoreIndex, type StoreEmbedder } from './store-index.js';
import { itemsTable, namespacesTable, vectorsTable } from './store-tables.js';
import { checkValueFilter, matchesValueFilter } from './value-filter.js';

/** Constructor argument of `LociStore`. */
export interface LociStoreOptions {
  /** Any Loci store: LanceDB on disk or object storage, or the in-memory store. */
  store: MemoryStore;
  /**
   * The Loci namespace this LangGraph store lives in (a deployment, tenant or user). Nothing outside
   * it is ever read or written; two LociStores with different namespaces never see each other.
   */
  namespace: string;
  /** Semantic search: `dims`, a LangChain `Embeddings` or a Loci `EmbeddingModel`, and the fields to embed. */
  index?: LociStoreIndex;
  /** Prefix of the tables this store creates (default `langgraph`). */
  tablePrefix?: string;
}

type ItemRow = RowOf<ReturnType<typeof itemsTable>>;
type VectorRow = RowOf<ReturnType<typeof vectorsTable>>;
type NamespaceRow = RowOf<ReturnType<typeof namespacesTable>>;

interface Tables {
  items: MemoryTable<ItemRow>;
  namespaces: MemoryTable<NamespaceRow>;
  vectors?: MemoryTable<VectorRow>;
}

/** Rows read per page when a search has to filter values in memory. */
const scanPage = 500;

/**
 * LangGraph's long-term memory (`BaseStore`: JSON documents under a label-array namespace and a key)
 * over any Loci `MemoryStore`. Pass it as `store` to `createAgent`; tools read it through
 * `runtime.store`.
 */
export class LociStore extends BaseStore {
  readonly namespace: string;
  private readonly store: MemoryStore;
  private readonly embedder: StoreEmbedder | undefined;
  private readonly tablePrefix: string;
  private tables: Promise<Tables> | undefined;

  constructor(options: LociStoreOptions) {
    super();
    if (typeof options.namespace !== 'string' || options.namespace.length === 0) {
      throw new TypeError('LociStore needs a non-empty `namespace` (the Loci namespace it lives in)');
    }
    const tablePrefix = options.tablePrefix ?? 'langgraph';
    if (!/^[a-z][a-z0-9_]{0,40}$/.test(tablePrefix)) {
      throw new TypeError(`LociStore tablePrefix "${tablePrefix}" must match [a-z][a-z0-9_]{0,40}`);
    }
    this.store = options.store;
    this.namespace = options.namespace;
    this.tablePrefix = tablePrefix;
    this.embedder = options.index === undefined ? undefined : createStoreEmbedder(options.index);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    for (const operation of operations) checkOperation(operation);
    // Embed every put first, so a failing embedder (or a wrong dimension) writes nothing at all.
    const embedded = await this.embedPuts(operations);
    const tables = await this.openTables();
    const results: unknown[] = [];
    for (const [index, operation] of operations.entries()) {
      if ('namespacePrefix' in operation) results.push(await this.runSearch(tables, operation));
      else if ('value' in operation) results.push(await this.runPut(tables, operation, embedded.get(index)));
      else if ('key' in operation) results.push(await this.runGet(tables, operation));
      else results.push(await this.listNamespacesOf(tables, operation));
    }
    return results as OperationResults<Op>;
  }

  private openTables(): Promise<Tables> {
    this.tables ??= (async () => {
      const [items, namespaces, vectors] = await Promise.all([
        this.store.openTable(itemsTable(this.tablePrefix)),
        this.store.openTable(namespacesTable(this.tablePrefix)),
        this.embedder === undefined
          ? Promise.resolve(undefined)
          : this.store.openTable(vectorsTable(this.tablePrefix, this.embedder.dims)),
      ]);
      return vectors === undefined ? { items, namespaces } : { items, namespaces, vectors };
    })();
    this.tables.catch(() => {
      this.tables = undefined;
    });
    return this.tables;
  }

  private async embedPuts(operations: readonly Operation[]): Promise<Map<number, VectorRowDraft[]>> {
    const out = new Map<number, VectorRowDraft[]>();
    if (this.embedder === undefined) return out;
    const pending: { index: number; field: string; text: string }[] = [];
    for (const [index, operation] of operations.entries()) {
      if (!('value' in operation) || operation.value === null || operation.index === false) continue;
      const fields = operation.index ?? this.embedder.fields;
      for (const { field, text } of fieldTexts(operation.value, fields)) pending.push({ index, field, text });
    }
    const vectors = await this.embedder.documents(pending.map((entry) => entry.text));
    pending.forEach((entry, position) => {
      const drafts = out.get(entry.index) ?? [];
      drafts.push({ field: entry.field, vector: vectors[position] as Float32Array });
      out.set(entry.index, drafts);
    });
    return out;
  }

  private async runGet(tables: Tables, operation: GetOperation): Promise<Item | null> {
    const [row] = await tables.items.get({
      namespace: this.namespace,
      ids: [itemId(operation.namespace, operation.key)],
    });
    return row === undefined ? null : toItem(row);
  }

  private async runPut(
    tables: Tables,
    operation: PutOperation,
    drafts: VectorRowDraft[] | undefined,
  ): Promise<void> {
    const id = itemId(operation.namespace, operation.key);
    const namespace = this.namespace;
    if (operation.value === null) {
      await tables.vectors?.delete({ namespace, filter: where.eq('itemId', id) });
      await tables.items.delete({ namespace, ids: [id] });
      await this.dropNamespaceIfEmpty(tables, operation.namespace);
      return;
    }
    const [existing] = await tables.items.get({ namespace, ids: [id] });
    const now = new Date();
    const prefixes = namespacePrefixes(operation.namespace);
    if (tables.vectors !== undefined) {
      const rows = (drafts ?? []).map((draft) => ({
        id: `${id}#${draft.field}`,
        itemId: id,
        prefixes,
        ...draft,
      }));
      if (rows.length > 0) await tables.vectors.upsert({ namespace, rows });
      const kept = new Set(rows.map((row) => row.id));
      const stale = (await tables.vectors.query({ namespace, filter: where.eq('itemId', id) }))
        .map((row) => row.id)
        .filter((vectorId) => !kept.has(vectorId));
      if (stale.length > 0) await tables.vectors.delete({ namespace, ids: stale });
    }
    await tables.items.upsert({
      namespace,
      rows: [
        {
          id,
          path: namespacePath(operation.namespace),
          labels: [...operation.namespace],
          prefixes,
          key: operation.key,
          value: JSON.stringify(operation.value),
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
        },
      ],
    });
    const path = namespacePath(operation.namespace);
    await tables.namespaces.upsert({ namespace, rows: [{ id: path, labels: [...operation.namespace] }] });
  }

  private async dropNamespaceIfEmpty(tables: Tables, labels: readonly string[]): Promise<void> {
    const path = namespacePath(labels);
    const left = await tables.items.count({ namespace: this.namespace, filter: where.eq('path', path) });
    if (left === 0) await tables.namespaces.delete({ namespace: this.namespace, ids: [path] });
  }

  private async runSearch(tables: Tables, operation: SearchOperation): Promise<SearchItem[]> {
    const limit = operation.limit ?? 10;
    const offset = operation.offset ?? 0;
    const prefix: Filter | undefined =
      operation.namespacePrefix.length === 0
        ? undefined
        : where.contains('prefixes', namespacePath(operation.namespacePrefix));
    const ranked =
      operation.query !== undefined && this.embedder !== undefined && tables.vectors !== undefined
        ? await this.rankByQuery(tables, tables.vectors, this.embedder, operation, prefix)
        : [];
    const seen = new Set(ranked.map((item) => itemId(item.namespace, item.key)));
    const needed = offset + limit;
    // Items with no vectors (or a search with no query) follow in most-recently-updated order.
    const rest =
      ranked.length >= needed ? [] : await this.scan(tables, operation, prefix, needed - ranked.length, seen);
    return [...ranked, ...rest].slice(offset, needed);
  }

  private async rankByQuery(
    tables: Tables,
    vectors: MemoryTable<VectorRow>,
    embedder: StoreEmbedder,
    operation: SearchOperation,
    prefix: Filter | undefined,
  ): Promise<SearchItem[]> {
    const needed = (operation.offset ?? 0) + (operation.limit ?? 10);
    const vector = await embedder.query(operation.query ?? '');
    let k = Math.max(20, needed * 4);
    // Widen the vector search until enough items pass the value filter (bounded: five rounds).
    for (let round = 0; ; round++) {
      const hits = await vectors.search({
        namespace: this.namespace,
        mode: 'vector',
        vector,
        k,
        ...(prefix === undefined ? {} : { filter: prefix }),
      });
      const best = new Map<string, number>();
      for (const hit of hits)
        best.set(hit.row.itemId, Math.max(best.get(hit.row.itemId) ?? -Infinity, hit.score));
      const rows = await tables.items.get({ namespace: this.namespace, ids: [...best.keys()] });
      const items = rows
        .map((row) => ({ ...toItem(row), score: best.get(row.id) as number }))
        .filter((item) => matchesValueFilter(item.value, operation.filter))
        .sort((a, b) => b.score - a.score);
      if (items.length >= needed || hits.length < k || round === 4) return items;
      k *= 4;
    }
  }

  private async scan(
    tables: Tables,
    operation: SearchOperation,
    prefix: Filter | undefined,
    wanted: number,
    seen: ReadonlySet<string>,
  ): Promise<SearchItem[]> {
    const out: SearchItem[] = [];
    for (let offset = 0; out.length < wanted; offset += scanPage) {
      const rows = await tables.items.query({
        namespace: this.namespace,
        ...(prefix === undefined ? {} : { filter: prefix }),
        orderBy: { field: 'updatedAt', direction: 'desc' },
        limit: scanPage,
        offset,
      });
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        const item = toItem(row);
        if (matchesValueFilter(item.value, operation.filter)) out.push(item);
        if (out.length === wanted) break;
      }
      if (rows.length < scanPage) break;
    }
    return out;
  }

  private async listNamespacesOf(tables: Tables, operation: ListNamespacesOperation): Promise<string[][]> {
    const rows = await tables.namespaces.query({ namespace: this.namespace });
    let namespaces = rows
      .map((row) => row.labels)
      .filter((labels) =>
        (operation.matchConditions ?? []).every((condition) => matchesCondition(labels, condition)),
      );
    if (operation.maxDepth !== undefined) {
      const depth = operation.maxDepth;
      const unique = new Map(
        namespaces.map((labels) => labels.slice(0, depth)).map((labels) => [namespacePath(labels), labels]),
      );
      namespaces = [...unique.values()];
    }
    namespaces.sort((a, b) => compareText(namespacePath(a), namespacePath(b)));
    const offset = operation.offset ?? 0;
    return namespaces.slice(offset, offset + (operation.limit ?? namespaces.length));
  }
}

interface VectorRowDraft {
  field: string;
  vector: Float32Array;
}

function itemId(namespace: readonly string[], key: string): string {
  return JSON.stringify([...namespace, key]);
}

function toItem(row: ItemRow): Item {
  return {
    namespace: [...row.labels],
    key: row.key,
    value: JSON.parse(row.value) as Record<string, unknown>,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkOperation(operation: Operation): void {
  if ('namespacePrefix' in operation) {
    checkNamespace(operation.namespacePrefix, 'read');
    checkValueFilter(operation.filter);
    checkPaging(operation.limit, operation.offset);
  } else if ('value' in operation) {
    checkNamespace(operation.namespace, operation.value === null ? 'read' : 'write');
    checkKey(operation.key);
    const value = operation.value;
    if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
      throw new TypeError(
        `put ${JSON.stringify(operation.key)}: value must be a JSON object or null, got ${Array.isArray(value) ? 'an array' : typeof value}`,
      );
    }
    if (value !== null) JSON.stringify(value);
  } else if ('key' in operation) {
    checkNamespace(operation.namespace, 'read');
    checkKey(operation.key);
  } else {
    for (const condition of operation.matchConditions ?? [])
      checkNamespace(
        condition.path.filter((label) => label !== '*'),
        'read',
      );
    checkPaging(operation.limit, operation.offset);
    if (
      operation.maxDepth !== undefined &&
      !(Number.isInteger(operation.maxDepth) && operation.maxDepth > 0)
    ) {
      throw new TypeError(`listNamespaces maxDepth must be a positive integer, got ${operation.maxDepth}`);
    }
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('item key must be a non-empty string');
}

function checkPaging(limit: number | undefined, offset: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
    throw new TypeError(`limit must be a non-negative integer, got ${limit}`);
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0))
    throw new TypeError(`offset must be a non-negative integer, got ${offset}`);
}
