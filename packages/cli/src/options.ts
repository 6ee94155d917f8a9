import { LociError, parseWith } from '@loci/core';
import { z } from 'zod';
import { CliError } from './cli-error.js';

/**
 * Shared pieces of the commands' option schemas. Commander hands over raw values: strings for
 * `<value>` options, `true` or nothing for switches, string arrays for repeatable ones; each command
 * parses them once, with zod, into its typed options.
 */
export const storeUriOption = z.string().trim().min(1, 'give a folder or a URI (s3://, gs://, az://, db://)');
export const homeOption = z.string().trim().min(1, 'give a folder');
export const switchOption = z.boolean().default(false);
export const textListOption = z.array(z.string().trim().min(1, 'must not be empty'));

/** A whole number given as a flag's text ("5"), within bounds. */
export function wholeNumberOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .union([z.string(), z.number()])
    .transform((value) =>
      typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value),
    )
    .pipe(
      z
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(min, `must be at least ${min}`)
        .max(max, `must be at most ${max}`),
    );
}

/** Collects a repeatable option's values (`-q a -q b`) into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Parses a command's raw options; a bad value fails with code `invalid_options`, naming the
 * command (for the advice) and each field with why.
 */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown, command: string): z.output<T> {
  try {
    return parseWith(schema, raw, `loci ${command} options`);
  } catch (error) {
    if (!(LociError.isInstance(error) && error.code === 'invalid_config')) throw error;
    throw new CliError(error.message, {
      code: 'invalid_options',
      category: 'user',
      facts: { command },
      cause: error,
    });
  }
}
