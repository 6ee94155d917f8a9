import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { lociHome } from '@loci/core';
import {
  ensureGloveModel,
  GLOVE_MODEL_ID,
  type ModelManifest,
  type ProgressEvent,
  pullModel,
  readManifest,
  verifyManifestFiles,
} from '@loci/onnx';
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import type { CommandIo } from '../cli-io.js';
import { formatDuration } from '../format.js';
import { homeOption, parseOptions, switchOption } from '../options.js';
import { createProgressLine, type ProgressLine } from '../progress-line.js';

const buildOptionsSchema = z.object({
  home: homeOption.optional(),
  force: switchOption,
});
const listOptionsSchema = z.object({
  home: homeOption.optional(),
  verify: switchOption,
  json: switchOption,
});
const pullOptionsSchema = z.object({
  home: homeOption.optional(),
  hub: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL like https://huggingface.co' })
    .optional(),
  revision: z.string().trim().min(1, 'give a branch, tag or commit').optional(),
  force: switchOption,
});

/** `loci models build|list|pull` options as commander hands them over. */
export type ModelsBuildOptions = z.input<typeof buildOptionsSchema>;
export type ModelsListOptions = z.input<typeof listOptionsSchema>;
export type ModelsPullOptions = z.input<typeof pullOptionsSchema>;

export function parseModelsBuildOptions(raw: unknown): z.output<typeof buildOptionsSchema> {
  return parseOptions(buildOptionsSchema, raw, 'models build');
}
export function parseModelsListOptions(raw: unknown): z.output<typeof listOptionsSchema> {
  return parseOptions(listOptionsSchema, raw, 'models list');
}
export function parseModelsPullOptions(raw: unknown): z.output<typeof pullOptionsSchema> {
  return parseOptions(pullOptionsSchema, raw, 'models pull');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Feeds model progress events into the CLI's progress line (downloads in MB). */
function progressTo(line: ProgressLine): (event: ProgressEvent) => void {
  return (event) => {
    if (event.phase === 'download' && event.done !== undefined) {
      line.update({
        label: event.message,
        done: Math.round(event.done / 1e5) / 10,
        ...(event.total !== undefined ? { total: Math.round(event.total / 1e5) / 10 } : {}),
        detail: 'MB',
      });
      return;
    }
    line.update({
      label: event.message,
      ...(event.done !== undefined ? { done: event.done } : {}),
      ...(event.total !== undefined ? { total: event.total } : {}),
    });
  };
}

/** `loci models build`: builds (or verifies) the built-in glove-sif-100d embedder in the Loci home. */
export async function runModelsBuild(input: ModelsBuildOptions, io: CommandIo): Promise<void> {
  const options = parseModelsBuildOptions(input);
  const home = options.home ?? lociHome(io.env);
  const line = createProgressLine(io.stderr);
  const started = Date.now();
  const files = await ensureGloveModel({ home, onProgress: progressTo(line), rebuild: options.force });
  const took = formatDuration(Date.now() - started);
  line.finish(
    files.built
      ? `${GLOVE_MODEL_ID} built in ${took}: ${files.directory}`
      : `${GLOVE_MODEL_ID} verified in ${took}: ${files.directory}`,
  );
  io.stdout.write(`${files.directory}\n`);
}

interface ListedModel {
  id: string;
  origin: ModelManifest['origin'];
  source: string;
  bytes: number;
  directory: string;
  status: string;
}

/** Model folders under `<home>/models` (one or two levels: `name` or `owner/name`). */
async function findModelFolders(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(directory: string, depth: number): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (entries.some((entry) => entry.isFile() && entry.name === 'loci-manifest.json')) {
      found.push(directory);
      return;
    }
    if (depth >= 2) return;
    for (const entry of entries) {
      // Staging folders of unfinished pulls end in .partial; they are not models yet.
      if (entry.isDirectory() && !entry.name.endsWith('.partial'))
        await walk(join(directory, entry.name), depth + 1);
    }
  }
  await walk(root, 0);
  return found.sort();
}

/** `loci models list`: what is in the Loci home, with a size check (or full checksums with --verify). */
export async function runModelsList(input: ModelsListOptions, io: CommandIo): Promise<ListedModel[]> {
  const options = parseModelsListOptions(input);
  const root = join(options.home ?? lociHome(io.env), 'models');
  const listed: ListedModel[] = [];
  for (const directory of await findModelFolders(root)) {
    const id = relative(root, directory).split(sep).join('/');
    let manifest: ModelManifest | undefined;
    try {
      manifest = await readManifest(directory);
    } catch (error) {
      listed.push({
        id,
        origin: 'pulled',
        source: '?',
        bytes: 0,
        directory,
        status: `broken manifest (${(error as Error).message})`,
      });
      continue;
    }
    if (!manifest) continue;
    let status = 'ok';
    if (options.verify) {
      const problems = await verifyManifestFiles(directory, manifest);
      status = problems.length === 0 ? 'verified' : problems.join('; ');
    } else {
      for (const [name, entry] of Object.entries(manifest.files)) {
        const size = await stat(join(directory, name)).then(
          (stats) => stats.size,
          () => -1,
        );
        if (size !== entry.bytes) status = size < 0 ? `${name} is missing` : `${name} has the wrong size`;
      }
    }
    const bytes = Object.values(manifest.files).reduce((sum, entry) => sum + entry.bytes, 0);
    listed.push({
      id: manifest.modelId,
      origin: manifest.origin,
      source: manifest.source,
      bytes,
      directory,
      status,
    });
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
    return listed;
  }
  if (listed.length === 0) {
    io.stdout.write(
      `no models in ${root} yet: \`loci models build\` makes ${GLOVE_MODEL_ID}, \`loci models pull <id>\` downloads one\n`,
    );
    return listed;
  }
  const width = Math.max(...listed.map((model) => model.id.length));
  for (const model of listed) {
    const fix =
      model.status === 'ok' || model.status === 'verified'
        ? ''
        : model.origin === 'built'
          ? ' (run `loci models build --force`)'
          : ` (run \`loci models pull ${model.id} --force\`)`;
    io.stdout.write(
      `${model.id.padEnd(width)}  ${model.origin.padEnd(6)}  ${megabytes(model.bytes).padStart(9)}  ${model.status}${fix}\n`,
    );
  }
  return listed;
}

/** `loci models pull <id>`: downloads a sentence-transformers ONNX export; Ctrl-C keeps what arrived. */
export async function runModelsPull(id: string, input: ModelsPullOptions, io: CommandIo): Promise<void> {
  const options = parseModelsPullOptions(input);
  const line = createProgressLine(io.stderr);
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  let reported = false;
  const report = progressTo(line);
  try {
    const started = Date.now();
    const pulled = await pullModel({
      id,
      home: options.home ?? lociHome(io.env),
      force: options.force,
      onProgress: (event) => {
        reported = true;
        report(event);
      },
      signal: controller.signal,
      ...(options.hub ? { hubUrl: options.hub } : {}),
      ...(options.revision ? { revision: options.revision } : {}),
      ...(io.env['HF_TOKEN'] ? { token: io.env['HF_TOKEN'] } : {}),
    });
    const bytes = Object.values(pulled.manifest.files).reduce((sum, entry) => sum + entry.bytes, 0);
    line.finish(
      pulled.downloaded
        ? `${id}: ${megabytes(bytes)} downloaded and verified in ${formatDuration(Date.now() - started)}`
        : `${id} is already present and verified (use --force to download again)`,
    );
    io.stdout.write(`${pulled.directory}\n`);
  } catch (error) {
    if (reported) line.finish(`${id}: pull stopped`);
    if (controller.signal.aborted) {
      throw new CliError(`pull of ${id} interrupted; run the same command again to resume where it stopped`, {
        code: 'interrupted',
        category: 'user',
        facts: { model: id },
        cause: error,
      });
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

export function registerModels(program: Command, io: CommandIo): void {
  const models = program
    .command('models')
    .description('Embedding models in the Loci home (LOCI_HOME, default ~/.loci): build, list, pull.');
  models
    .command('build')
    .description(`build the built-in ${GLOVE_MODEL_ID} embedder (GloVe 6B + SIF, no download), or verify it`)
    .option('--force', 'rebuild even when the cached build verifies')
    .option('--home <dir>', 'Loci home (default LOCI_HOME or ~/.loci)')
    .action(async (flags: ModelsBuildOptions) => {
      await runModelsBuild(flags, io);
    });
  models
    .command('list')
    .description('list the models in the Loci home')
    .option('--verify', 'check every file against its sha256 (slower)')
    .option('--json', 'print JSON')
    .option('--home <dir>', 'Loci home (default LOCI_HOME or ~/.loci)')
    .action(async (flags: ModelsListOptions) => {
      await runModelsList(flags, io);
    });
  models
    .command('pull <id>')
    .description(
      'download a sentence-transformers ONNX export (model.onnx + tokenizer.json), resumable and verified',
    )
    .option('--hub <url>', 'hub base URL (default https://huggingface.co)')
    .option('--revision <rev>', 'branch, tag or commit (default main)')
    .option('--force', 'download again even when a verified copy is present')
    .option('--home <dir>', 'Loci home (default LOCI_HOME or ~/.loci)')
    .action(async (id: string, flags: ModelsPullOptions) => {
      await runModelsPull(id, flags, io);
    });
}
