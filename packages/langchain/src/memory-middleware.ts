import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import type { Memory } from '@loci/core';
import { createMiddleware } from 'langchain';
import { messageText } from './message-text.js';
import { type MemoryRuntime, type NamespaceResolver, resolveNamespace } from './namespace-resolver.js';
import { renderRecalledBlock } from './recalled-block.js';

export interface LociMemoryMiddlewareOptions {
  /** Any Loci memory: the default (LongMem) memory, TiM, FoT, or your own. */
  memory: Memory;
  /** The Loci namespace (user / agent / thread), fixed or picked per run from the runtime. */
  namespace: NamespaceResolver;
  /** Items recalled before each model call (default 8). */
  k?: number;
  /** Token budget for the recalled items (default 1,024). */
  tokenBudget?: number;
  /** Speaker names stored with the observed turns (default "user" and "assistant"). */
  speakers?: { user?: string; assistant?: string };
}

/**
 * `createAgent` middleware: before each model call it recalls from a Loci `Memory` for the latest user
 * message and adds the items (with the turn ids they came from) to the system message; after each
 * exchange it observes the user's message and the final reply, so the memory learns as it goes.
 */
export function lociMemoryMiddleware(options: LociMemoryMiddlewareOptions) {
  const k = options.k ?? 8;
  const tokenBudget = options.tokenBudget ?? 1024;
  const userName = options.speakers?.user ?? 'user';
  const assistantName = options.speakers?.assistant ?? 'assistant';
  return createMiddleware({
    name: 'LociMemoryMiddleware',
    wrapModelCall: async (request, handler) => {
      const query = latest(request.messages, HumanMessage.isInstance);
      if (query === undefined) return handler(request);
      const namespace = resolveNamespace(options.namespace, request.runtime as MemoryRuntime);
      const items = await options.memory.recall({ namespace, query: messageText(query), k, tokenBudget });
      if (items.length === 0) return handler(request);
      return handler({ ...request, systemMessage: request.systemMessage.concat(renderRecalledBlock(items)) });
    },
    afterAgent: async (state, runtime) => {
      const reply = latest(
        state.messages,
        (message) => AIMessage.isInstance(message) && (message.tool_calls ?? []).length === 0,
      );
      const asked =
        reply === undefined ? undefined : latestBefore(state.messages, reply, HumanMessage.isInstance);
      if (reply === undefined || asked === undefined) return;
      const namespace = resolveNamespace(options.namespace, runtime as MemoryRuntime);
      const at = new Date();
      for (const [message, speaker] of [
        [asked, userName],
        [reply, assistantName],
      ] as const) {
        const text = messageText(message);
        if (text.trim().length === 0) continue;
        await options.memory.observe({
          namespace,
          event: { type: 'turn', id: turnId(message), speaker, text, at },
        });
      }
      await options.memory.flush?.();
    },
  });
}

function latest(
  messages: readonly BaseMessage[],
  test: (message: BaseMessage) => boolean,
): BaseMessage | undefined {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as BaseMessage;
    if (test(message)) return message;
  }
  return undefined;
}

function latestBefore(
  messages: readonly BaseMessage[],
  anchor: BaseMessage,
  test: (message: BaseMessage) => boolean,
) {
  return latest(messages.slice(0, messages.indexOf(anchor)), test);
}

function turnId(message: BaseMessage): string {
  // LangGraph gives every message in the agent state an id; a message without one gets a fresh id.
  return message.id ?? crypto.randomUUID();
}
