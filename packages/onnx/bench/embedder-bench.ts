/**
 * glove-sif-100d throughput: sentences/s embedding batches of 64 sentences of ~25 words, plus the
 * first-build and cached-load times. Sentences are generated from the GloVe vocabulary with a
 * Zipf-like word distribution (no benchmark data). Run: pnpm --filter @loci/onnx bench
 */
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@loci/core';
import { createGloveEmbedder, ensureGloveModel } from '@loci/onnx';
import { makeTempDir } from '@loci/testing/temp-dir';
import { createGloveTokenizer } from '../src/glove-tokenizer.js';

const batchSize = 64;
const sentenceCount = Number(process.env['BENCH_SENTENCES'] ?? 20_480);

/** ~25-word sentences: words drawn by rank from the top 30k (Zipf), some capitalised, with punctuation. */
function makeSentences(words: readonly string[], count: number): string[] {
  const next = seededRandom(42);
  const pool = words.slice(0, 30_000).filter((word) => /^[a-z]/.test(word));
  const out: string[] = [];
  for (let index = 0; index < count; index++) {
    const length = 20 + Math.floor(next() * 11);
    const parts: string[] = [];
    for (let w = 0; w < length; w++) {
      // Inverse-CDF of a log-uniform rank ≈ Zipf.
      const rank = Math.floor(Math.exp(next() * Math.log(pool.length))) - 1;
      let word = pool[rank] as string;
      if (w === 0 || next() < 0.05) word = word[0]?.toUpperCase() + word.slice(1);
      if (next() < 0.04) word = `${word}'s`;
      parts.push(word);
      if (next() < 0.06) parts.push(',');
    }
    out.push(`${parts.join(' ').replace(/ ,/g, ',')}.`);
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const temp = await makeTempDir('loci-embedder-bench-');
try {
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
  );
  let started = performance.now();
  const files = await ensureGloveModel({ home: temp.path });
  const buildMs = performance.now() - started;
  console.log(`first build (read wink JSON, build graph, write, checksum): ${(buildMs / 1000).toFixed(2)} s`);
  started = performance.now();
  const model = await createGloveEmbedder({ home: temp.path, maxBatchSize: batchSize });
  console.log(
    `cached load (verify sha256 of ${files.directory}, vocab, ORT session): ${Math.round(performance.now() - started)} ms`,
  );

  const words = (await readFile(join(files.directory, 'vocab.txt'), 'utf8')).split('\n');
  const sentences = makeSentences(words, sentenceCount);
  const meanWords = sentences.reduce((sum, text) => sum + text.split(' ').length, 0) / sentences.length;
  console.log(
    `${sentences.length} sentences, ${meanWords.toFixed(1)} words on average, batches of ${batchSize}`,
  );

  const tokenizer = createGloveTokenizer(new Map(words.map((word, index) => [word, index])));
  const tokenizeRates: number[] = [];
  for (let run = 0; run < 3; run++) {
    started = performance.now();
    for (const text of sentences) tokenizer.encode(text, 512);
    tokenizeRates.push(sentences.length / ((performance.now() - started) / 1000));
  }
  console.log(`tokenizer alone: ${Math.round(median(tokenizeRates))} sentences/s (median of 3)`);

  for (const threads of [1, 2]) {
    const embedder =
      threads === 1
        ? model
        : await createGloveEmbedder({ home: temp.path, maxBatchSize: batchSize, threads });
    await embedder.embed(sentences.slice(0, batchSize * 4), { kind: 'document' }); // warm-up
    const rates: number[] = [];
    for (let run = 0; run < 3; run++) {
      started = performance.now();
      for (let start = 0; start < sentences.length; start += batchSize) {
        await embedder.embed(sentences.slice(start, start + batchSize), { kind: 'document' });
      }
      rates.push(sentences.length / ((performance.now() - started) / 1000));
    }
    console.log(
      `embed, ${threads} ORT thread(s): ${Math.round(median(rates))} sentences/s (median of 3; runs ${rates.map(Math.round).join(', ')})`,
    );
  }
} finally {
  await temp.remove();
}
