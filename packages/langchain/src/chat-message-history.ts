import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import {
  type BaseMessage,
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type StoredMessage,
} from '@langchain/core/messages';
import { defineTable, type MemoryStore, type MemoryTable, type RowOf, StoreError } from '@loci/core';
import { z } from 'zod';
import { messageText } from './message-text.js';

/** Constructor argument of `LociChatMessageHistory`. */
export interface LociChatMessageHistoryInput {
  store: MemoryStore;
  /** One conversation (session / thread); its Loci namespace. */
  namespace: string;
  /** Table name (default `chat_messages`). */
  tableName?: string;
}

function messagesTable(name: string) {
  return defineTable({
    name,
    schema: z.object({
      id: z.string(),
      seq: z.number().int(),
      type: z.string(),
      text: z.string(),
      at: z.date(),
      /** LangChain's own serialised form, so every message type round-trips exactly. */
      data: z.string(),
    }),
    fullText: ['text'],
  });
}

type MessageRow = RowOf<ReturnType<typeof messagesTable>>;
const page = 1000;

/**
 * A LangChain chat history kept in a Loci store: every message of a conversation, in order,
 * persisted (LanceDB on disk or object storage) and full-text searchable. Use it with
 * `RunnableWithMessageHistory`, one namespace per session.
 */
export class LociChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['loci', 'chat_history'];
  private readonly store: MemoryStore;
  private readonly namespace: string;
  private readonly tableName: string;
  private table: Promise<MemoryTable<MessageRow>> | undefined;
  /** Appends of this instance run one after another, so their order is the order of the calls. */
  private appending: Promise<unknown> = Promise.resolve();

  constructor(input: LociChatMessageHistoryInput) {
    super(input);
    if (typeof input.namespace !== 'string' || input.namespace.length === 0) {
      throw new TypeError('LociChatMessageHistory needs a non-empty namespace (one per conversation)');
    }
    this.store = input.store;
    this.namespace = input.namespace;
    this.tableName = input.tableName ?? 'chat_messages';
  }

  async getMessages(): Promise<BaseMessage[]> {
    const table = await this.open();
    const rows: MessageRow[] = [];
    for (let offset = 0; ; offset += page) {
      const batch = await table.query({
        namespace: this.namespace,
        orderBy: { field: 'seq', direction: 'asc' },
        limit: page,
        offset,
      });
      rows.push(...batch);
      if (batch.length < page) break;
    }
    return mapStoredMessagesToChatMessages(rows.map((row) => decode(row)));
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  override async addMessages(messages: BaseMessage[]): Promise<void> {
    const stored = mapChatMessagesToStoredMessages(messages);
    const run = this.appending.then(async () => {
      const table = await this.open();
      const [last] = await table.query({
        namespace: this.namespace,
        orderBy: { field: 'seq', direction: 'desc' },
        limit: 1,
      });
      const first = (last?.seq ?? -1) + 1;
      const at = new Date();
      await table.add({
        namespace: this.namespace,
        rows: stored.map((message, index) => ({
          id: crypto.randomUUID(),
          seq: first + index,
          type: message.type,
          text: messageText(messages[index] as BaseMessage),
          at,
          data: JSON.stringify(message),
        })),
      });
    });
    this.appending = run.catch(() => undefined);
    await run;
  }

  override async clear(): Promise<void> {
    const table = await this.open();
    await table.delete({ namespace: this.namespace, filter: { op: 'gte', field: 'seq', value: 0 } });
  }

  private open(): Promise<MemoryTable<MessageRow>> {
    this.table ??= this.store.openTable(messagesTable(this.tableName));
    this.table.catch(() => {
      this.table = undefined;
    });
    return this.table;
  }
}

function decode(row: MessageRow): StoredMessage {
  try {
    return JSON.parse(row.data) as StoredMessage;
  } catch (cause) {
    throw new StoreError(
      `chat message ${row.id} (seq ${row.seq}) is damaged: its stored JSON does not parse`,
      {
        code: 'chat_message_damaged',
        cause,
      },
    );
  }
}
