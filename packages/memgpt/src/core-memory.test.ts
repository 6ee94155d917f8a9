import { ConfigError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import {
  appendToBlock,
  CoreMemoryEditError,
  createBlocks,
  renderBlocks,
  replaceInBlock,
} from './core-memory.js';

describe('core memory blocks', () => {
  const blocks = createBlocks(
    { persona: 'I am Sam.', human: { value: 'Name: Ana', limit: 30 }, notes: '' },
    100,
  );

  it('always has persona and human, plus custom blocks, with limits', () => {
    expect(blocks.map((block) => [block.label, block.limit])).toEqual([
      ['persona', 100],
      ['human', 30],
      ['notes', 100],
    ]);
    expect(createBlocks(undefined, 50).map((block) => block.label)).toEqual(['persona', 'human']);
  });

  it('renders each block with its size and limit', () => {
    expect(renderBlocks(blocks)).toContain('<human characters="9/30">\nName: Ana\n</human>');
  });

  it('appends on a new line without changing the input', () => {
    const next = appendToBlock(blocks, 'human', 'Likes tea');
    expect(next.find((block) => block.label === 'human')?.value).toBe('Name: Ana\nLikes tea');
    expect(blocks.find((block) => block.label === 'human')?.value).toBe('Name: Ana');
    expect(appendToBlock(blocks, 'notes', 'first').find((b) => b.label === 'notes')?.value).toBe('first');
  });

  it('refuses an append over the limit, naming the block and the limit', () => {
    expect(() => appendToBlock(blocks, 'human', 'x'.repeat(30))).toThrow(
      /"human" would hold 40 characters, over its limit of 30/,
    );
  });

  it('replaces exact text, deletes with an empty replacement, and refuses absent text', () => {
    expect(replaceInBlock(blocks, 'human', 'Ana', 'Bea')[1]?.value).toBe('Name: Bea');
    expect(replaceInBlock(blocks, 'human', 'Name: ', '')[1]?.value).toBe('Ana');
    expect(() => replaceInBlock(blocks, 'human', 'Carl', 'Bea')).toThrow(CoreMemoryEditError);
    expect(() => replaceInBlock(blocks, 'human', 'Carl', 'Bea')).toThrow(/"Carl" is not in block "human"/);
  });

  it('names the existing blocks when a label is unknown', () => {
    expect(() => appendToBlock(blocks, 'friends', 'x')).toThrow(
      /no core memory block "friends"; the blocks are: persona, human, notes/,
    );
  });

  it('rejects bad labels and values over the limit at creation', () => {
    expect(() => createBlocks({ 'Bad Label': 'x' }, 10)).toThrow(ConfigError);
    expect(() => createBlocks({ human: { value: 'x'.repeat(11), limit: 10 } }, 10)).toThrow(
      /over its limit of 10/,
    );
  });
});
