import type { TrainingContext } from './train-projection.js';

/** A stored key as training reads it. */
export interface KeyRecord {
  valueId: string;
  kind: string;
  context: string;
  /** Order of the value within the memory (values of one context are taken in this order). */
  seq: number;
  vector: Float32Array;
}

/** A labelled pair: a question (embedded) and the values that answer it. */
export interface LabelledAnchor {
  vector: Float32Array;
  valueIds: readonly string[];
}

/**
 * Groups keys into contexts and draws the self-supervised pairs of each: every sentence key (or,
 * for a one-sentence value, its turn key) is an anchor whose positives are the turn keys of the
 * values around it (`window` on each side) and, for a sentence of a longer turn, its own turn key
 * — "a sentence and the turns around it". Labelled anchors join the context of their first answer.
 */
export function trainingContexts(
  keys: readonly KeyRecord[],
  options: { window?: number; labelled?: readonly LabelledAnchor[] } = {},
): TrainingContext[] {
  const window = options.window ?? 1;
  const byContext = new Map<string, KeyRecord[]>();
  for (const key of keys) {
    const list = byContext.get(key.context) ?? [];
    list.push(key);
    byContext.set(key.context, list);
  }
  const turnKeyOf = new Map<string, { context: string; index: number }>();
  const contexts = new Map<
    string,
    { id: string; keys: Float32Array[]; anchors: TrainingContext['anchors'][number][] }
  >();
  for (const [id, records] of byContext) {
    records.sort(
      (a, b) => a.seq - b.seq || a.valueId.localeCompare(b.valueId) || a.kind.localeCompare(b.kind),
    );
    const vectors = records.map((record) => record.vector);
    const values: string[] = [];
    const turnKey = new Map<string, number>();
    const sentences = new Map<string, number[]>();
    records.forEach((record, index) => {
      if (!turnKey.has(record.valueId) && !sentences.has(record.valueId)) values.push(record.valueId);
      if (record.kind === 'turn') {
        turnKey.set(record.valueId, index);
        turnKeyOf.set(record.valueId, { context: id, index });
      } else if (record.kind === 'sentence') {
        const list = sentences.get(record.valueId) ?? [];
        list.push(index);
        sentences.set(record.valueId, list);
      }
    });
    const anchors: TrainingContext['anchors'][number][] = [];
    const ordered = values.filter((value) => turnKey.has(value));
    ordered.forEach((value, position) => {
      const around: number[] = [];
      for (let offset = -window; offset <= window; offset++) {
        const neighbour = ordered[position + offset];
        if (offset !== 0 && neighbour !== undefined) around.push(turnKey.get(neighbour) as number);
      }
      const own = turnKey.get(value) as number;
      const ownSentences = sentences.get(value) ?? [];
      if (ownSentences.length === 0) {
        if (around.length > 0) anchors.push({ vector: vectors[own] as Float32Array, positives: around });
        return;
      }
      for (const sentence of ownSentences) {
        anchors.push({ vector: vectors[sentence] as Float32Array, positives: [own, ...around] });
      }
    });
    contexts.set(id, { id, keys: vectors, anchors });
  }
  for (const labelled of options.labelled ?? []) {
    const answers = labelled.valueIds.flatMap((valueId) => {
      const found = turnKeyOf.get(valueId);
      return found ? [found] : [];
    });
    const first = answers[0];
    if (!first) continue;
    const context = contexts.get(first.context);
    const positives = answers
      .filter((answer) => answer.context === first.context)
      .map((answer) => answer.index);
    context?.anchors.push({ vector: labelled.vector, positives });
  }
  return [...contexts.values()];
}
