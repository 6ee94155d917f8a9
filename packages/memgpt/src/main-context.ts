import type { ChatMessage, Recalled } from '@loci/core';
import { countTokens, fenceMemory } from '@loci/core';
import { type Block, renderBlocks } from './core-memory.js';

/** Tokens of each part of the main context, as counted for the queue manager. */
export interface ContextTokens {
  system: number;
  coreMemory: number;
  summary: number;
  queue: number;
  recalled: number;
  /** Function definitions sent with the call. */
  tools: number;
  /** Everything sent, framing included. */
  total: number;
}

/** The messages of one LLM call and their token counts by part. */
export interface RenderedContext {
  messages: ChatMessage[];
  tokens: ContextTokens;
}

export interface ContextParts {
  instructions: string;
  blocks: readonly Block[];
  summary: string;
  summarizedCount: number;
  /** Queue messages already in chat form, oldest first, with their token counts. */
  queue: readonly { message: ChatMessage; tokens: number }[];
  recalled: string;
  recallCount: number;
  archivalCount: number;
  now: Date;
  toolTokens: number;
}

/** The working-context part of the system message: a status line, then the core memory blocks. */
export function renderWorkingContext(
  parts: Pick<ContextParts, 'blocks' | 'recallCount' | 'archivalCount' | 'now'>,
) {
  return `${renderStatus(parts)}\n\n${renderCoreMemory(parts.blocks)}`;
}

function renderStatus(parts: Pick<ContextParts, 'recallCount' | 'archivalCount' | 'now'>): string {
  return (
    `### Memory [now: ${parts.now.toISOString()}]\n` +
    `${parts.recallCount} messages are in recall storage and ${parts.archivalCount} passages in archival storage (use the search functions to read them).`
  );
}

function renderCoreMemory(blocks: readonly Block[]): string {
  return `### Core memory\n${renderBlocks(blocks)}`;
}

/** Slot 0 of the queue: the recursive summary of every evicted message. */
export function renderSummary(summary: string, summarizedCount: number): string | undefined {
  if (summarizedCount === 0 && summary.length === 0) return undefined;
  return JSON.stringify({
    type: 'system_alert',
    message:
      `${summarizedCount} earlier messages were evicted from your context; all of them are in recall storage. ` +
      `Summary of them: ${summary.length > 0 ? summary : '(none)'}`,
  });
}

/** Recalled items with their provenance (the turn ids they came from), fenced as quoted data. */
export function renderRecalled(items: readonly Recalled[]): string {
  if (items.length === 0) return '';
  const lines = items.map((item) => {
    const when = item.at ? `, ${item.at.toISOString().slice(0, 10)}` : '';
    return `- (${item.kind}, from turns ${item.sources.join(', ')}${when}) ${item.text}`;
  });
  return `### Recalled memory (found by memory systems for the latest message)\n${fenceMemory('Recalled items', lines)}`;
}

/**
 * The main context in MemGPT's order: system instructions and working context (one system message),
 * the FIFO queue with the summary in slot 0, then the recalled-memory section.
 */
export function renderContext(
  parts: ContextParts,
  count: (text: string) => number = countTokens,
): RenderedContext {
  // Counted part by part so repeated parts hit the cache of `count`; each join may merge or split a
  // token at the seam, so every seam is charged one token, which keeps the sum an upper bound in practice.
  const status = renderStatus(parts);
  const core = renderCoreMemory(parts.blocks);
  const system: ChatMessage = { role: 'system', content: `${parts.instructions}\n\n${status}\n\n${core}` };
  const messages: ChatMessage[] = [system];
  const systemTokens = count(parts.instructions);
  const coreMemoryTokens = count(status) + count(core) + 4;
  let total = replyPriming + messageOverhead + systemTokens + coreMemoryTokens + parts.toolTokens;
  const summary = renderSummary(parts.summary, parts.summarizedCount);
  const summaryTokens = summary === undefined ? 0 : count(summary);
  if (summary !== undefined) {
    messages.push({ role: 'user', content: summary });
    total += messageOverhead + summaryTokens;
  }
  let queue = 0;
  for (const entry of parts.queue) {
    messages.push(entry.message);
    queue += entry.tokens;
  }
  total += queue;
  const recalledTokens = parts.recalled.length === 0 ? 0 : count(parts.recalled);
  if (parts.recalled.length > 0) {
    messages.push({ role: 'system', content: parts.recalled });
    total += messageOverhead + recalledTokens;
  }
  return {
    messages,
    tokens: {
      system: systemTokens,
      coreMemory: coreMemoryTokens,
      summary: summaryTokens,
      queue,
      recalled: recalledTokens,
      tools: parts.toolTokens,
      total,
    },
  };
}

/** As in core's countMessagesTokens: role and separators per message, and the reply's priming. */
const messageOverhead = 4;
const replyPriming = 3;
