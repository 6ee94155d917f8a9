import { tool } from '@langchain/core/tools';
import { fenceMemory } from '@loci/core';
import type { Agent, ArchivalPassage, Block, StoredMessage } from '@loci/memgpt';
import { z } from 'zod';

/** The parts of a MemGPT `Agent` the memory tools use (an agent from `createAgent` or `loadAgent`). */
export type MemGPTMemoryAgent = Pick<
  Agent,
  | 'id'
  | 'namespace'
  | 'insertArchival'
  | 'searchArchival'
  | 'searchRecall'
  | 'appendCoreMemory'
  | 'replaceCoreMemory'
>;

/** Options of `createMemGPTMemoryTools`. */
export interface MemGPTMemoryToolsOptions {
  /** Results per search unless the model asks for fewer or more (default 5, at most 20). */
  k?: number;
}

/** Where an archival passage came from, as a tool's artifact carries it. */
export interface ArchivalHit {
  agentId: string;
  namespace: string;
  passageId: string;
  text: string;
  /** ISO time the passage was stored. */
  at: string;
  score?: number;
}

/** Where a message of the agent's conversation came from, as a tool's artifact carries it. */
export interface ConversationHit {
  agentId: string;
  namespace: string;
  messageId: string;
  seq: number;
  kind: StoredMessage['kind'];
  speaker?: string;
  stepId: string;
  text: string;
  /** ISO time of the message. */
  at: string;
}

const label = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a block label is lower case: letters, digits and "_"')
  .describe('The core memory block to edit, e.g. "human" or "persona".');
const query = z.string().trim().min(1).max(2000);
const k = z.number().int().min(1).max(20).optional().describe('How many results to return (1-20).');

function archivalHit(agent: MemGPTMemoryAgent, passage: ArchivalPassage): ArchivalHit {
  return {
    agentId: agent.id,
    namespace: agent.namespace,
    passageId: passage.id,
    text: passage.text,
    at: passage.at.toISOString(),
    ...(passage.score === undefined ? {} : { score: passage.score }),
  };
}

function conversationHit(agent: MemGPTMemoryAgent, message: StoredMessage): ConversationHit {
  return {
    agentId: agent.id,
    namespace: agent.namespace,
    messageId: message.id,
    seq: message.seq,
    kind: message.kind,
    ...(message.speaker === undefined ? {} : { speaker: message.speaker }),
    stepId: message.stepId,
    text: message.content,
    at: message.at.toISOString(),
  };
}

function who(hit: ConversationHit): string {
  if (hit.kind === 'user') return hit.speaker ?? 'user';
  return hit.kind === 'system-alert' ? 'system' : hit.kind;
}

/** The hits for the model: each line names where it came from; the stored text is fenced as quoted data. */
function render<THit>(what: string, hits: readonly THit[], line: (hit: THit) => string): string {
  return hits.length === 0 ? `No ${what} matched.` : fenceMemory(what, hits.map(line));
}

function blockText(block: Block): string {
  return fenceMemory(`Block "${block.label}" (${block.value.length}/${block.limit} characters) now reads`, [
    block.value,
  ]);
}

/**
 * LangChain tools over a MemGPT agent's memory, for a LangChain agent (`createAgent`) that keeps its
 * long-term memory in a Loci MemGPT agent: `archival_memory_insert`, `archival_memory_search`,
 * `conversation_search`, `core_memory_append` and `core_memory_replace`. They call the agent's own
 * methods, so edits run the built-in functions' code, are saved through the agent's lease and wait
 * for a running step. Each answers the model with text (results fenced as quoted data, each naming
 * its passage or message id and time) and carries the same provenance as a structured artifact
 * (`ToolMessage.artifact`). Arguments that fail the schema, a missing block or text not found are
 * tool errors (`createAgent` shows them to the model) and write nothing.
 */
export function createMemGPTMemoryTools(agent: MemGPTMemoryAgent, options: MemGPTMemoryToolsOptions = {}) {
  const defaultK = options.k ?? 5;
  const archivalInsert = tool(
    async ({ content }) => {
      const { passage } = await agent.insertArchival(content);
      const hit = archivalHit(agent, passage);
      return [
        `Stored passage ${hit.passageId} in the archival memory of agent ${agent.id} at ${hit.at}.`,
        hit,
      ] as const;
    },
    {
      name: 'archival_memory_insert',
      description:
        'Stores a passage in long-term archival memory, an unbounded store searched by meaning. Write self-contained text.',
      schema: z.object({ content: z.string().min(1).max(20_000).describe('The passage to store.') }),
      responseFormat: 'content_and_artifact',
    },
  );
  const archivalSearch = tool(
    async ({ query: text, k: limit }) => {
      const hits = (await agent.searchArchival(text, limit ?? defaultK)).map((passage) =>
        archivalHit(agent, passage),
      );
      const content = render(
        'Archival passages',
        hits,
        (hit) => `[passage ${hit.passageId}, stored ${hit.at}] ${hit.text}`,
      );
      return [content, hits] as const;
    },
    {
      name: 'archival_memory_search',
      description: 'Searches archival memory by meaning and by words; best matches first.',
      schema: z.object({ query: query.describe('What to look for.'), k }),
      responseFormat: 'content_and_artifact',
    },
  );
  const conversationSearch = tool(
    async ({ query: text, k: limit }) => {
      const hits = (await agent.searchRecall(text, limit ?? defaultK)).map((message) =>
        conversationHit(agent, message),
      );
      const content = render(
        'Past messages',
        hits,
        (hit) => `[message ${hit.messageId}, ${hit.at}] ${who(hit)}: ${hit.text}`,
      );
      return [content, hits] as const;
    },
    {
      name: 'conversation_search',
      description:
        'Searches the whole past conversation of the agent (every message, including those no longer in context) by words.',
      schema: z.object({ query: query.describe('Words to look for.'), k }),
      responseFormat: 'content_and_artifact',
    },
  );
  const coreAppend = tool(
    async ({ label: blockLabel, content }) => {
      const { message, block } = await agent.appendCoreMemory(blockLabel, content);
      return [`${message}\n${blockText(block)}`, block] as const;
    },
    {
      name: 'core_memory_append',
      description:
        'Appends text to a core memory block (on a new line): the short, always-present facts about the user and yourself.',
      schema: z.object({ label, content: z.string().min(1).describe('Text to append.') }),
      responseFormat: 'content_and_artifact',
    },
  );
  const coreReplace = tool(
    async ({ label: blockLabel, old_content, new_content }) => {
      const { message, block } = await agent.replaceCoreMemory(blockLabel, old_content, new_content);
      return [`${message}\n${blockText(block)}`, block] as const;
    },
    {
      name: 'core_memory_replace',
      description:
        'Replaces the exact text old_content in a core memory block with new_content. An empty new_content deletes old_content.',
      schema: z.object({
        label,
        old_content: z.string().min(1).describe('Text to replace; must match the block exactly.'),
        new_content: z.string().describe('Replacement text; empty to delete.'),
      }),
      responseFormat: 'content_and_artifact',
    },
  );
  return [archivalInsert, archivalSearch, conversationSearch, coreAppend, coreReplace] as const;
}
