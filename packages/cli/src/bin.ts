import { LociError } from '@loci/core';
import { Command, CommanderError } from 'commander';
import { registerBenchMemgpt } from './commands/bench-memgpt.js';
import { registerBenchRecall } from './commands/bench-recall.js';
import { registerChat } from './commands/chat.js';
import { registerDemo } from './commands/demo.js';
import { registerModels } from './commands/models.js';
import { registerTrain } from './commands/train.js';
import { describeError } from './describe-error.js';

const program = new Command('loci')
  .description('Long-term memory for LLM agents: demo, chat, benchmarks and models.')
  .version('0.1.0')
  .showHelpAfterError()
  // Commander prints its own message (unknown option, missing argument); we only set the exit code.
  .exitOverride();

registerDemo(program);
registerChat(program);
registerModels(program);
registerTrain(program);
const bench = program.command('bench').description('Measure memory systems (see docs/benchmarks.md).');
registerBenchRecall(bench);
registerBenchMemgpt(bench);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end with exit code 0; a malformed command line is the caller's to fix.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(describeError(error, { debug: process.env['LOCI_DEBUG'] === '1' }));
    // 2: the caller should change something (input, flags, config); 1: anything else.
    process.exitCode = LociError.isInstance(error) && error.category === 'user' ? 2 : 1;
  }
}
