import { countTokens } from '@loci/core';
import { type Bm25Index, createBm25Index } from './bm25-index.js';
import { hasDateExpression } from './date-expressions.js';
import { terms } from './text-tokens.js';

/** One remembered turn (or tool result) with its frozen key. */
export interface BankEntry {
  id: string;
  speaker: string;
  text: string;
  at: Date;
  sessionId: string;
  /** Order of arrival in the namespace; survives reloads. */
  seq: number;
  /** Frozen, unit-normalised key from the embedder. Never recomputed. */
  vector: Float32Array;
}

/** Derived, cached per entry: everything recall needs that does not depend on the query. */
export interface EntryStats {
  tokens: number;
  terms: Set<string>;
  speakerTerm: string;
  hasDate: boolean;
  isQuestion: boolean;
}

/**
 * The memory bank of one namespace held in memory: frozen keys as one matrix, a BM25 index over
 * turns and one over each turn's window (previous, itself, next), so neighbour context scores
 * without re-reading anything. The store stays the source of truth; this is its cache (LongMem's
 * cached memory bank).
 */
export interface TurnBank {
  readonly dimensions: number;
  readonly size: number;
  entries(): readonly BankEntry[];
  entry(position: number): BankEntry;
  stats(position: number): EntryStats;
  positionOf(id: string): number | undefined;
  /** Appends entries (in seq order); an id already present is replaced in place. */
  append(entries: readonly BankEntry[]): void;
  /** Removes the oldest `count` entries (FIFO capacity) and rebuilds the indexes. */
  dropOldest(count: number): BankEntry[];
  /** Row `position` of the key matrix. */
  vector(position: number): Float32Array;
  /** Unit mean of the keys of `position` and its neighbours within `radius` in the same session. */
  windowVector(position: number): Float32Array;
  window(position: number, radius?: number): [number, number];
  turnIndex: Bm25Index;
  windowIndex: Bm25Index;
  /** BM25 over a wider window (two turns either side). */
  wideIndex: Bm25Index;
  /** BM25 over whole sessions; `sessionOf` maps a position to its document. */
  sessionIndex: Bm25Index;
  sessionOf(position: number): number;
  /** Name terms of the speakers seen so far. */
  speakerTerms(): ReadonlySet<string>;
}

export const windowRadius = 1;
export const wideRadius = 2;

export function createTurnBank(dimensions: number): TurnBank {
  let list: BankEntry[] = [];
  let stats: EntryStats[] = [];
  let byId = new Map<string, number>();
  let turnIndex = createBm25Index();
  let windowIndex = createBm25Index();
  let wideIndex = createBm25Index();
  let sessionIndex = createBm25Index();
  let sessionIds: string[] = [];
  let sessionOf: number[] = [];
  let windowKeys: (Float32Array | undefined)[] = [];
  /** Each entry's analysed `speaker: text`, so windows and sessions never re-analyse a turn. */
  let entryTerms: string[][] = [];
  const speakers = new Set<string>();

  /** Analyses a turn once: its stats, and the terms of `speaker: text` its documents index. */
  function analyse(entry: BankEntry): { stats: EntryStats; indexTerms: string[] } {
    const speakerTerm = terms(entry.speaker.split(/\s+/)[0] ?? '')[0] ?? '';
    if (speakerTerm) speakers.add(speakerTerm);
    const textTerms = terms(entry.text);
    return {
      stats: {
        tokens: countTokens(entry.text),
        terms: new Set(textTerms),
        speakerTerm,
        hasDate: hasDateExpression(entry.text),
        isQuestion: /\?\s*$/.test(entry.text),
      },
      // The speaker is part of what a turn is about ("What did Caroline paint?"). Words never
      // run across ": ", so these are the terms of the turn's key text (`turnKeyText`).
      indexTerms: [...terms(entry.speaker), ...textTerms],
    };
  }

  function window(position: number, radius = windowRadius): [number, number] {
    const session = list[position]?.sessionId;
    let start = position;
    let end = position;
    while (start > 0 && position - start < radius && list[start - 1]?.sessionId === session) start--;
    while (end < list.length - 1 && end - position < radius && list[end + 1]?.sessionId === session) end++;
    return [start, end];
  }

  function windowTerms(position: number, radius = windowRadius): string[] {
    const [start, end] = window(position, radius);
    const out: string[] = [];
    for (let i = start; i <= end; i++) out.push(...(entryTerms[i] as string[]));
    return out;
  }

  function refreshWindow(position: number): void {
    if (position < 0 || position >= list.length) return;
    windowKeys[position] = undefined;
    if (position < windowIndex.size) windowIndex.replaceTerms(position, windowTerms(position));
    else windowIndex.addTerms(windowTerms(position));
    if (position < wideIndex.size) wideIndex.replaceTerms(position, windowTerms(position, wideRadius));
    else wideIndex.addTerms(windowTerms(position, wideRadius));
  }

  function append(entries: readonly BankEntry[]): void {
    for (const entry of entries) {
      if (entry.vector.length !== dimensions) {
        throw new RangeError(
          `entry ${entry.id} has ${entry.vector.length} dimensions, expected ${dimensions}`,
        );
      }
      const existing = byId.get(entry.id);
      if (existing !== undefined) {
        list[existing] = entry;
        const analysed = analyse(entry);
        stats[existing] = analysed.stats;
        entryTerms[existing] = analysed.indexTerms;
        turnIndex.replaceTerms(existing, entryTerms[existing] as string[]);
        const [start, end] = window(existing, wideRadius);
        for (let i = start; i <= end; i++) refreshWindow(i);
        refreshSession(sessionOf[existing] ?? 0);
        continue;
      }
      const position = list.length;
      list.push(entry);
      const analysed = analyse(entry);
      stats.push(analysed.stats);
      byId.set(entry.id, position);
      entryTerms.push(analysed.indexTerms);
      turnIndex.addTerms(entryTerms[position] as string[]);
      windowKeys.push(undefined);
      const [start] = window(position, wideRadius);
      for (let i = start; i <= position; i++) refreshWindow(i);
      addToSession(position, entry);
    }
  }

  function addToSession(position: number, entry: BankEntry): void {
    const line = entryTerms[position] as string[];
    const current = sessionIds.length - 1;
    if (current >= 0 && sessionIds[current] === entry.sessionId) {
      sessionIndex.extendTerms(current, line);
    } else {
      sessionIds.push(entry.sessionId);
      sessionIndex.addTerms(line);
    }
    sessionOf[position] = sessionIds.length - 1;
  }

  /** Re-indexes a session document from its turns (after one of them was replaced). */
  function refreshSession(session: number): void {
    const out: string[] = [];
    for (let i = 0; i < list.length; i++)
      if (sessionOf[i] === session) out.push(...(entryTerms[i] as string[]));
    sessionIndex.replaceTerms(session, out);
  }

  function rebuild(entries: readonly BankEntry[]): void {
    list = [];
    stats = [];
    byId = new Map();
    turnIndex = createBm25Index();
    windowIndex = createBm25Index();
    wideIndex = createBm25Index();
    sessionIndex = createBm25Index();
    sessionIds = [];
    entryTerms = [];
    sessionOf = [];
    windowKeys = [];
    speakers.clear();
    append(entries);
  }

  return {
    dimensions,
    get size() {
      return list.length;
    },
    entries: () => list,
    entry: (position) => list[position] as BankEntry,
    stats: (position) => stats[position] as EntryStats,
    positionOf: (id) => byId.get(id),
    append,
    dropOldest(count) {
      const dropped = list.slice(0, count);
      rebuild(list.slice(count));
      return dropped;
    },
    vector: (position) => (list[position] as BankEntry).vector,
    windowVector(position) {
      const cached = windowKeys[position];
      if (cached) return cached;
      const [start, end] = window(position);
      const sum = new Float32Array(dimensions);
      for (let i = start; i <= end; i++) {
        const v = (list[i] as BankEntry).vector;
        for (let d = 0; d < dimensions; d++) sum[d] = (sum[d] as number) + (v[d] as number);
      }
      let length = 0;
      for (let d = 0; d < dimensions; d++) length += (sum[d] as number) ** 2;
      length = Math.sqrt(length);
      if (length > 0) for (let d = 0; d < dimensions; d++) sum[d] = (sum[d] as number) / length;
      windowKeys[position] = sum;
      return sum;
    },
    window,
    get turnIndex() {
      return turnIndex;
    },
    get windowIndex() {
      return windowIndex;
    },
    get wideIndex() {
      return wideIndex;
    },
    get sessionIndex() {
      return sessionIndex;
    },
    sessionOf: (position) => sessionOf[position] ?? 0,
    speakerTerms: () => speakers,
  };
}
