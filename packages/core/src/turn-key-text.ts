import type { Turn } from './memory.js';

/**
 * The text embedded as a turn's key. Keys embedded offline (training) and live (observe) must be
 * the same text, or trained weights stop matching the bank: every memory uses this one function.
 */
export function turnKeyText(turn: Pick<Turn, 'speaker' | 'text'>): string {
  return `${turn.speaker}: ${turn.text}`;
}
