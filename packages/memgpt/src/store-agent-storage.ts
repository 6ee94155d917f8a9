import type { EmbeddingModel, MemoryStore, MemoryTable, RowOf, ToolCall } from '@loci/core';
import { LociError, StoreError, where } from '@loci/core';
import { z } from 'zod';
import { parseAgentState } from './agent-state.js';
import { type AgentStorage, agentNamespace } from './agent-storage.js';
import type { MessageKind, StoredMessage } from './stored-message.js';
import { searchableText } from './stored-message.js';
import { agentsTable, archivalTable, messagesTable } from './tables.js';

type MessageRow = RowOf<typeof messagesTable>;
type ArchivalRow = RowOf<ReturnType<typeof archivalTable>>;

const messageDataSchema = z.object({
  speaker: z.string().optional(),
  toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
  toolCallId: z.string().optional(),
  toolName: z.string().optional(),
});

function toRow(message: StoredMessage): MessageRow {
  const data: z.input<typeof messageDataSchema> = {};
  if (message.speaker !== undefined) data.speaker = message.speaker;
  if (message.toolCalls !== undefined) data.toolCalls = message.toolCalls;
  if (message.toolCallId !== undefined) data.toolCallId = message.toolCallId;
  if (message.toolName !== undefined) data.toolName = message.toolName;
  return {
    id: message.id,
    seq: message.seq,
    kind: message.kind,
    content: message.content,
    search: searchableText(message),
    data: JSON.stringify(data),
    stepId: message.stepId,
    at: message.at,
  };
}

const kinds = new Set<string>(['user', 'assistant', 'tool', 'system-alert']);

function fromRow(row: MessageRow): StoredMessage {
  const kind = kinds.has(row.kind) ? (row.kind as MessageKind) : 'system-alert';
  let data: z.output<typeof messageDataSchema> = {};
  try {
    const parsed = messageDataSchema.safeParse(JSON.parse(row.data));
    if (parsed.success) data = parsed.data;
  } catch {
    // A damaged data column loses the call details of one message, never the message itself.
  }
  const message: StoredMessage = {
    id: row.id,
    seq: row.seq,
    kind,
    content: row.content,
    at: row.at,
    stepId: row.stepId,
  };
  if (data.speaker !== undefined) message.speaker = data.speaker;
  if (data.toolCalls !== undefined) message.toolCalls = data.toolCalls as ToolCall[];
  if (data.toolCallId !== undefined) message.toolCallId = data.toolCallId;
  if (data.toolName !== undefined) message.toolName = data.toolName;
  return message;
}

/** Agent storage on a `MemoryStore`: the tables of tables.ts, scoped by namespace. */
export async function openAgentStorage(options: {
  store: MemoryStore;
  embedder: EmbeddingModel;
  namespace: string;
  agentId: string;
}): Promise<AgentStorage> {
  const { store, embedder, namespace } = options;
  const ownNamespace = agentNamespace(namespace, options.agentId);
  let agents: MemoryTable<RowOf<typeof agentsTable>>;
  let messages: MemoryTable<MessageRow>;
  let archival: MemoryTable<ArchivalRow>;
  try {
    [agents, messages, archival] = await Promise.all([
      store.openTable(agentsTable),
      store.openTable(messagesTable),
      store.openTable(archivalTable(embedder.dimensions)),
    ]);
  } catch (error) {
    if (LociError.isInstance(error)) throw error;
    throw new StoreError(`cannot open the agent tables in ${store.uri}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const byTime = (start: Date, end: Date) => where.and(where.gte('at', start), where.lte('at', end));

  return {
    namespace,
    agentNamespace: ownNamespace,
    async loadState(agentId) {
      const [row] = await agents.query({
        namespace,
        filter: where.eq('agentId', agentId),
        orderBy: { field: 'version', direction: 'desc' },
        limit: 1,
      });
      return row ? parseAgentState(row.state, agentId) : undefined;
    },
    async saveState(state) {
      // A new row per version: the previous state stays intact until this one is committed.
      await agents.add({
        namespace,
        rows: [
          {
            id: `${state.id}@${state.stepCount}`,
            agentId: state.id,
            version: state.stepCount,
            state: JSON.stringify(state),
            updatedAt: new Date(),
          },
        ],
      });
    },
    async appendMessages(list) {
      if (list.length === 0) return;
      await messages.add({ namespace: ownNamespace, rows: list.map(toRow) });
    },
    async getMessages(ids) {
      if (ids.length === 0) return [];
      const rows = await messages.get({ namespace: ownNamespace, ids });
      const byId = new Map(rows.map((row) => [row.id, fromRow(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async lastSeq() {
      const [row] = await messages.query({
        namespace: ownNamespace,
        orderBy: { field: 'seq', direction: 'desc' },
        limit: 1,
      });
      return row?.seq ?? -1;
    },
    async searchMessages(text, limit) {
      const hits = await messages.search({ namespace: ownNamespace, mode: 'text', text, k: limit });
      return hits.map((hit) => fromRow(hit.row));
    },
    async messagesBetween(start, end, limit, offset) {
      const rows = await messages.query({
        namespace: ownNamespace,
        filter: byTime(start, end),
        orderBy: { field: 'seq', direction: 'asc' },
        limit,
        offset,
      });
      return rows.map(fromRow);
    },
    countMessagesBetween(start, end) {
      return messages.count({ namespace: ownNamespace, filter: byTime(start, end) });
    },
    async insertPassage(text, at) {
      const [vector] = await embedder.embed([text], { kind: 'document' });
      if (!vector) throw new StoreError('the embedder returned no vector for an archival passage');
      const id = crypto.randomUUID();
      await archival.add({
        namespace: ownNamespace,
        rows: [{ id, text, at, vector: Float32Array.from(vector) }],
      });
      return id;
    },
    async searchPassages(query, limit) {
      const [vector] = await embedder.embed([query], { kind: 'query' });
      if (!vector) throw new StoreError('the embedder returned no vector for an archival search');
      const hits = await archival.search({
        namespace: ownNamespace,
        mode: 'hybrid',
        vector,
        text: query,
        k: limit,
      });
      return hits.map((hit) => ({ id: hit.row.id, text: hit.row.text, at: hit.row.at, score: hit.score }));
    },
  };
}
