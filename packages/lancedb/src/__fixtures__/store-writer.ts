// A child process for the concurrency and crash tests: appends batches to a table and prints
// "ack <batch>" after each add has resolved, i.e. after LanceDB acknowledged the commit.
import { createLanceStore } from '../lance-store.js';
import { writerTable } from './writer-table.js';

async function main(): Promise<void> {
  const [uri, writer, batchesArg, sizeArg, start, mode = 'add'] = process.argv.slice(2);
  if (!uri || !writer || !batchesArg || !sizeArg)
    throw new Error('usage: store-writer <uri> <writer> <batches> <size>');
  const batches = Number(batchesArg);
  const size = Number(sizeArg);
  const store = await createLanceStore({ uri });
  const table = await store.openTable(writerTable);
  process.stdout.write('ready\n');
  // "wait": hold the first write until the parent says "go", so two writers really overlap.
  if (start === 'wait') {
    await new Promise((resolve) => process.stdin.once('data', resolve));
    // A stdin still being read would keep this process alive after its last write.
    process.stdin.destroy();
  }
  for (let batch = 0; batch < batches; batch++) {
    const rows = Array.from({ length: size }, (_, index) => ({
      id: `${writer}-${batch}-${index}`,
      writer,
      batch,
      text: `row ${index} of batch ${batch} from ${writer}`,
      vector: Float32Array.from({ length: 8 }, (_, dimension) => Math.sin(batch + index + dimension)),
    }));
    // "upsert": ids repeat across writers and batches (`item-<index>`), so rows get replaced.
    if (mode === 'upsert') {
      await table.upsert({
        namespace: 'shared',
        rows: rows.map((row, index) => ({ ...row, id: `item-${index}` })),
      });
    } else {
      await table.add({ namespace: 'shared', rows });
    }
    process.stdout.write(`ack ${batch}\n`);
  }
  await store.close();
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
