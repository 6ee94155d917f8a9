import { LociError } from '@loci/core';

function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth += 1) {
    lines.push(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

/**
 * What the CLI prints for an error that ends a command. Loci's own errors already say what went
 * wrong and what to do, so they print as they are; anything else is a bug or an environment
 * problem, so it gets a short line and the way to see the stack. `debug` prints stacks and causes.
 */
export function describeError(error: unknown, options: { debug: boolean }): string {
  const lines: string[] = [];
  if (LociError.isInstance(error)) {
    lines.push(`loci: ${error.message}`);
    if (options.debug) lines.push(`(${error.name}, code ${error.code}, category ${error.category})`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    lines.push(`loci: unexpected error: ${message}`);
  }
  if (options.debug) {
    if (error instanceof Error && error.stack) lines.push(error.stack);
    lines.push(...causeChain(error));
  } else if (!LociError.isInstance(error) || error.category !== 'user') {
    lines.push('(rerun with LOCI_DEBUG=1 to see the stack trace)');
  }
  return `${lines.join('\n')}\n`;
}
