/** Who should act on an error: the caller (bad input), the operator (system), or an upstream provider. */
export type ErrorCategory = 'user' | 'system' | 'provider';

const marker = Symbol.for('loci.error');

/** Constructor options of `LociError`. */
export interface LociErrorOptions {
  /** Stable, snake_case identifier of the failure, e.g. `invalid_config`; tools switch on it. */
  code: string;
  category: ErrorCategory;
  cause?: unknown;
}

/**
 * The one base error of Loci. `isInstance` works across copies of the package (two versions in one
 * dependency tree), where `instanceof` would not.
 */
export class LociError extends Error {
  readonly [marker] = true;
  readonly code: string;
  readonly category: ErrorCategory;

  constructor(message: string, options: LociErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LociError';
    this.code = options.code;
    this.category = options.category;
  }

  /**
   * True for an error of this class or a subclass, from any copy of the package (two versions in one
   * dependency tree, where `instanceof` fails): `LociError.isInstance` matches every Loci error,
   * `ConfigError.isInstance` only config errors. Across copies a subclass is recognised by its
   * class name along the error's prototype chain (a bundler that renames classes defeats that; the
   * `code` does not change).
   */
  static isInstance<T extends LociError>(
    this: abstract new (
      ...args: never[]
    ) => T,
    error: unknown,
  ): error is T {
    // biome-ignore lint/complexity/noThisInStatic: the class it is called on is the class to match.
    return isErrorOf(error, this);
  }
}

function isErrorOf<T extends LociError>(
  error: unknown,
  wanted: (abstract new (...args: never[]) => T) | undefined,
): error is T {
  if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[marker] !== true)
    return false;
  // Called unbound (`const check = LociError.isInstance`), there is no class: any Loci error.
  if (wanted === undefined || (wanted as unknown) === LociError) return true;
  if (error instanceof wanted) return true;
  for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'constructor') && proto.constructor.name === wanted.name) return true;
  }
  return false;
}

/** Invalid configuration or arguments; the message names the field and why. */
export class ConfigError extends LociError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(message: string, issues: readonly { path: string; message: string }[] = [], cause?: unknown) {
    super(message, { code: 'invalid_config', category: 'user', cause });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** A vector whose length differs from what the table or model expects. Nothing was written. */
export class DimensionMismatchError extends LociError {
  readonly expected: number;
  readonly actual: number;
  constructor(options: { expected: number; actual: number; what?: string }) {
    super(
      `${options.what ?? 'vector'} has ${options.actual} dimensions but ${options.expected} were expected`,
      { code: 'dimension_mismatch', category: 'user' },
    );
    this.name = 'DimensionMismatchError';
    this.expected = options.expected;
    this.actual = options.actual;
  }
}

/** The prompt does not fit the model's context window even after eviction and truncation. */
export class ContextOverflowError extends LociError {
  readonly tokens: number;
  readonly limit: number;
  constructor(options: { tokens: number; limit: number; message?: string }) {
    super(options.message ?? `context needs ${options.tokens} tokens but the window is ${options.limit}`, {
      code: 'context_overflow',
      category: 'user',
    });
    this.name = 'ContextOverflowError';
    this.tokens = options.tokens;
    this.limit = options.limit;
  }
}

/** A tool call from the LLM that cannot be run: unknown name, arguments not JSON, schema failure. */
export class ToolCallError extends LociError {
  readonly toolName: string;
  constructor(message: string, options: { toolName: string; code?: string; cause?: unknown }) {
    super(message, { code: options.code ?? 'tool_call_failed', category: 'user', cause: options.cause });
    this.name = 'ToolCallError';
    this.toolName = options.toolName;
  }
}

/** The storage layer failed or refused an operation. */
export class StoreError extends LociError {
  constructor(message: string, options: { code?: string; category?: ErrorCategory; cause?: unknown } = {}) {
    super(message, {
      code: options.code ?? 'store_failed',
      category: options.category ?? 'system',
      cause: options.cause,
    });
    this.name = 'StoreError';
  }
}

/** An LLM or embedding provider failed after retries; carries the HTTP status and a body excerpt. */
export class ProviderError extends LociError {
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly retryable: boolean;
  constructor(
    message: string,
    options: { status?: number; body?: string; retryable?: boolean; code?: string; cause?: unknown } = {},
  ) {
    super(message, { code: options.code ?? 'provider_failed', category: 'provider', cause: options.cause });
    this.name = 'ProviderError';
    this.status = options.status;
    this.body = options.body;
    this.retryable = options.retryable ?? false;
  }
}
