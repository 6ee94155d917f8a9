import type { EmbeddingModel, MemoryStore, MemoryTable, RowOf, ToolCall } from '@loci/core';
import { ConfigError, LociError, StoreError, where } from '@loci/core';
import { z } from 'zod';
import { type AgentState, parseAgentState } from './agent-state.js';
import type { MessageKind, StoredMessage } from './stored-message.js';
import { searchableText } from './stored-message.js';
import { agentsTable, archivalTable, messagesTable } from './tables.js';

type MessageRow = RowOf<typeof messagesTable>;
type ArchivalRow = RowOf<ReturnType<typeof archivalTable>>;

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/** Checks an agent id or namespace before it reaches the store, naming what is wrong. */
export function checkName(value: string, what: 'agent id' | 'namespace'): string {
  if (!idPattern.test(value)) {
    throw new ConfigError(
      `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: use 1-128 letters, digits, "_", ".", "@" or "-", starting with a letter or digit`,
      [{ path: what === 'agent id' ? 'id' : 'namespace', message: 'invalid characters' }],
    );
  }
  return value;
}

/** The store namespace of one agent's recall and archival storage: no other agent or user can reach it. */
export function agentNamespace(namespace: string, agentId: string): string {
  // "#" is not allowed in either part, so two (namespace, id) pairs never share a namespace.
  return `${namespace}#${agentId}`;
}

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

export interface ArchivalPassage {
  id: string;
  text: string;
  at: Date;
  score?: number;
}

/** The agent's tables, every call scoped to the agent's own namespace. */
export interface AgentStorage {
  readonly namespace: string;
  readonly agentNamespace: string;
  loadState(agentId: string): Promise<AgentState | undefined>;
  saveState(state: AgentState): Promise<void>;
  appendMessages(messages: readonly StoredMessage[]): Promise<void>;
  getMessages(ids: readonly string[]): Promise<StoredMessage[]>;
  /** Highest seq stored, or -1. */
  lastSeq(): Promise<number>;
  searchMessages(text: string, limit: number): Promise<StoredMessage[]>;
  messagesBetween(start: Date, end: Date, limit: number, offset: number): Promise<StoredMessage[]>;
  countMessagesBetween(start: Date, end: Date): Promise<number>;
  insertPassage(text: string, at: Date): Promise<string>;
  /** Compacts the agent tables and brings their indexes up to date (LanceDB optimize). */
  optimize(): Promise<void>;
  searchPassages(query: string, limit: number): Promise<ArchivalPassage[]>;
}

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
    async optimize() {
      await messages.optimize();
      await agents.optimize();
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
