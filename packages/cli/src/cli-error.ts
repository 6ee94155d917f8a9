import { type ErrorCategory, LociError } from '@loci/core';

/** The codes of the errors the CLI raises itself; the library's own codes are listed in describe-error.ts. */
export type CliErrorCode =
  | 'invalid_options'
  | 'llm_not_configured'
  | 'llm_config_invalid'
  | 'embedder_setup_failed'
  | 'store_open_failed'
  | 'interrupted'
  | 'confirmation_needed'
  | 'nothing_to_score';

/**
 * An error of the CLI's own: a code and the facts (which command, which folder or URI), like the
 * library's errors; `describeError` turns the code into advice.
 */
export class CliError extends LociError {
  readonly facts: Readonly<Record<string, string>>;
  constructor(
    message: string,
    options: {
      code: CliErrorCode;
      category: ErrorCategory;
      facts?: Record<string, string>;
      cause?: unknown;
    },
  ) {
    super(message, { code: options.code, category: options.category, cause: options.cause });
    this.name = 'CliError';
    this.facts = options.facts ?? {};
  }
}

/** A setup step failed with something that is not a Loci error (a bug, or the environment). */
export function setupFailure(
  code: 'embedder_setup_failed' | 'store_open_failed',
  what: string,
  error: unknown,
  facts: Record<string, string>,
): LociError {
  if (LociError.isInstance(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CliError(`${what}: ${reason}`, { code, category: 'system', facts, cause: error });
}
