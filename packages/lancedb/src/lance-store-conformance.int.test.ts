import { describeMemoryStoreConformance } from '@loci/testing/store-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { createLanceStore } from './lance-store.js';

describeMemoryStoreConformance('LanceDB in a local folder', async () => {
  const dir = await makeTempDir('loci-lance-conformance-');
  const store = await createLanceStore({ uri: dir.path });
  return { store, cleanup: dir.remove };
});
