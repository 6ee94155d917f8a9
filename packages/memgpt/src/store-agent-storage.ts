import type { EmbeddingModel, MemoryStore, MemoryTable, RowOf, ToolCall } from '@loci/core';
import { ConfigError, LociError, StoreError, symbolNeedle, textMayMatch, where } from '@loci/core';
import { z } from 'zod';
import { AgentLeaseLostError, AgentStateDamagedError } from './agent-errors.js';
import { type AgentLease, acquireLease, type LeaseOptions } from './agent-lease.js';
import { type AgentState, parseAgentState } from './agent-state.js';
import { type AgentStorage, agentNamespace } from './agent-storage.js';
import { createRecallSearchCache, defaultRecallIndexLimit } from './recall-text-index.js';
import type { MessageKind, StoredMessage } from './stored-message.js';
import { searchableText } from './stored-message.js';
import { agentsTable, archivalTable, leasesTable, messagesTable } from './tables.js';
import { createWriteBehind } from './write-behind.js';

type MessageRow = RowOf<typeof messagesTable>;
type ArchivalRow = RowOf<ReturnType<typeof archivalTable>>;
type StateRow = RowOf<typeof agentsTable>;

/** State versions kept per agent (older ones are pruned every `keepStates` saves). */
export const defaultKeepStates = 20;
/** At most one prune per this many milliseconds: a burst of steps prunes once, not every `keepStates` steps. */
const pruneEveryMs = 10_000;
const stateIdPattern = /@(\d+)(?:\.t(\d+))?$/;

/** The fencing token a state row was written under (0 for rows from before leases). */
function tokenOf(row: StateRow): number {
  return Number(stateIdPattern.exec(row.id)?.[2] ?? 0);
}

/**
 * The row that is the agent's state: the newest version among the rows of the highest token, so a
 * row a fenced-off writer slipped in after a take-over is never the state. Fails with
 * `agent_state_damaged` when versions have a gap or end before the version last recorded saved.
 */
function currentState(
  agentId: string,
  rows: readonly StateRow[],
  recordedVersion: number,
): StateRow | undefined {
  let best: StateRow | undefined;
  for (const row of rows) {
    if (
      !best ||
      tokenOf(row) > tokenOf(best) ||
      (tokenOf(row) === tokenOf(best) && row.version > best.version)
    )
      best = row;
  }
  // Rows above the accepted version carry a lower token: a fenced-off writer's, never part of the history.
  const accepted = rows.filter((row) => best && row.version <= best.version);
  const versions = [...new Set(accepted.map((row) => row.version))].sort((a, b) => b - a);
  const newest = versions[0] ?? -1;
  const gapAt = versions.findIndex((version, index) => index > 0 && versions[index - 1] !== version + 1);
  if (newest < recordedVersion || gapAt > 0) {
    throw new AgentStateDamagedError({
      agentId,
      versionsFound: versions,
      expectedVersion: recordedVersion,
      reason:
        newest < recordedVersion
          ? `the newest saved state is version ${newest}, but version ${recordedVersion} was saved`
          : `state version ${(versions[gapAt] ?? 0) + 1} is missing`,
    });
  }
  return best;
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

/**
 * The messages written together with a state version ride in its row (`journalTail`), encoded as
 * message rows with ISO times: a state is then never visible without them, even when the process
 * dies between the two writes, and a load writes those recall storage lacks.
 */
const journalTailSchema = z.array(messagesTable.schema.extend({ at: z.iso.datetime() }));

function stateJson(state: AgentState, tail: readonly StoredMessage[]): string {
  if (tail.length === 0) return JSON.stringify(state);
  const journalTail = tail.map((message) => ({ ...toRow(message), at: message.at.toISOString() }));
  return JSON.stringify({ ...state, journalTail });
}

/** The messages a state row carries; a damaged list is left out (the state itself still loads). */
function journalTailOf(json: string): StoredMessage[] {
  try {
    const parsed = journalTailSchema.safeParse(
      (JSON.parse(json) as { journalTail?: unknown }).journalTail ?? [],
    );
    return parsed.success ? parsed.data.map((row) => fromRow({ ...row, at: new Date(row.at) })) : [];
  } catch {
    return [];
  }
}

/** Agent storage on a `MemoryStore`: the tables of tables.ts, scoped by namespace. */
export async function openAgentStorage(options: {
  store: MemoryStore;
  embedder: EmbeddingModel;
  namespace: string;
  agentId: string;
  lease?: LeaseOptions | undefined;
  /** State versions kept (default 20). */
  keepStates?: number | undefined;
  /** Messages kept in memory for `conversation_search` (default 20,000; 0: search the store). */
  recallIndexLimit?: number | undefined;
}): Promise<AgentStorage> {
  const { store, embedder, namespace, agentId } = options;
  const keepStates = Math.max(2, options.keepStates ?? defaultKeepStates);
  const recallIndexLimit = options.recallIndexLimit ?? defaultRecallIndexLimit;
  if (!Number.isSafeInteger(recallIndexLimit) || recallIndexLimit < 0) {
    throw new ConfigError(`recallIndexLimit must be a whole number ≥ 0, got ${String(recallIndexLimit)}`, [
      { path: 'recallIndexLimit', message: 'expected an integer ≥ 0' },
    ]);
  }
  const ownNamespace = agentNamespace(namespace, agentId);
  let agents: MemoryTable<StateRow>;
  let messages: MemoryTable<MessageRow>;
  let archival: MemoryTable<ArchivalRow>;
  let leases: MemoryTable<RowOf<typeof leasesTable>>;
  try {
    [agents, messages, archival, leases] = await Promise.all([
      store.openTable(agentsTable),
      store.openTable(messagesTable),
      store.openTable(archivalTable(embedder.dimensions)),
      store.openTable(leasesTable),
    ]);
  } catch (error) {
    if (LociError.isInstance(error)) throw error;
    throw new StoreError(`cannot open the agent tables in ${store.uri}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const byTime = (start: Date, end: Date) => where.and(where.gte('at', start), where.lte('at', end));
  const lease: AgentLease = await acquireLease(
    leases,
    { namespace, agentId, tableNamespace: ownNamespace },
    options.lease,
  );
  const stateRows = () =>
    agents.query({
      namespace,
      filter: where.eq('agentId', agentId),
      orderBy: { field: 'version', direction: 'desc' },
      // Pruning keeps a few dozen; agents from before pruning may have many more, only the newest matter.
      limit: keepStates * 4,
    });
  const rowOf = (state: AgentState, tail: readonly StoredMessage[] = []): StateRow => ({
    id: `${state.id}@${state.stepCount}.t${lease.token}`,
    agentId: state.id,
    version: state.stepCount,
    state: stateJson(state, tail),
    updatedAt: new Date(),
  });
  const appendRows = (list: readonly StoredMessage[]) =>
    messages.add({ namespace: ownNamespace, rows: list.map(toRow) });
  // Fenced as a save is: appended later than its step, a batch must not land after a take-over.
  const behind = createWriteBehind(async (list) => {
    await lease.checkBeforeWrite();
    await appendRows(list);
  });
  const settled = behind.settled;

  /**
   * Writes the messages a state row carries that recall storage lacks (the process died before
   * their append landed). Once, at open: every later state row is this handle's, which carries
   * whatever it has not appended yet.
   */
  async function repairJournal(row: StateRow): Promise<void> {
    const tail = journalTailOf(row.state);
    if (tail.length === 0) return;
    const stored = new Set(
      (await messages.get({ namespace: ownNamespace, ids: tail.map((message) => message.id) })).map(
        (message) => message.id,
      ),
    );
    const missing = tail.filter((message) => !stored.has(message.id));
    if (missing.length > 0) await appendRows(missing);
  }

  try {
    // The newest state, copied under this holder's token: a row a fenced-off writer adds later
    // (with a lower token) can then never become the state, even before this holder saves a step.
    const newest = currentState(agentId, await stateRows(), lease.recordedVersion);
    if (newest) await repairJournal(newest);
    if (newest && tokenOf(newest) < lease.token) {
      await agents.add({ namespace, rows: [rowOf(parseAgentState(newest.state, agentId))] });
    }
  } catch (error) {
    await lease.release().catch(() => undefined);
    throw error;
  }

  // Every message there is: those stored (loaded in the background) and those handed over since.
  const recall = createRecallSearchCache({
    limit: recallIndexLimit,
    count: () => messages.count({ namespace: ownNamespace }),
    page: async (after, size) =>
      (
        await messages.query({
          namespace: ownNamespace,
          filter: where.gt('seq', after),
          orderBy: { field: 'seq', direction: 'asc' },
          limit: size,
        })
      ).map(fromRow),
  });
  const handOver = (list: readonly StoredMessage[], when: 'now' | 'soon') => {
    recall.add(list);
    behind[when](list);
  };

  // Pruning runs after the step returns, one at a time; a lease lost meanwhile is thrown by the
  // next save's check, and fencing does not depend on it (the check, and the token in every row).
  let afterSave: Promise<void> = Promise.resolve();
  let prunedAt = 0;
  async function prune(version: number): Promise<void> {
    await agents
      .delete({
        namespace,
        filter: where.and(where.eq('agentId', agentId), where.lte('version', version - keepStates)),
      })
      .catch(() => undefined);
  }

  return {
    namespace,
    agentNamespace: ownNamespace,
    async loadState(id) {
      const row = currentState(id, await stateRows(), lease.recordedVersion);
      return row ? parseAgentState(row.state, id) : undefined;
    },
    async saveState(state, written = []) {
      // Fenced: nothing is written once a later holder has the lease.
      await lease.checkBeforeWrite();

      // A new row per version (the previous state stays intact until this one is committed),
      // carrying every message not yet appended; the append runs behind, the save waits for the
      // state alone: one commit per step.
      const row = rowOf(state, [...behind.unconfirmed(), ...written]);
      handOver(written, 'soon');
      await agents.add({ namespace, rows: [row] });
      // The claim learns the version with its next renewal: gap detection may lag by seconds.
      lease.recordSaved(state.stepCount);
      // Pruned every `keepStates` versions (at most once per 10 s), so at least `keepStates` are kept.
      const version = state.stepCount;
      if (version % keepStates === 0 && version >= 2 * keepStates && Date.now() - prunedAt >= pruneEveryMs) {
        prunedAt = Date.now();
        afterSave = afterSave.then(() => prune(version));
      }
    },
    close: async () => {
      // The lease goes even when the last append fails: those messages are in the newest state
      // row, and the next open writes them. After a take-over nothing of this handle's may be
      // written, and there is nothing to report: the new holder's open wrote them.
      let failure: unknown;
      // No read of the store outlives the handle (the caller may close the store next).
      await recall.loaded;
      await settled().catch((error: unknown) => {
        if (!AgentLeaseLostError.isInstance(error)) failure = error;
      });
      await afterSave;
      await lease.release();
      if (failure !== undefined) throw failure;
    },
    handOverMessages(list) {
      // Mid-step (a round ended, or evicted messages): written at once, while the next LLM call runs.
      handOver(list, 'now');
    },
    async appendMessages(list) {
      handOver(list, 'now');
      // On failure they stay queued (and carried by the next state row); the caller learns of it.
      await settled();
    },
    async getMessages(ids) {
      if (ids.length === 0) return [];
      await settled();
      const rows = await messages.get({ namespace: ownNamespace, ids });
      const byId = new Map(rows.map((row) => [row.id, fromRow(row)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
    async lastSeq() {
      await settled();
      const [row] = await messages.query({
        namespace: ownNamespace,
        orderBy: { field: 'seq', direction: 'desc' },
        limit: 1,
      });
      return row?.seq ?? -1;
    },
    async searchMessages(text, limit) {
      const cached = recall.search(text, limit);
      if (cached) return cached;
      // Messages still being written are waited for when one of them could match.
      const needle = symbolNeedle(text);
      const mayMatch = needle === undefined ? textMayMatch(text) : (found: string) => found.includes(needle);
      if (behind.unconfirmed().some((message) => mayMatch(searchableText(message)))) await settled();
      const hits = await messages.search({ namespace: ownNamespace, mode: 'text', text, k: limit });
      return hits.map((hit) => fromRow(hit.row));
    },
    async messagesBetween(start, end, limit, offset) {
      await settled();
      const rows = await messages.query({
        namespace: ownNamespace,
        filter: byTime(start, end),
        orderBy: { field: 'seq', direction: 'asc' },
        limit,
        offset,
      });
      return rows.map(fromRow);
    },
    async countMessagesBetween(start, end) {
      await settled();
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
