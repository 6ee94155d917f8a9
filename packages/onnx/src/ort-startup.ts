import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { encodeOnnxModel } from './onnx-graph.js';

/**
 * onnxruntime's one-time process start-up (run by the first session it creates) reads the process's
 * command line recursively, using stack in proportion to its length: with a command line of ~40 KB
 * (a long `--question`) it overflows the main thread's 8 MB stack and the process dies by SIGSEGV,
 * with no message. When the command line is long, the start-up is run once in a worker thread
 * whose stack is sized for it; the runtime's process-wide state then exists, and sessions on the
 * main thread skip it.
 */
const longCommandLine = 8 * 1024;

let started: Promise<void> | undefined;

export function startOrtSafely(ortPath: string): Promise<void> {
  started ??= (async () => {
    const length = await commandLineLength();
    if (length <= longCommandLine) return;
    // ~200 bytes of stack per command-line character were measured; keep a wide margin.
    const stackSizeMb = Math.ceil((length * 512) / (1024 * 1024)) + 64;
    await runInWorker(ortPath, stackSizeMb);
  })();
  return started;
}

async function commandLineLength(): Promise<number> {
  try {
    return (await readFile('/proc/self/cmdline')).length;
  } catch {
    // No procfs (macOS, Windows): estimate from what Node was given.
    return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ').length;
  }
}

function runInWorker(ortPath: string, stackSizeMb: number): Promise<void> {
  const model = encodeOnnxModel({
    name: 'loci-ort-startup',
    inputs: [{ name: 'x', type: 'float32', dims: [1] }],
    outputs: [{ name: 'y', type: 'float32', dims: [1] }],
    initializers: [],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.ortPath)
      .then((ort) => (ort.default ?? ort).InferenceSession.create(workerData.model))
      .then(() => parentPort.postMessage('ready'), (error) => parentPort.postMessage(String(error)));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { ortPath, model },
      resourceLimits: { stackSizeMb },
    });
    worker.once('message', (message: unknown) => {
      void worker.terminate();
      if (message === 'ready') resolve();
      else reject(new Error(`onnxruntime start-up failed in its worker: ${String(message)}`));
    });
    worker.once('error', reject);
  });
}
