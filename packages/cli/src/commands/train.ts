import { writeFile } from 'node:fs/promises';
import { loadLocomo } from '@loci/bench';
import { lociHome } from '@loci/core';
import { trainSideNetFromLabels } from '@loci/longmem';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandIo } from '../cli-io.js';
import { homeOption, parseOptions, switchOption, textListOption, wholeNumberOption } from '../options.js';
import { createProgressLine } from '../progress-line.js';
import { setupEmbedder } from '../setup/embedder.js';

const trainSideNetOptionsSchema = z.object({
  data: textListOption.min(1, 'give --data <files>'),
  out: z.string().trim().min(1, 'give --out <file>'),
  epochs: wholeNumberOption(1, 1000).default(60),
  selfSupervised: switchOption,
  home: homeOption.optional(),
});

/** `loci train sidenet` options as commander hands them over; parsed by `parseTrainSideNetOptions`. */
export type TrainSideNetOptions = z.input<typeof trainSideNetOptionsSchema>;

export function parseTrainSideNetOptions(raw: unknown): z.output<typeof trainSideNetOptionsSchema> {
  return parseOptions(trainSideNetOptionsSchema, raw, 'train sidenet');
}

/**
 * `loci train sidenet`: learns SideNet weights from labelled LoCoMo-format conversations
 * (questions with evidence turn ids) and writes them as versioned JSON, to pass to
 * `createDefaultMemory({ sideNetWeights })`.
 */
export async function runTrainSideNet(input: TrainSideNetOptions, io: CommandIo) {
  const options = parseTrainSideNetOptions(input);
  const conversations = await loadLocomo(options.data);
  const progress = createProgressLine(io.stderr);
  const { embedder } = await setupEmbedder({ home: options.home ?? lociHome(io.env), progress });
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

export function registerTrain(program: Command, io: CommandIo): void {
  const train = program.command('train').description('Train the learned parts of Loci memories.');
  train
    .command('sidenet')
    .description('Train LongMem SideNet weights from labelled LoCoMo-format conversations.')
    .requiredOption('--data <files...>', 'LoCoMo-format files or folders with questions and evidence')
    .requiredOption('--out <file>', 'where to write the weights (JSON)')
    .option('--epochs <n>', 'training epochs', '60')
    .option('--self-supervised', 'also learn from pseudo-queries over the same conversations')
    .action(async (flags: TrainSideNetOptions) => {
      await runTrainSideNet(flags, io);
    });
}
