import { endianness } from 'node:os';

const littleEndian = endianness() === 'LE';

/** A padded [rows × columns] batch of token ids (int64) and its float32 mask. */
export interface TokenBatch {
  ids: BigInt64Array;
  mask: Float32Array;
  rows: number;
  columns: number;
}

/**
 * Pads token id lists to the longest one (at least 1 column, so an all-empty batch is still a valid
 * tensor). Padding uses id `padId` with mask 0.
 */
export function padTokenBatch(sequences: readonly (readonly number[])[], padId = 0): TokenBatch {
  const rows = sequences.length;
  let columns = 1;
  for (const sequence of sequences) if (sequence.length > columns) columns = sequence.length;
  const ids = new BigInt64Array(rows * columns);
  const mask = new Float32Array(rows * columns);
  // Ids are small non-negative integers: on little-endian hosts write the low 32-bit word directly
  // instead of allocating a BigInt per token.
  const low = littleEndian ? new Int32Array(ids.buffer) : undefined;
  for (let row = 0; row < rows; row++) {
    const sequence = sequences[row] as readonly number[];
    for (let column = 0; column < columns; column++) {
      const index = row * columns + column;
      const present = column < sequence.length;
      const id = present ? (sequence[column] as number) : padId;
      if (low) low[index * 2] = id;
      else ids[index] = BigInt(id);
      mask[index] = present ? 1 : 0;
    }
  }
  return { ids, mask, rows, columns };
}
