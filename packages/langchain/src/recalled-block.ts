import { fenceMemory, type Recalled } from '@loci/core';

/**
 * Recalled items as they go into a prompt: each with its date, kind and the turn ids it came from,
 * fenced by core's `fenceMemory` so stored text can neither pose as instructions nor close the fence.
 */
export function renderRecalledBlock(items: readonly Recalled[]): string {
  if (items.length === 0) return '';
  return fenceMemory(
    'Memories recalled from earlier conversations',
    items.map((item, index) => {
      const date = item.at === undefined ? '' : `${item.at.toISOString().slice(0, 10)}; `;
      return `[${index + 1}] (${date}${item.kind} from ${item.sources.join(', ')}) ${item.text}`;
    }),
  );
}
