import { describeEmbeddingModelConformance } from '@loci/testing/embedding-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { createGloveEmbedder } from './glove-embedder.js';

describeEmbeddingModelConformance('glove-sif-100d', async () => {
  const home = await makeTempDir('loci-glove-conformance-');
  // A small batch size so the batching check crosses several batches.
  const model = await createGloveEmbedder({ home: home.path, maxBatchSize: 16 });
  return { model, cleanup: home.remove };
});
