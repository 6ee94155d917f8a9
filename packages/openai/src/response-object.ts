import { ProviderError } from '@loci/core';
import type { z } from 'zod';
import { excerpt } from './provider-error.js';

/**
 * JSON text from a model, tolerating the Markdown fences some local models wrap it in.
 * Returns `undefined` when there is no JSON value to be found.
 */
export function parseModelJson(text: string): { value: unknown } | undefined {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1] !== undefined) candidates.push(fenced[1].trim());
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    try {
      return { value: JSON.parse(candidate) };
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

/** Parses and validates a structured reply against the caller's schema; failures name the problem. */
export function parseResponseObject(
  value: unknown,
  schema: z.ZodType,
  text: string,
  truncated: boolean,
): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new ProviderError(
    `the model's structured reply does not match the response schema (${detail})${truncated ? '; the reply was cut off at maxTokens' : ''}: ${excerpt(text)}`,
    { code: 'invalid_response_object', body: excerpt(text) },
  );
}

export function readResponseObject(content: string | null, schema: z.ZodType, truncated: boolean): unknown {
  if (content === null || content.trim() === '') {
    throw new ProviderError('the model was asked for a structured reply but sent no content', {
      code: 'invalid_response_object',
    });
  }
  const parsed = parseModelJson(content);
  if (parsed === undefined) {
    throw new ProviderError(
      `the model was asked for a JSON reply but sent text that is not JSON${truncated ? ' (cut off at maxTokens)' : ''}: ${excerpt(content)}`,
      { code: 'invalid_response_object', body: excerpt(content) },
    );
  }
  return parseResponseObject(parsed.value, schema, content, truncated);
}
