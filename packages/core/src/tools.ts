import { z } from 'zod';

/**
 * A function the LLM may call. Arguments are declared with zod; providers send
 * `z.toJSONSchema(parameters)` and callers validate the model's arguments with the same schema.
 */
export interface ToolDefinition<TParameters extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  parameters: TParameters;
}

/** Whether the model may (`auto`), must not (`none`) or must (`required`) call a tool, or which one. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

/** Checks a tool definition early; throws `TypeError` unless the name matches `[a-zA-Z0-9_-]{1,64}`. */
export function defineTool<TParameters extends z.ZodType>(
  tool: ToolDefinition<TParameters>,
): ToolDefinition<TParameters> {
  if (!toolNamePattern.test(tool.name)) {
    throw new TypeError(`tool name "${tool.name}" must match ${toolNamePattern}`);
  }
  return tool;
}

/** JSON Schema of a tool's (or response's) zod schema, as OpenAI-style APIs expect it. */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json['$schema'];
  return json;
}
