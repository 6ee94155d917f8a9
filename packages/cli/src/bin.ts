import { Command, CommanderError } from 'commander';
import { processIo } from './cli-io.js';
import { cliVersion } from './cli-version.js';
import { registerBenchQa } from './commands/bench-qa.js';
import { registerBenchRecall } from './commands/bench-recall.js';
import { registerChat } from './commands/chat.js';
import { registerDemo } from './commands/demo.js';
import { registerForget } from './commands/forget.js';
import { registerModels } from './commands/models.js';
import { registerTrain } from './commands/train.js';
import { describeError, exitCodeFor } from './describe-error.js';

const io = processIo();
const program = new Command('loci')
  .description('Long-term memory for LLM agents: demo, chat, benchmarks and models.')
  .version(cliVersion())
  .showHelpAfterError()
  // Commander prints its own message (unknown option, missing argument); we only set the exit code.
  .exitOverride();

registerDemo(program, io);
registerChat(program, io);
registerModels(program, io);
registerTrain(program, io);
registerForget(program, io);
const bench = program.command('bench').description('Measure memory systems (see docs/benchmarks.md).');
registerBenchRecall(bench, io);
registerBenchQa(bench, io);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end with exit code 0; a malformed command line is the caller's to fix.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    io.stderr.write(describeError(error, { debug: io.env['LOCI_DEBUG'] === '1' }));
    // 2: the caller should change something (input, flags, config); 1: anything else.
    process.exitCode = exitCodeFor(error);
  }
}
