import { z } from 'zod';

/**
 * What Think-in-Memory stores: a conclusion, not a turn. A relation triple plus the one sentence
 * that states it, with mandatory provenance (`sources`: the turn ids it came from) and a validity
 * interval, so a superseded thought stays in history but is not recalled for the present.
 */
export interface Thought {
  id: string;
  subject: string;
  relation: string;
  object: string;
  /** One self-contained sentence, relative dates resolved ("… on 7 May 2023"). */
  text: string;
  /** Ids of the turns it was derived from. Never empty. */
  sources: string[];
  /** When the thought was formed (the time of its latest source turn). */
  at: Date;
  /** From when it holds. */
  validFrom: Date;
  /** Set when it was closed: superseded by an update, or contradicted. */
  validTo?: Date;
  /** The thought that replaced it. */
  supersededBy?: string;
  closedReason?: ClosedReason;
  bucket: number;
  vector: Float32Array;
}

/** Why a thought stopped being valid: replaced by a newer fact, or contradicted by one. */
export type ClosedReason = 'updated' | 'contradicted';

/** A thought as an application or a data set supplies it (`addThoughts`). */
export interface ThoughtInput {
  /** Chosen by the memory when absent. */
  id?: string;
  subject: string;
  relation?: string;
  object?: string;
  text: string;
  sources: string[];
  /** Default: now. */
  at?: Date;
  /** Default: `at`. */
  validFrom?: Date;
  /** The id of a thought this one replaces; that one is closed (`validTo`, `supersededBy`). */
  supersedes?: string;
  /** Why `supersedes` is closed. Default 'updated'. */
  reason?: ClosedReason;
}

export const thoughtInputSchema = z.object({
  id: z.string().min(1, 'thought id must not be empty').max(512).optional(),
  subject: z
    .string()
    .max(500)
    .refine((text) => text.trim().length > 0, 'subject must not be empty'),
  relation: z.string().max(500).optional(),
  object: z.string().max(2000).optional(),
  text: z
    .string()
    .max(10_000, 'thought text must be at most 10 000 characters')
    .refine((text) => text.trim().length > 0, 'thought text must not be empty'),
  sources: z
    .array(z.string().min(1, 'a source turn id must not be empty'))
    .min(1, 'a thought needs at least one source turn id (provenance is mandatory)'),
  at: z.date({ error: 'expected a valid Date' }).optional(),
  validFrom: z.date({ error: 'expected a valid Date' }).optional(),
  supersedes: z.string().min(1).optional(),
  reason: z.enum(['updated', 'contradicted']).optional(),
});

/** Subjects compare without case and surrounding space ("caroline " is "Caroline"). */
export function subjectKey(subject: string): string {
  return subject.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** The text a thought is embedded (and full-text indexed) by. */
export function thoughtKeyText(thought: Pick<Thought, 'text'>): string {
  return thought.text;
}
