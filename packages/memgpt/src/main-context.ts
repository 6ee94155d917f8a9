import type { ChatMessage, Recalled } from '@loci/core';
import { countMessagesTokens, countMessageTokens, countTokens } from '@loci/core';
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

/** The working-context part of the system message. */
export function renderWorkingContext(
  parts: Pick<ContextParts, 'blocks' | 'recallCount' | 'archivalCount' | 'now'>,
) {
  return (
    `### Memory [now: ${parts.now.toISOString()}]\n` +
    `${parts.recallCount} messages are in recall storage and ${parts.archivalCount} passages in archival storage (use the search functions to read them).\n\n` +
    `### Core memory\n${renderBlocks(parts.blocks)}`
  );
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

/** Recalled items with their provenance (the turn ids they came from). */
export function renderRecalled(items: readonly Recalled[]): string {
  if (items.length === 0) return '';
  const lines = items.map((item) => {
    const when = item.at ? `, ${item.at.toISOString().slice(0, 10)}` : '';
    return `- (${item.kind}, from turns ${item.sources.join(', ')}${when}) ${item.text}`;
  });
  return `### Recalled memory (found by memory systems for the latest message)\n${lines.join('\n')}`;
}

/**
 * The main context in MemGPT's order: system instructions and working context (one system message),
 * the FIFO queue with the summary in slot 0, then the recalled-memory section.
 */
export function renderContext(parts: ContextParts): RenderedContext {
  const working = renderWorkingContext(parts);
  const system: ChatMessage = { role: 'system', content: `${parts.instructions}\n\n${working}` };
  const messages: ChatMessage[] = [system];
  // countMessagesTokens adds the reply priming once; the queue's counts come from a cache.
  let total = countMessagesTokens([system]) + parts.toolTokens;
  const summary = renderSummary(parts.summary, parts.summarizedCount);
  if (summary !== undefined) {
    const message: ChatMessage = { role: 'user', content: summary };
    messages.push(message);
    total += countMessageTokens(message);
  }
  let queue = 0;
  for (const entry of parts.queue) {
    messages.push(entry.message);
    queue += entry.tokens;
  }
  total += queue;
  if (parts.recalled.length > 0) {
    const message: ChatMessage = { role: 'system', content: parts.recalled };
    messages.push(message);
    total += countMessageTokens(message);
  }
  const tokens: ContextTokens = {
    system: countTokens(parts.instructions),
    coreMemory: countTokens(working),
    summary: summary === undefined ? 0 : countTokens(summary),
    queue,
    recalled: countTokens(parts.recalled),
    tools: parts.toolTokens,
    total,
  };
  return { messages, tokens };
}
