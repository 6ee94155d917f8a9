import { writeFile } from 'node:fs/promises';
import { loadLocomo } from '@loci/bench';
import { parseWith } from '@loci/core';
import { trainSideNetFromLabels } from '@loci/longmem';
import { createGloveEmbedder } from '@loci/onnx';
import type { Command } from 'commander';
import { z } from 'zod';
import { createProgressLine, type ProgressStream } from '../progress-line.js';

const trainSideNetOptionsSchema = z.object({
  data: z.array(z.string().min(1)).min(1, 'give --data <files>'),
  out: z.string().min(1, 'give --out <file>'),
  epochs: z.coerce.number().int().min(1).max(1000).default(60),
  selfSupervised: z.boolean().default(false),
  home: z.string().min(1).optional(),
});

export type TrainSideNetOptions = z.input<typeof trainSideNetOptionsSchema>;

/**
 * `loci train sidenet`: learns SideNet weights from labelled LoCoMo-format conversations
 * (questions with evidence turn ids) and writes them as versioned JSON, to pass to
 * `createDefaultMemory({ sideNetWeights })`.
 */
export async function trainSideNet(
  input: TrainSideNetOptions,
  io: { stdout: { write(text: string): unknown }; stderr: ProgressStream } = {
    stdout: process.stdout,
    stderr: process.stderr,
  },
) {
  const options = parseWith(trainSideNetOptionsSchema, input, 'loci train sidenet options');
  const conversations = await loadLocomo(options.data);
  const progress = createProgressLine(io.stderr);
  const embedder = await createGloveEmbedder({
    ...(options.home ? { home: options.home } : {}),
    onProgress: (event) => progress.update({ label: `encoder: ${event.message}` }),
  });
  const result = await trainSideNetFromLabels({
    embedder,
    conversations: conversations.map((conversation) => ({
      turns: conversation.sessions.flatMap((session) => session.turns),
      questions: conversation.questions,
    })),
    epochs: options.epochs,
    selfSupervised: options.selfSupervised,
    onProgress: (message) => progress.update({ label: message }),
  });
  await writeFile(options.out, `${JSON.stringify(result.weights, null, 2)}\n`);
  progress.finish(
    `trained on ${result.report.examples} examples from ${conversations.length} conversation(s): ` +
      `loss ${result.report.lossBefore.toFixed(3)} → ${result.report.lossAfter.toFixed(3)}`,
  );
  io.stdout.write(`wrote ${options.out}\n`);
  return result;
}

export function registerTrain(program: Command): void {
  const train = program.command('train').description('Train the learned parts of Loci memories.');
  train
    .command('sidenet')
    .description('Train LongMem SideNet weights from labelled LoCoMo-format conversations.')
    .requiredOption('--data <files...>', 'LoCoMo-format files or folders with questions and evidence')
    .requiredOption('--out <file>', 'where to write the weights (JSON)')
    .option('--epochs <n>', 'training epochs', '60')
    .option('--self-supervised', 'also learn from pseudo-queries over the same conversations')
    .action(async (flags: Record<string, unknown>) => {
      await trainSideNet({
        data: flags['data'] as string[],
        out: String(flags['out']),
        epochs: String(flags['epochs']) as unknown as number,
        selfSupervised: flags['selfSupervised'] === true,
      });
    });
}
