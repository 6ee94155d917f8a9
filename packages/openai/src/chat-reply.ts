import { randomUUID } from 'node:crypto';
import {
  type ChatMessage,
  countMessagesTokens,
  countTokens,
  type FinishReason,
  ProviderError,
  type ToolCall,
  type Usage,
} from '@loci/core';
import { z } from 'zod';
import { excerpt } from './provider-error.js';

/**
 * The reply shapes Loci reads, validated rather than trusted: compatible servers differ in what
 * they omit (usage, ids) and some send tool arguments as objects instead of JSON text.
 */
const toolArgumentsSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).nullish();

const usageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
  })
  .nullish();

export const completionSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullish(),
          /** OpenAI's refusal text (structured outputs), sent instead of content. */
          refusal: z.string().nullish(),
          tool_calls: z
            .array(
              z.looseObject({
                id: z.string().nullish(),
                function: z.looseObject({ name: z.string(), arguments: toolArgumentsSchema }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: usageSchema,
});

export const chunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z
          .looseObject({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().min(0).optional(),
                  id: z.string().nullish(),
                  function: z
                    .looseObject({ name: z.string().nullish(), arguments: toolArgumentsSchema })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: usageSchema,
});

export type Completion = z.infer<typeof completionSchema>;
export type Chunk = z.infer<typeof chunkSchema>;

/** Parses a reply body, turning garbage into a `ProviderError` that quotes it. */
export function parseReplyBody<T extends z.ZodType>(schema: T, text: string, what: string): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProviderError(`${what}: the server's reply is not JSON: ${excerpt(text) || '(empty body)'}`, {
      code: 'invalid_reply',
      body: excerpt(text),
      cause: error,
    });
  }
  return parseReplyValue(schema, json, text, what);
}

export function parseReplyValue<T extends z.ZodType>(
  schema: T,
  json: unknown,
  text: string,
  what: string,
): z.output<T> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new ProviderError(
    `${what}: the server's reply has an unexpected shape (${detail}): ${excerpt(text)}`,
    {
      code: 'invalid_reply',
      body: excerpt(text),
    },
  );
}

export function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** Tool arguments as the raw text the core contract wants; objects (some servers) are re-encoded. */
export function argumentsText(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function toolCallsFromCompletion(message: Completion['choices'][number]['message']): ToolCall[] {
  return (message.tool_calls ?? []).map((call) => ({
    id: call.id ?? newToolCallId(),
    name: call.function.name,
    arguments: argumentsText(call.function.arguments),
  }));
}

/**
 * The server's usage when it sent one; otherwise a cl100k estimate, so token budgets keep working
 * against servers that report nothing.
 */
export function toUsage(
  usage: z.infer<typeof usageSchema>,
  messages: readonly ChatMessage[],
  content: string | null,
  toolCalls: readonly ToolCall[],
): Usage {
  const inputTokens = usage?.prompt_tokens ?? countMessagesTokens(messages);
  const outputTokens =
    usage?.completion_tokens ??
    countTokens(content ?? '') +
      toolCalls.reduce((sum, call) => sum + countTokens(call.name) + countTokens(call.arguments), 0);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}
