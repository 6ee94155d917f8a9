import { ConfigError, type EmbedOptions } from '@loci/core';

/** Checks what callers pass to `embed` (it may come from untyped JS or LLM output). */
export function checkEmbedInput(
  texts: unknown,
  options: EmbedOptions | undefined,
): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    throw new ConfigError('invalid embed input: texts: expected an array of strings', [
      { path: 'texts', message: 'expected an array of strings' },
    ]);
  }
  const bad = texts.findIndex((text) => typeof text !== 'string');
  if (bad >= 0) {
    const message = `expected a string, got ${texts[bad] === null ? 'null' : typeof texts[bad]}`;
    throw new ConfigError(`invalid embed input: texts.${bad}: ${message}`, [
      { path: `texts.${bad}`, message },
    ]);
  }
  const kind = options?.kind;
  if (kind !== 'query' && kind !== 'document') {
    const message = `expected 'query' or 'document', got ${JSON.stringify(kind)}`;
    throw new ConfigError(`invalid embed options: kind: ${message}`, [{ path: 'kind', message }]);
  }
}

/** Splits into consecutive batches of at most `size` items. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
