import type { ChatMessage, LanguageModel } from '@loci/core';
import { ContextOverflowError, countMessageTokens, countTokens, StoreError } from '@loci/core';
import type { AgentState } from './agent-state.js';
import { type RenderedContext, renderContext } from './main-context.js';
import { chooseEviction, type QueueLimits, queueLimits } from './queue-manager.js';
import { writeRecursiveSummary } from './recursive-summary.js';
import type { StepJournal } from './step-journal.js';
import { type StoredMessage, toChatMessage } from './stored-message.js';
import { createTokenMemo } from './token-memo.js';

/**
 * The main context of one agent: keeps the queue's messages, renders and measures the prompt, and
 * before each LLM call inserts the memory-pressure alert and evicts (with a recursive summary) until
 * the prompt fits.
 */
export interface ContextManager {
  /** Keeps a message the queue refers to (loaded at start, or recorded by a step). */
  remember(message: StoredMessage): void;
  /** Drops kept messages that left the state's queue (they stay in recall storage). */
  prune(state: AgentState): void;
  /** The state's queue as messages. */
  queued(state: AgentState): StoredMessage[];
  limits(state: AgentState): QueueLimits;
  /** Tokens of a text, cached (the big parts of the prompt repeat from call to call). */
  count(text: string): number;
  render(state: AgentState, recalled: string): RenderedContext;
  /** Renders the context for the next call of the step: memory-pressure alert, then eviction until it fits. */
  prepare(journal: StepJournal, recalled: string, signal?: AbortSignal): Promise<RenderedContext>;
}

export function createContextManager(options: {
  model: LanguageModel;
  /** Tokens of the function definitions sent with every call. */
  toolTokens: number;
  queue?: readonly StoredMessage[];
}): ContextManager {
  const { model, toolTokens } = options;
  const count = createTokenMemo();
  // Messages by id, for the queue: loaded once, then kept as the queue changes.
  const messages = new Map<string, StoredMessage>(options.queue?.map((message) => [message.id, message]));
  // Prompt form and tokens per message (stored messages never change); a truncated form per limit.
  const prompts = new Map<
    string,
    { message: ChatMessage; tokens: number; cut?: { limit: number; message: ChatMessage; tokens: number } }
  >();

  const windowOf = (state: AgentState) => state.config.contextWindow ?? model.contextWindow;
  const limitsOf = (state: AgentState): QueueLimits =>
    queueLimits({ ...state.config, contextWindow: windowOf(state) });

  function promptEntry(message: StoredMessage, limit: number): { message: ChatMessage; tokens: number } {
    let cached = prompts.get(message.id);
    if (!cached) {
      const chat = toChatMessage(message);
      cached = { message: chat, tokens: countMessageTokens(chat) };
      prompts.set(message.id, cached);
    }
    if (cached.tokens <= limit) return cached;
    if (cached.cut?.limit !== limit) {
      // Truncated for the prompt only; recall storage keeps the whole text.
      const chat = toChatMessage(message, limit);
      cached.cut = { limit, message: chat, tokens: countMessageTokens(chat) };
    }
    return cached.cut;
  }

  function queued(state: AgentState): StoredMessage[] {
    return state.queue.map((id) => {
      const message = messages.get(id);
      if (!message) throw new StoreError(`queued message ${id} is not loaded`);
      return message;
    });
  }

  function render(state: AgentState, recalled: string): RenderedContext {
    const limits = limitsOf(state);
    const parts = {
      instructions: state.instructions,
      blocks: state.blocks,
      summary: state.summary,
      summarizedCount: state.summarizedCount,
      recalled,
      recallCount: state.recallCount,
      archivalCount: state.archivalCount,
      now: new Date(),
      toolTokens,
    };
    // One message may take at most its share of the window, and never more than what the fixed parts leave.
    const fixed = renderContext({ ...parts, queue: [] }, count).tokens.total;
    const limit = Math.max(32, Math.min(limits.maxMessage, limits.flush - fixed - 8));
    return renderContext({ ...parts, queue: queued(state).map((m) => promptEntry(m, limit)) }, count);
  }

  /** Evicts the oldest part of the queue into the recursive summary; false when there is nothing to evict. */
  async function evict(journal: StepJournal, limits: QueueLimits, signal?: AbortSignal): Promise<boolean> {
    const { draft } = journal;
    const queue = queued(draft);
    const tokensOf = (message: StoredMessage) => promptEntry(message, limits.maxMessage).tokens;
    const evictCount = chooseEviction(
      queue.map((message) => ({ kind: message.kind, tokens: tokensOf(message) })),
      draft.config.evictFraction,
    );
    if (evictCount === 0) return false;
    // Evicted messages go to recall storage before they leave the context (written behind: reads
    // wait for them, and the step's state row carries them until they land).
    journal.handOver();
    const evicted = queue.slice(0, evictCount);
    const evictedTokens = evicted.reduce((sum, message) => sum + tokensOf(message), 0);
    draft.queue = draft.queue.slice(evictCount);
    draft.memoryPressureWarned = false;
    journal.emit({
      type: 'eviction',
      messages: evictCount,
      tokens: evictedTokens,
      remaining: draft.queue.length,
    });
    try {
      const { summary, usage } = await journal.timed(() =>
        writeRecursiveSummary({
          model,
          previousSummary: draft.summary,
          evicted,
          inputBudget: windowOf(draft) - draft.config.summaryMaxTokens - 64,
          maxSummaryTokens: draft.config.summaryMaxTokens,
          evictedTokens,
          ...(draft.config.temperature === undefined ? {} : { temperature: draft.config.temperature }),
          ...(signal === undefined ? {} : { signal }),
        }),
      );
      journal.addUsage(usage);
      draft.summary = summary;
      draft.summarizedCount += evictCount;
      journal.emit({ type: 'summary', ok: true, tokens: countTokens(summary), evicted: evictCount });
    } catch (error) {
      if (signal?.aborted) throw error;
      // The evicted messages stay in recall storage; the old summary is kept and the LLM is told where to look.
      draft.summarizedCount += evictCount;
      const first = evicted[0] as StoredMessage;
      const last = evicted[evicted.length - 1] as StoredMessage;
      const reason = (error as Error).message;
      journal.record({
        kind: 'system-alert',
        content:
          `Summarizing ${evictCount} evicted messages failed (${reason}). They are not in the summary but are all in recall storage, ` +
          `from ${first.at.toISOString()} to ${last.at.toISOString()}: use conversation_search_date or conversation_search to read them.`,
      });
      journal.emit({ type: 'summary', ok: false, tokens: 0, evicted: evictCount, error: reason });
    }
    return true;
  }

  async function prepare(
    journal: StepJournal,
    recalled: string,
    signal?: AbortSignal,
  ): Promise<RenderedContext> {
    const { draft } = journal;
    const limits = limitsOf(draft);
    let rendered = render(draft, recalled);
    if (rendered.tokens.total > limits.warning && !draft.memoryPressureWarned) {
      draft.memoryPressureWarned = true;
      journal.emit({ type: 'memory-pressure', tokens: rendered.tokens.total, limit: limits.flush });
      journal.record({
        kind: 'system-alert',
        content:
          `Memory pressure: the context holds ${rendered.tokens.total} of ${limits.flush} tokens. The oldest messages will soon be evicted ` +
          '(summarized, still searchable). Save anything important to core memory or archival memory now.',
      });
      rendered = render(draft, recalled);
    }
    const fixed = render({ ...draft, queue: [] }, recalled).tokens.total;
    if (fixed > limits.flush) throw overflow(fixed, limits.flush, 'without any message');
    for (let round = 0; rendered.tokens.total > limits.flush && round < 8; round++) {
      if (!(await evict(journal, limits, signal))) break;
      rendered = render(draft, recalled);
    }
    if (rendered.tokens.total > limits.flush)
      throw overflow(rendered.tokens.total, limits.flush, 'after eviction');
    return rendered;
  }

  return {
    remember(message) {
      messages.set(message.id, message);
    },
    prune(state) {
      const kept = new Set(state.queue);
      for (const id of messages.keys()) {
        if (!kept.has(id)) {
          messages.delete(id);
          prompts.delete(id);
        }
      }
    },
    queued,
    limits: limitsOf,
    count,
    render,
    prepare,
  };
}

function overflow(tokens: number, limit: number, when: string): ContextOverflowError {
  return new ContextOverflowError({
    tokens,
    limit,
    message:
      `the context needs ${tokens} tokens ${when} but the limit is ${limit}: shorten the core memory blocks, ` +
      'the system instructions or the recalled-memory budget, or use a model with a larger context window (contextWindow)',
  });
}
