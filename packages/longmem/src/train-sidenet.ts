import { type EmbeddingModel, embedInBatches, type Turn, turnKeyText } from '@loci/core';
import { featureNames } from './candidate-features.js';
import { createSideNet, type SideNetExample, type SideNetWeights, type TrainReport } from './sidenet.js';
import { type LabelledQuestion, labelledExamples, selfSupervisedExamples } from './training-examples.js';
import { createTurnBank, type TurnBank } from './turn-bank.js';

/** One conversation and its questions with the turns that answer them. */
export interface LabelledConversation {
  turns: readonly Turn[];
  questions: readonly LabelledQuestion[];
}

/** Options of `trainSideNetFromLabels`. `epochs` defaults to 60. */
export interface TrainFromLabelsOptions {
  embedder: EmbeddingModel;
  conversations: readonly LabelledConversation[];
  /** Also learn from self-supervised pseudo-queries over the same conversations. Default false. */
  selfSupervised?: boolean;
  epochs?: number;
  /** Start from these weights instead of an untrained SideNet. */
  weights?: unknown;
  /** A line per conversation embedded, for a progress display. */
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

/** Trained weights (for `sideNetWeights`) and the run's report. */
export interface TrainFromLabelsResult {
  weights: SideNetWeights;
  report: TrainReport;
}

/** A bank of one conversation's turns, keyed by the frozen encoder (for offline training). */
export async function buildBank(embedder: EmbeddingModel, turns: readonly Turn[]): Promise<TurnBank> {
  const bank = createTurnBank(embedder.dimensions);
  const vectors = await embedInBatches(embedder, turns.map(turnKeyText), { kind: 'document' });
  bank.append(
    turns.map((turn, seq) => ({
      id: turn.id,
      speaker: turn.speaker,
      text: turn.text,
      at: turn.at,
      sessionId: turn.sessionId ?? 'session-0',
      seq,
      vector: vectors[seq] as Float32Array,
    })),
  );
  return bank;
}

/**
 * Trains SideNet weights from labelled conversations (questions → evidence turn ids): the route
 * for users who have labels (`loci train sidenet`). Returns JSON-ready, versioned weights.
 */
export async function trainSideNetFromLabels(
  options: TrainFromLabelsOptions,
): Promise<TrainFromLabelsResult> {
  const examples: SideNetExample[] = [];
  for (const [index, conversation] of options.conversations.entries()) {
    options.signal?.throwIfAborted();
    const bank = await buildBank(options.embedder, conversation.turns);
    const labelled = await labelledExamples(bank, options.embedder, conversation.questions);
    examples.push(...labelled);
    if (options.selfSupervised) examples.push(...(await selfSupervisedExamples(bank, options.embedder)));
    options.onProgress?.(
      `conversation ${index + 1}/${options.conversations.length}: ${conversation.turns.length} turns, ${labelled.length} labelled examples`,
    );
  }
  const net =
    options.weights === undefined
      ? createSideNet({ features: featureNames })
      : createSideNet({ features: featureNames, weights: options.weights });
  const report = net.train(examples, {
    epochs: options.epochs ?? 60,
    source: options.selfSupervised ? 'labelled+self-supervised' : 'labelled',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { weights: net.toJSON(), report };
}
