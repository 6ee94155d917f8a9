import { fenceMemory } from '@loci/core';
import { z } from 'zod';
import { type AgentTool, defineAgentTool } from './agent-tool.js';
import { appendToBlock, replaceInBlock } from './core-memory.js';
import { describeMessage } from './stored-message.js';

const page = z
  .number()
  .int()
  .min(0)
  .max(1000)
  .optional()
  .describe('Page of results, 0 for the first (default 0).');

function pageHeader(first: number, count: number, total: number | undefined, pageNumber: number): string {
  if (count === 0) return pageNumber === 0 ? 'No results found.' : `No results on page ${pageNumber}.`;
  const of = total === undefined ? '' : ` of ${total}`;
  return `Showing results ${first + 1}-${first + count}${of} (page ${pageNumber}):`;
}

export const sendMessage = defineAgentTool({
  definition: {
    name: 'send_message',
    description:
      'Sends a message to the user. This is the only way the user sees anything from you; your plain content is private inner monologue.',
    parameters: z.object({
      message: z.string().min(1).describe('The message text. All Unicode (including emojis) is allowed.'),
    }),
  },
  heartbeatByDefault: false,
  run(args, context) {
    context.sendMessage(args.message);
    return 'Message sent.';
  },
});

export const coreMemoryAppend = defineAgentTool({
  definition: {
    name: 'core_memory_append',
    description:
      'Appends text to a core memory block (on a new line). Core memory is always in your context.',
    parameters: z.object({
      label: z.string().describe('The block to edit, e.g. "human" or "persona".'),
      content: z.string().min(1).describe('Text to append.'),
    }),
  },
  run(args, context) {
    context.setBlocks(appendToBlock(context.blocks(), args.label, args.content));
    return `Appended to block "${args.label}".`;
  },
});

export const coreMemoryReplace = defineAgentTool({
  definition: {
    name: 'core_memory_replace',
    description:
      'Replaces the exact text old_content in a core memory block with new_content. An empty new_content deletes old_content.',
    parameters: z.object({
      label: z.string().describe('The block to edit, e.g. "human" or "persona".'),
      old_content: z.string().min(1).describe('Text to replace; must match the block exactly.'),
      new_content: z.string().describe('Replacement text; empty to delete.'),
    }),
  },
  run(args, context) {
    context.setBlocks(replaceInBlock(context.blocks(), args.label, args.old_content, args.new_content));
    return `Replaced text in block "${args.label}".`;
  },
});

export const archivalMemoryInsert = defineAgentTool({
  definition: {
    name: 'archival_memory_insert',
    description:
      'Stores a passage in archival memory, an unbounded store searched by meaning. Write self-contained text.',
    parameters: z.object({ content: z.string().min(1).describe('The passage to store.') }),
  },
  async run(args, context) {
    const id = await context.archivalInsert(args.content);
    return `Stored passage ${id} in archival memory.`;
  },
});

/** One page of a ranked search: asks for every hit up to the page's end and shows the page's slice. */
async function searchPage<THit>(
  pageNumber: number,
  pageSize: number,
  search: (limit: number) => Promise<THit[]>,
  render: (hit: THit) => string,
): Promise<string> {
  const first = pageNumber * pageSize;
  const shown = (await search(first + pageSize)).slice(first, first + pageSize);
  return withResults(pageHeader(first, shown.length, undefined, pageNumber), shown.map(render));
}

/** The page header, then the stored texts fenced as quoted data (they come from users and the LLM). */
function withResults(header: string, lines: readonly string[]): string {
  return lines.length === 0 ? header : `${header}\n${fenceMemory('Stored texts', lines)}`;
}

export const archivalMemorySearch = defineAgentTool({
  definition: {
    name: 'archival_memory_search',
    description: 'Searches archival memory by meaning and by words. Results are paged.',
    parameters: z.object({
      query: z.string().min(1).describe('What to look for.'),
      page,
    }),
  },
  async run(args, context) {
    return searchPage(
      args.page ?? 0,
      context.pageSize,
      (limit) => context.archivalSearch(args.query, limit),
      (hit) => `- [${hit.at.toISOString()}] ${hit.text}`,
    );
  },
});

export const conversationSearch = defineAgentTool({
  definition: {
    name: 'conversation_search',
    description:
      'Searches the whole past conversation (recall storage, including messages no longer in context) by words. Results are paged.',
    parameters: z.object({
      query: z.string().min(1).describe('Words to look for.'),
      page,
    }),
  },
  async run(args, context) {
    return searchPage(
      args.page ?? 0,
      context.pageSize,
      (limit) => context.recallSearch(args.query, limit),
      describeMessage,
    );
  },
});

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const dateArgument = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), 'expected a date like 2024-05-07 or an ISO time');

function parseBound(text: string, end: boolean): Date {
  // A bare day means the whole day: start at 00:00, end at 23:59:59.999 (UTC).
  if (dayPattern.test(text)) return new Date(`${text}T${end ? '23:59:59.999' : '00:00:00.000'}Z`);
  return new Date(text);
}

export const conversationSearchDate = defineAgentTool({
  definition: {
    name: 'conversation_search_date',
    description:
      'Lists past messages between two dates (inclusive), oldest first. Dates are YYYY-MM-DD (UTC) or ISO times. Results are paged.',
    parameters: z.object({
      start_date: dateArgument.describe('Start, e.g. 2024-05-07.'),
      end_date: dateArgument.describe('End, inclusive, e.g. 2024-05-09.'),
      page,
    }),
  },
  async run(args, context) {
    const start = parseBound(args.start_date, false);
    const end = parseBound(args.end_date, true);
    if (start > end) throw new Error(`start_date ${args.start_date} is after end_date ${args.end_date}`);
    const pageNumber = args.page ?? 0;
    const first = pageNumber * context.pageSize;
    const shown = await context.recallBetween(start, end, context.pageSize, first);
    const total = await context.recallCountBetween(start, end);
    return withResults(pageHeader(first, shown.length, total, pageNumber), shown.map(describeMessage));
  },
});

export const pauseHeartbeats = defineAgentTool({
  definition: {
    name: 'pause_heartbeats',
    description: 'Pauses timed heartbeats for a number of minutes and ends the current chain of calls.',
    parameters: z.object({
      minutes: z.number().int().min(1).max(360).describe('How long to pause, at most 360.'),
    }),
  },
  heartbeatByDefault: false,
  run(args, context) {
    const until = new Date(context.at.getTime() + args.minutes * 60_000);
    context.pauseHeartbeats(until);
    return `Heartbeats paused until ${until.toISOString()}.`;
  },
});

export const builtinFunctions: readonly AgentTool[] = [
  sendMessage,
  coreMemoryAppend,
  coreMemoryReplace,
  archivalMemoryInsert,
  archivalMemorySearch,
  conversationSearch,
  conversationSearchDate,
  pauseHeartbeats,
] as unknown as readonly AgentTool[];
