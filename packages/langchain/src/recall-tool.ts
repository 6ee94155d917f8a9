import { tool } from '@langchain/core/tools';
import type { Memory } from '@loci/core';
import { z } from 'zod';
import { type MemoryRuntime, type NamespaceResolver, resolveNamespace } from './namespace-resolver.js';
import { renderRecalledBlock } from './recalled-block.js';

/** Options of `createRecallTool`; `tokenBudget` goes to `Memory.recall`. */
export interface RecallToolOptions {
  memory: Memory;
  namespace: NamespaceResolver;
  /** Tool name the model sees (default `recall_memory`). */
  name?: string;
  /** Items per call unless the model asks for fewer or more (default 5, at most 20). */
  k?: number;
  tokenBudget?: number;
}

const recallArguments = z.object({
  query: z.string().trim().min(1).max(2000).describe('What to remember: a question or a few key words.'),
  k: z.number().int().min(1).max(20).optional().describe('How many memories to return (1-20).'),
});

/**
 * A LangChain tool that lets the model search a Loci `Memory` itself. It answers with the recalled
 * items, fenced as quoted data, each naming the turns it came from.
 */
export function createRecallTool(options: RecallToolOptions) {
  return tool(
    async ({ query, k }, config) => {
      const namespace = resolveNamespace(options.namespace, config as MemoryRuntime);
      const items = await options.memory.recall({
        namespace,
        query,
        k: k ?? options.k ?? 5,
        ...(options.tokenBudget === undefined ? {} : { tokenBudget: options.tokenBudget }),
      });
      return items.length === 0 ? 'No memories matched.' : renderRecalledBlock(items);
    },
    {
      name: options.name ?? 'recall_memory',
      description:
        'Search long-term memory of earlier conversations with this user. Use it when the answer may be something the user said before.',
      schema: recallArguments,
    },
  );
}
