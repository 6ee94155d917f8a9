import { type AgentState, cloneState } from '../agent-state.js';
import { type AgentStorage, type ArchivalPassage, agentNamespace } from '../agent-storage.js';
import { type StoredMessage, searchableText } from '../stored-message.js';

const words = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);

/** Best first by how many query words a text holds; texts holding none are left out. */
function rankByWords<T>(items: readonly T[], query: string, text: (item: T) => string, limit: number): T[] {
  const wanted = [...words(query)];
  return items
    .map((item, index) => {
      const have = words(text(item));
      return { item, index, score: wanted.filter((word) => have.has(word)).length };
    })
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((entry) => entry.item);
}

/**
 * Agent storage in plain arrays, for unit tests: states by version, messages, passages. Text search
 * ranks by shared words; archival search has no vectors (words only). `failNextAppends` makes the
 * next appends throw, to test that no message is lost; a save whose append fails keeps the
 * messages for the next write, as the store-backed storage does.
 */
export function createInMemoryAgentStorage(namespace = 'user', agentId = 'agent') {
  const states: AgentState[] = [];
  const messages: StoredMessage[] = [];
  const passages: ArchivalPassage[] = [];
  let failures = 0;
  // Messages a saved state carries whose append failed (as the store-backed storage keeps them).
  let unjournaled: StoredMessage[] = [];
  const append = (list: readonly StoredMessage[]) => {
    if (list.length === 0) return;
    if (failures > 0) {
      failures--;
      throw new Error('recall storage is unavailable');
    }
    messages.push(...list);
  };
  const inRange = (message: StoredMessage, start: Date, end: Date) =>
    message.at >= start && message.at <= end;
  const storage: AgentStorage & {
    states: AgentState[];
    messages: StoredMessage[];
    passages: ArchivalPassage[];
    failNextAppends(count: number): void;
  } = {
    namespace,
    agentNamespace: agentNamespace(namespace, agentId),
    states,
    messages,
    passages,
    failNextAppends(count) {
      failures = count;
    },
    async loadState(id) {
      const saved = states.filter((state) => state.id === id).at(-1);
      return saved && cloneState(saved);
    },
    async saveState(state, written = []) {
      states.push(cloneState(state));
      storage.handOverMessages(written);
    },
    async close() {},
    handOverMessages(list) {
      // Written at once here; a failed write keeps them for the next one, as behind a real store.
      const carried = [...unjournaled, ...list];
      try {
        append(carried);
        unjournaled = [];
      } catch {
        unjournaled = carried;
      }
    },
    async appendMessages(list) {
      append([...unjournaled, ...list]);
      unjournaled = [];
    },
    async getMessages(ids) {
      return ids.flatMap((id) => messages.find((message) => message.id === id) ?? []);
    },
    async lastSeq() {
      return Math.max(-1, ...messages.map((message) => message.seq));
    },
    async searchMessages(text, limit) {
      return rankByWords(messages, text, searchableText, limit);
    },
    async messagesBetween(start, end, limit, offset) {
      return messages
        .filter((message) => inRange(message, start, end))
        .sort((a, b) => a.seq - b.seq)
        .slice(offset, offset + limit);
    },
    async countMessagesBetween(start, end) {
      return messages.filter((message) => inRange(message, start, end)).length;
    },
    async insertPassage(text, at) {
      const id = `passage-${passages.length + 1}`;
      passages.push({ id, text, at });
      return id;
    },
    async searchPassages(query, limit) {
      return rankByWords(passages, query, (passage) => passage.text, limit);
    },
  };
  return storage;
}

export const fakeEmbedder = { provider: 'fake', modelId: 'fake-embed', dimensions: 8 };
