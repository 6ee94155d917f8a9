import { parseWith } from '@loci/core';
import { z } from 'zod';

/** One block of core memory (working context): always in the prompt, edited by the LLM. */
export interface Block {
  label: string;
  value: string;
  /** Character limit; edits that would pass it fail with an error the LLM sees. */
  limit: number;
  description?: string | undefined;
}

/** A core memory block as given: its text, or the text with a size limit and a description. */
export type BlockInput =
  | string
  | { value: string; limit?: number | undefined; description?: string | undefined };

const labelSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a block label is [a-z][a-z0-9_]{0,63}');

const blockInputSchema = z.union([
  z.string(),
  z
    .object({
      value: z.string(),
      limit: z.number().int().min(1).optional(),
      description: z.string().optional(),
    })
    .strict(),
]);

const blocksInputSchema = z.record(labelSchema, blockInputSchema);

const defaultPersona =
  'I am Sam, a helpful and curious assistant with long-term memory. I remember what people tell me and use it.';
const defaultHuman = 'Nothing is known about the user yet.';

/** Builds the blocks of a new agent: `persona` and `human` always exist; custom blocks are added as given. */
export function createBlocks(input: Record<string, BlockInput> | undefined, defaultLimit: number): Block[] {
  const parsed = parseWith(blocksInputSchema, input ?? {}, 'core memory blocks');
  const entries: [string, BlockInput][] = Object.entries(parsed);
  // Defaults always fit, however small the default limit.
  const fitting = (value: string) => ({ value, limit: Math.max(defaultLimit, value.length) });
  if (!('persona' in parsed)) entries.unshift(['persona', fitting(defaultPersona)]);
  if (!('human' in parsed)) entries.splice(1, 0, ['human', fitting(defaultHuman)]);
  const blocks: Block[] = [];
  for (const [label, value] of entries) {
    const block: Block =
      typeof value === 'string'
        ? { label, value, limit: defaultLimit }
        : { label, value: value.value, limit: value.limit ?? defaultLimit };
    if (typeof value !== 'string' && value.description !== undefined) block.description = value.description;
    if (block.value.length > block.limit) {
      parseWith(
        z.string().max(block.limit, `is ${block.value.length} characters, over its limit of ${block.limit}`),
        block.value,
        `core memory block "${label}"`,
      );
    }
    blocks.push(block);
  }
  return blocks;
}

/** Why a core-memory edit was refused; the message is shown to the LLM. */
export class CoreMemoryEditError extends Error {
  override name = 'CoreMemoryEditError';
}

function findBlock(blocks: readonly Block[], label: string): Block {
  const block = blocks.find((candidate) => candidate.label === label);
  if (!block) {
    throw new CoreMemoryEditError(
      `no core memory block "${label}"; the blocks are: ${blocks.map((b) => b.label).join(', ')}`,
    );
  }
  return block;
}

function checkLimit(block: Block, value: string): void {
  if (value.length > block.limit) {
    throw new CoreMemoryEditError(
      `block "${block.label}" would hold ${value.length} characters, over its limit of ${block.limit}; ` +
        'shorten it with core_memory_replace or move details to archival memory first',
    );
  }
}

/** Returns new blocks with `content` appended on a new line; the input is not changed. */
export function appendToBlock(blocks: readonly Block[], label: string, content: string): Block[] {
  const block = findBlock(blocks, label);
  const value = block.value.length === 0 ? content : `${block.value}\n${content}`;
  checkLimit(block, value);
  return blocks.map((candidate) => (candidate === block ? { ...block, value } : candidate));
}

/** Returns new blocks with the first occurrence of `oldContent` replaced; an empty `newContent` deletes it. */
export function replaceInBlock(
  blocks: readonly Block[],
  label: string,
  oldContent: string,
  newContent: string,
): Block[] {
  const block = findBlock(blocks, label);
  if (oldContent.length === 0) throw new CoreMemoryEditError('old_content must not be empty');
  const at = block.value.indexOf(oldContent);
  if (at < 0) {
    throw new CoreMemoryEditError(
      `the text "${oldContent}" is not in block "${label}"; copy the exact text from core memory`,
    );
  }
  const value = block.value.slice(0, at) + newContent + block.value.slice(at + oldContent.length);
  checkLimit(block, value);
  return blocks.map((candidate) => (candidate === block ? { ...block, value } : candidate));
}

/** Core memory as it appears in the prompt: each block with its size and limit. */
export function renderBlocks(blocks: readonly Block[]): string {
  return blocks
    .map((block) => {
      const description = block.description ? `\n(${block.description})` : '';
      return `<${block.label} characters="${block.value.length}/${block.limit}">${description}\n${block.value}\n</${block.label}>`;
    })
    .join('\n');
}
