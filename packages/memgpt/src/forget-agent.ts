import { type MemoryStore, type TableDefinition, where } from '@loci/core';
import { agentNamespace } from './agent-storage.js';
import { agentsTable, archivalTable, leasesTable, messagesTable } from './tables.js';

/** Whose data `forgetAgent` deletes. */
export interface ForgetAgentOptions {
  store: MemoryStore;
  /** The user's namespace. */
  namespace: string;
  /** One agent of the user; all of the user's agents when left out. */
  agentId?: string;
}

/** What `forgetAgent` deleted. */
export interface ForgetAgentResult {
  /** The agents whose rows were looked for. */
  agentIds: string[];
  /** Rows removed per table (tables with none are listed with 0). */
  removed: Record<string, number>;
}

const archivalName = /^memgpt_archival_(\d+)$/;
// A table's delete wants ids or a filter; ids are never empty, so this matches every row.
const everyRow = where.ne('id', '');

/**
 * Deletes agents' rows from every MemGPT table: states (in the user's namespace), leases, messages
 * and archival passages (in each agent's own namespace). Run it while no process has the agent open.
 * The rows' bytes stay in the store's old versions until the store is purged (`purgeLanceStore`).
 */
export async function forgetAgent(options: ForgetAgentOptions): Promise<ForgetAgentResult> {
  const { store, namespace } = options;
  const tables = new Set(await store.listTables());
  const removed: Record<string, number> = {};
  const agents = tables.has(agentsTable.name) ? await store.openTable(agentsTable) : undefined;
  let agentIds: string[];
  if (options.agentId !== undefined) {
    agentIds = [options.agentId];
  } else {
    const rows = agents ? await agents.query({ namespace }) : [];
    agentIds = [...new Set(rows.map((row) => row.agentId))].sort();
  }
  if (agents && agentIds.length > 0) {
    removed[agentsTable.name] =
      options.agentId === undefined
        ? await agents.delete({ namespace, filter: where.in('agentId', agentIds) })
        : await agents.delete({ namespace, filter: where.eq('agentId', options.agentId) });
  }
  const own = agentIds.map((agentId) => agentNamespace(namespace, agentId));
  const perAgent: TableDefinition[] = [leasesTable, messagesTable, ...archivalDefinitions(tables)];
  for (const definition of perAgent) {
    if (!tables.has(definition.name)) continue;
    const table = await store.openTable(definition);
    let count = 0;
    for (const agentSpace of own) count += await table.delete({ namespace: agentSpace, filter: everyRow });
    removed[definition.name] = count;
  }
  return { agentIds, removed };
}

function archivalDefinitions(tables: ReadonlySet<string>) {
  return [...tables]
    .map((name) => archivalName.exec(name)?.[1])
    .filter((dimensions): dimensions is string => dimensions !== undefined)
    .map((dimensions) => archivalTable(Number(dimensions)));
}
