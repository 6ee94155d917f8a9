import { ContextOverflowError, ProviderError } from '@loci/core';

/**
 * How OpenAI (`context_length_exceeded`), vLLM ("maximum context length is N tokens") and
 * llama.cpp ("exceeds the available context size") say the prompt is too long.
 */
const overflowPattern = /context_length_exceeded|maximum context length|exceeds? the available context size/i;

/**
 * A provider's "prompt too long" as a `ContextOverflowError`, so an agent can evict and retry
 * instead of failing; the server's own figures are used when its message gives them.
 */
export function asContextOverflow(
  error: unknown,
  estimate: () => { tokens: number; limit: number },
): ContextOverflowError | undefined {
  if (!(error instanceof ProviderError) || error.status !== 400) return undefined;
  const text = `${error.body ?? ''} ${error.message}`;
  if (!overflowPattern.test(text)) return undefined;
  const fallback = estimate();
  const limit = Number(/maximum context length is (\d+)/i.exec(text)?.[1] ?? fallback.limit);
  const tokens = Number(
    /(?:resulted in|requested|request \(|prompt has) (\d+) tokens/i.exec(text)?.[1] ?? fallback.tokens,
  );
  const overflow = new ContextOverflowError({
    tokens,
    limit,
    message: `the prompt does not fit the model's context window (${tokens} tokens, limit ${limit}): ${error.message}`,
  });
  (overflow as { cause?: unknown }).cause = error;
  return overflow;
}
