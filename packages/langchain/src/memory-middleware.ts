import { AIMessage, type BaseMessage, HumanMessage } from '@langchain/core/messages';
import type { Memory } from '@loci/core';
import { createMiddleware } from 'langchain';
import { messageText } from './message-text.js';
import { type MemoryRuntime, type NamespaceResolver, resolveNamespace } from './namespace-resolver.js';
import { renderRecalledBlock } from './recalled-block.js';

/** Options of `lociMemoryMiddleware`. */
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
 * message and adds the items (with the turn ids they came from) to the system message; after the model's
 * final reply it observes the user's message and that reply, so the memory learns as it goes.
 */
export function lociMemoryMiddleware(options: LociMemoryMiddlewareOptions) {
  const k = options.k ?? 8;
  const tokenBudget = options.tokenBudget ?? 1024;
  const userName = options.speakers?.user ?? 'user';
  const assistantName = options.speakers?.assistant ?? 'assistant';
  return createMiddleware({
    name: 'LociMemoryMiddleware',
    // Everything happens around the model call: before-/after-agent hooks only see the context keys of
    // a middleware's own context schema, and the namespace resolver needs the caller's whole context.
    wrapModelCall: async (request, handler) => {
      const query = latest(request.messages, HumanMessage.isInstance);
      if (query === undefined) return handler(request);
      const namespace = resolveNamespace(options.namespace, request.runtime as MemoryRuntime);
      const items = await options.memory.recall({ namespace, query: messageText(query), k, tokenBudget });
      const reply = await handler(
        items.length === 0
          ? request
          : { ...request, systemMessage: request.systemMessage.concat(renderRecalledBlock(items)) },
      );
      if (AIMessage.isInstance(reply) && (reply.tool_calls ?? []).length === 0) {
        await observeExchange(namespace, query, reply);
      }
      return reply;
    },
  });

  async function observeExchange(namespace: string, asked: BaseMessage, reply: AIMessage): Promise<void> {
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
  }
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

function turnId(message: BaseMessage): string {
  // LangGraph gives every message in the agent state an id; a message without one gets a fresh id.
  return message.id ?? crypto.randomUUID();
}
