import cl100k from 'js-tiktoken/ranks/cl100k_base';
import type { ChatMessage } from './messages.js';

/**
 * cl100k_base, tokenized here rather than with js-tiktoken's encoder, whose byte-pair merge is
 * quadratic in a piece's length with a large constant: a 20 000-character run of one letter (one
 * piece for the pre-tokenizer) took ~23 s. Here a piece longer than `maxPieceLength` is cut into
 * chunks of that length before the merge, and the merge updates only the neighbours of each merge,
 * so counting is linear in the text for any input. Pieces up to that length (every word, number and
 * punctuation run of ordinary text) get exactly the tokens OpenAI's tiktoken gives; only longer
 * runs can differ, by a token or so per chunk. Special tokens such as `<|endoftext|>` in a text are
 * counted as the plain text they are (an encoder that throws on them would let any input crash a
 * caller).
 */
const maxPieceLength = 128;

interface Vocabulary {
  /** Token bytes as a binary string (one char per byte) → rank. */
  ranks: Map<string, number>;
  /** Rank → token bytes. */
  bytes: Uint8Array[];
  pattern: RegExp;
}

let vocabulary: Vocabulary | undefined;

function loadVocabulary(): Vocabulary {
  if (vocabulary) return vocabulary;
  const ranks = new Map<string, number>();
  const bytes: Uint8Array[] = [];
  for (const line of cl100k.bpe_ranks.split('\n')) {
    // Each line: a tag, the rank of its first token, then base64 tokens of consecutive ranks.
    const [, offsetText, ...tokens] = line.split(' ');
    if (offsetText === undefined) continue;
    const offset = Number.parseInt(offsetText, 10);
    tokens.forEach((token, index) => {
      const binary = atob(token);
      ranks.set(binary, offset + index);
      bytes[offset + index] = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    });
  }
  vocabulary = { ranks, bytes, pattern: new RegExp(cl100k.pat_str, 'gu') };
  return vocabulary;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes as one char per byte; ASCII text is its own binary string. */
function binaryString(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text;
  const encoded = utf8.encode(text);
  let out = '';
  for (let i = 0; i < encoded.length; i += 8192) {
    out += String.fromCharCode(...encoded.subarray(i, i + 8192));
  }
  return out;
}

/**
 * tiktoken's merge: repeatedly join the adjacent pair with the lowest rank (leftmost on ties).
 * `rank[i]` is the rank of the pair starting at part `i`; after a merge only the ranks of the two
 * parts next to it change, so each step is one scan for the minimum.
 */
function bytePairEncode(piece: string, ranks: Map<string, number>): number[] {
  const n = piece.length;
  const start = new Int32Array(n + 1);
  const rank = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) start[i] = i;
  let parts = n + 1;
  const pairRank = (i: number) =>
    i + 2 < parts ? (ranks.get(piece.slice(start[i], start[i + 2])) ?? Infinity) : Infinity;
  for (let i = 0; i < parts; i++) rank[i] = pairRank(i);
  while (parts > 2) {
    let best = 0;
    for (let i = 1; i < parts - 2; i++) if ((rank[i] as number) < (rank[best] as number)) best = i;
    if (rank[best] === Infinity) break;
    start.copyWithin(best + 1, best + 2, parts);
    rank.copyWithin(best + 1, best + 2, parts);
    parts--;
    rank[best] = pairRank(best);
    if (best > 0) rank[best - 1] = pairRank(best - 1);
  }
  const tokens: number[] = [];
  for (let i = 0; i + 1 < parts; i++) {
    const token = ranks.get(piece.slice(start[i], start[i + 1]));
    // Every single byte is a cl100k token, so a part always has a rank.
    if (token !== undefined) tokens.push(token);
  }
  return tokens;
}

/** Pieces of many tokens recur (common words, repeated chunks of a long run); their tokens are kept. */
const pieceCache = new Map<string, number[]>();
const pieceCacheLimit = 20_000;

function encodePiece(piece: string, vocab: Vocabulary): number[] {
  const binary = binaryString(piece);
  const single = vocab.ranks.get(binary);
  if (single !== undefined) return [single];
  const cached = pieceCache.get(binary);
  if (cached !== undefined) return cached;
  const tokens = bytePairEncode(binary, vocab.ranks);
  if (pieceCache.size >= pieceCacheLimit) pieceCache.clear();
  pieceCache.set(binary, tokens);
  return tokens;
}

/**
 * Calls `visit` with the tokens of each of the pre-tokenizer's pieces, in order, those longer than
 * `maxPieceLength` cut into chunks (never inside a surrogate pair); `visit` returns false to stop.
 */
function encodePieces(text: string, visit: (tokens: number[]) => boolean): void {
  const vocab = loadVocabulary();
  const pattern = vocab.pattern;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const piece = match[0];
    if (piece.length <= maxPieceLength) {
      if (!visit(encodePiece(piece, vocab))) return;
      continue;
    }
    for (let at = 0; at < piece.length; ) {
      let end = Math.min(piece.length, at + maxPieceLength);
      const last = piece.charCodeAt(end - 1);
      if (end < piece.length && last >= 0xd800 && last <= 0xdbff) end--;
      if (!visit(encodePiece(piece.slice(at, end), vocab))) return;
      at = end;
    }
  }
}

/**
 * Tokens of `text` in order, stopping once more than `limit` are collected (truncation needs no
 * more). The pieces of a text decode back to it exactly.
 */
function encode(text: string, limit = Infinity): number[] {
  const tokens: number[] = [];
  encodePieces(text, (piece) => {
    for (const token of piece) tokens.push(token);
    return tokens.length <= limit;
  });
  return tokens;
}

function decode(tokens: readonly number[]): string {
  const { bytes } = loadVocabulary();
  const parts = tokens.map((token) => bytes[token] ?? new Uint8Array());
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new TextDecoder('utf-8').decode(joined);
}

/**
 * Tokens of `text` under cl100k_base: exact for OpenAI's GPT-4-class models on ordinary text, close
 * for others; linear in the text's length for any input.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let count = 0;
  encodePieces(text, (piece) => {
    count += piece.length;
    return true;
  });
  return count;
}

/** Per-message framing overhead as in OpenAI's accounting (role, separators). */
const messageOverhead = 4;

/** Tokens one message takes in a prompt: its text and tool calls plus OpenAI's per-message framing. */
export function countMessageTokens(message: ChatMessage): number {
  let tokens = messageOverhead;
  if (message.content) tokens += countTokens(message.content);
  if (message.role === 'assistant' && message.toolCalls) {
    for (const call of message.toolCalls) tokens += countTokens(call.name) + countTokens(call.arguments) + 3;
  }
  return tokens;
}

/** Tokens a whole prompt takes, including the priming of the reply. */
export function countMessagesTokens(messages: readonly ChatMessage[]): number {
  let total = 3; // every reply is primed with the assistant role
  for (const message of messages) total += countMessageTokens(message);
  return total;
}

/**
 * Cuts `text` to at most `maxTokens` tokens, marking the cut so a reader knows text is missing.
 * Only the kept part is tokenized, so cutting a huge text costs about what is kept.
 */
export function truncateToTokens(text: string, maxTokens: number, marker = ' …[truncated]'): string {
  const tokens = encode(text, maxTokens);
  if (tokens.length <= maxTokens) return text;
  const keep = Math.max(0, maxTokens - countTokens(marker));
  return decode(tokens.slice(0, keep)) + marker;
}
