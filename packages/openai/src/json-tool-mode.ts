import {
  type ChatMessage,
  type GenerateOptions,
  ProviderError,
  type ToolCall,
  toJsonSchema,
} from '@loci/core';
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import { argumentsText, newToolCallId } from './chat-reply.js';
import { type RequestSettings, samplingParams, toOpenAIMessages } from './chat-request.js';
import { excerpt } from './provider-error.js';
import { parseModelJson, parseResponseObject, readResponseObject } from './response-object.js';

/**
 * Tool calling for servers without it: the tools are described in the system prompt, the server is
 * asked for a JSON object (`response_format: json_object`), and that object is read back into
 * tool calls. The agent sees the same `GenerateResult` as with native tool calling.
 */

const envelopeSchema = z.looseObject({
  tool_calls: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
      }),
    )
    .optional(),
  content: z.unknown().optional(),
});

export interface JsonModeReply {
  content: string | null;
  toolCalls: ToolCall[];
  object?: unknown;
}

function toolsActive(options: GenerateOptions): boolean {
  return (options.tools ?? []).length > 0 && options.toolChoice !== 'none';
}

function describeTools(options: GenerateOptions): string {
  const lines = [
    'You can call tools. Reply with exactly one JSON object and nothing else:',
    '- to call tools: {"tool_calls": [{"name": "<tool name>", "arguments": {<arguments matching the tool schema>}}]}',
    options.responseSchema === undefined
      ? '- to reply without a tool: {"content": "<your reply>"}'
      : `- to reply without a tool: {"content": <a JSON value matching this schema: ${JSON.stringify(toJsonSchema(options.responseSchema))}>}`,
  ];
  const choice = options.toolChoice;
  if (choice === 'required') lines.push('You must call at least one tool.');
  else if (typeof choice === 'object') lines.push(`You must call the tool "${choice.name}".`);
  lines.push('', 'Tools:');
  for (const tool of options.tools ?? []) {
    lines.push(
      `- ${tool.name}: ${tool.description}`,
      `  arguments schema: ${JSON.stringify(toJsonSchema(tool.parameters))}`,
    );
  }
  return lines.join('\n');
}

function describeSchema(schema: z.ZodType): string {
  return `Reply with exactly one JSON object and nothing else, matching this JSON schema: ${JSON.stringify(toJsonSchema(schema))}`;
}

/** Earlier tool calls and results, rewritten as plain messages a server without tool roles accepts. */
function toPlainMessages(messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  const toolNames = new Map<string, string>();
  const out: ChatCompletionMessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'assistant' && (message.toolCalls ?? []).length > 0) {
      const toolCalls = message.toolCalls ?? [];
      for (const call of toolCalls) toolNames.set(call.id, call.name);
      const envelope: Record<string, unknown> = {
        tool_calls: toolCalls.map((call) => ({ name: call.name, arguments: jsonOrText(call.arguments) })),
      };
      if (message.content) envelope['content'] = message.content;
      out.push({ role: 'assistant', content: JSON.stringify(envelope) });
    } else if (message.role === 'tool') {
      const name = message.name ?? toolNames.get(message.toolCallId) ?? 'unknown';
      out.push({
        role: 'user',
        content: `Result of tool "${name}" (call ${message.toolCallId}):\n${message.content}`,
      });
    } else {
      out.push(...toOpenAIMessages([message]));
    }
  }
  return out;
}

/** Arguments go back to the model as the object it wrote, or as the raw text when that was not JSON. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function withInstruction(
  messages: ChatCompletionMessageParam[],
  instruction: string,
): ChatCompletionMessageParam[] {
  const [first, ...rest] = messages;
  if (first?.role === 'system' && typeof first.content === 'string') {
    return [{ role: 'system', content: `${first.content}\n\n${instruction}` }, ...rest];
  }
  return [{ role: 'system', content: instruction }, ...messages];
}

export function jsonModeRequest(
  options: GenerateOptions,
  settings: RequestSettings,
): ChatCompletionCreateParamsBase {
  const messages = toPlainMessages(options.messages);
  const params: ChatCompletionCreateParamsBase = {
    model: settings.model,
    messages,
    ...samplingParams(options, settings),
  };
  if (toolsActive(options)) {
    params.messages = withInstruction(messages, describeTools(options));
    params.response_format = { type: 'json_object' };
  } else if (options.responseSchema !== undefined) {
    params.messages = withInstruction(messages, describeSchema(options.responseSchema));
    params.response_format = { type: 'json_object' };
  }
  return params;
}

/** Reads a JSON-mode reply. Native tool calls (a server that supports them after all) are kept as they are. */
export function readJsonModeReply(
  options: GenerateOptions,
  content: string | null,
  nativeToolCalls: ToolCall[],
  truncated: boolean,
): JsonModeReply {
  if (nativeToolCalls.length > 0 || !toolsActive(options)) {
    const reply: JsonModeReply = { content, toolCalls: nativeToolCalls };
    if (options.responseSchema !== undefined && nativeToolCalls.length === 0) {
      reply.object = readResponseObject(content, options.responseSchema, truncated);
    }
    return reply;
  }
  const text = content ?? '';
  const parsed = parseModelJson(text);
  if (parsed === undefined) {
    throw new ProviderError(
      `JSON tool mode: the model's reply is not JSON${truncated ? ' (cut off at maxTokens)' : ''}; expected {"tool_calls": [...]} or {"content": ...}: ${excerpt(text) || '(empty reply)'}`,
      { code: 'invalid_json_reply', body: excerpt(text) },
    );
  }
  const envelope = envelopeSchema.safeParse(parsed.value);
  const hasKey =
    envelope.success && (envelope.data.tool_calls !== undefined || envelope.data.content !== undefined);
  if (!envelope.success || !hasKey) {
    const detail = envelope.success
      ? 'neither "tool_calls" nor "content" is present'
      : envelope.error.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ');
    throw new ProviderError(
      `JSON tool mode: the model's reply is JSON but not the expected {"tool_calls": [...]} or {"content": ...} (${detail}): ${excerpt(text)}`,
      { code: 'invalid_json_reply', body: excerpt(text) },
    );
  }
  const toolCalls = (envelope.data.tool_calls ?? []).map((call) => ({
    id: newToolCallId(),
    name: call.name,
    arguments: call.arguments === undefined ? '{}' : argumentsText(call.arguments),
  }));
  const value = envelope.data.content;
  const replyContent =
    value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);
  const reply: JsonModeReply = { content: replyContent, toolCalls };
  if (options.responseSchema !== undefined && toolCalls.length === 0) {
    reply.object =
      typeof value === 'string'
        ? readResponseObject(value, options.responseSchema, truncated)
        : parseResponseObject(value, options.responseSchema, text, truncated);
  }
  return reply;
}
