/**
 * What a long-running model operation reports: a phase, a human-readable line and, when the size
 * of the work is known, how far it got (bytes for downloads, items for builds).
 */
export interface ProgressEvent {
  phase: 'check' | 'read' | 'build' | 'write' | 'verify' | 'download' | 'done';
  message: string;
  /** Which file the event is about, for multi-file operations. */
  file?: string;
  done?: number;
  total?: number;
}

/** Receives progress events; called synchronously, so it should return quickly. */
export type ProgressListener = (event: ProgressEvent) => void;
