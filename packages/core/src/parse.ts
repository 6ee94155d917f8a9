import type { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Validates outside data (config, CLI flags, files, tool arguments) and throws a `ConfigError`
 * whose message names every failing field, e.g. `invalid loci config: store.uri: expected string`.
 */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
  const detail = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ConfigError(`invalid ${what}: ${detail}`, issues, result.error);
}
