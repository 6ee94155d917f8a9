import type { ChatMessage, LanguageModel, Usage } from '@loci/core';
import { countTokens, truncateToTokens } from '@loci/core';
import { describeMessage, type StoredMessage } from './stored-message.js';

const summaryInstructions =
  'You maintain the running summary of a conversation between an AI assistant and a user, written from the ' +
  "assistant's point of view. Messages are being evicted from the assistant's limited context. Write a new summary " +
  'that merges the previous summary with the evicted messages: keep facts about the user, commitments, decisions, ' +
  'names and dates; drop chit-chat. Reply with the summary text only, no preamble.';

/**
 * The prompt of one summary call: the old summary plus the evicted messages, cut to `inputBudget`
 * tokens (each message first cut to a fair share, so one huge message cannot crowd out the rest).
 */
export function buildSummaryPrompt(options: {
  previousSummary: string;
  evicted: readonly StoredMessage[];
  inputBudget: number;
  maxSummaryTokens: number;
  /** Prompt tokens of the evicted messages when the caller knows them: spares tokenizing when all fit. */
  evictedTokens?: number;
}): ChatMessage[] {
  const { previousSummary, evicted } = options;
  const fixed = countTokens(summaryInstructions) + countTokens(previousSummary) + 64;
  const budget = Math.max(64, options.inputBudget - fixed);
  const lines = evicted.map(describeMessage);
  // A line is its message plus a timestamp and a speaker (under 24 tokens).
  const fits = options.evictedTokens !== undefined && options.evictedTokens + 24 * evicted.length <= budget;
  const share = Math.max(32, Math.floor(budget / Math.max(1, evicted.length)));
  const transcript = fits
    ? lines.join('\n')
    : truncateToTokens(lines.map((line) => truncateToTokens(line, share)).join('\n'), budget);
  return [
    { role: 'system', content: summaryInstructions },
    {
      role: 'user',
      content:
        `Previous summary:\n${previousSummary.length > 0 ? previousSummary : '(none yet)'}\n\n` +
        `Evicted messages (oldest first):\n${transcript}\n\n` +
        `Write the new summary in at most ${Math.floor(options.maxSummaryTokens * 0.7)} words.`,
    },
  ];
}

/** One LLM call: old summary + evicted messages → new summary, bounded by `maxSummaryTokens`. */
export async function writeRecursiveSummary(options: {
  model: LanguageModel;
  previousSummary: string;
  evicted: readonly StoredMessage[];
  inputBudget: number;
  maxSummaryTokens: number;
  evictedTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}): Promise<{ summary: string; usage: Usage }> {
  const messages = buildSummaryPrompt(options);
  const result = await options.model.generate({
    messages,
    maxTokens: options.maxSummaryTokens,
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = (result.message.content ?? '').trim();
  if (text.length === 0) throw new Error('the summary call returned no text');
  // Models do not always honour maxTokens; the bound is enforced here.
  return { summary: truncateToTokens(text, options.maxSummaryTokens), usage: result.usage };
}
