import { seededRandom } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { makeTempDir } from '@loci/testing/temp-dir';
import { expect, it } from 'vitest';
import { createRecallTextIndex } from './recall-text-index.js';
import type { StoredMessage } from './stored-message.js';
import { searchableText } from './stored-message.js';
import { messagesTable } from './tables.js';

// Word forms that stem alike or not, stop words (before and after stemming), accents, ligatures,
// digits, underscores, apostrophes, hyphens, an emoji and a word past the 40-character limit.
const vocabulary = [
  'painted',
  'painting',
  'paints',
  'happiness',
  'happy',
  'generously',
  'generous',
  'runs',
  'running',
  'ran',
  'cats',
  'cat',
  'café',
  'cafe',
  'naïve',
  'naive',
  'ﬁnance',
  'finance',
  'ÅNGSTRÖM',
  'angstrom',
  'straße',
  'flies',
  'dying',
  'skies',
  'news',
  'about',
  'would',
  'very',
  'the',
  'and',
  'ands',
  'its',
  "it's",
  "Caroline's",
  "don't",
  'X-ray',
  'hyper-link',
  'running_fast',
  '12345',
  'x2',
  '2024-05-07',
  'Lisbon',
  'heron',
  'herons',
  '🎻',
  `${'long'.repeat(11)}`,
  'was',
  'this',
  'into',
  'wills',
  'ifs',
];

it("finds what the store's full-text index finds, ranked alike", async () => {
  const dir = await makeTempDir();
  const store = await createLanceStore({ uri: `${dir.path}/store` });
  try {
    const random = seededRandom(11);
    const pick = () => vocabulary[Math.floor(random() * vocabulary.length)] as string;
    const messages: StoredMessage[] = Array.from({ length: 300 }, (_, seq) => ({
      id: `m${seq}`,
      seq,
      kind: 'user',
      content: Array.from({ length: 2 + Math.floor(random() * 12) }, pick).join(random() < 0.5 ? ' ' : ', '),
      at: new Date(Date.UTC(2024, 0, 1, 0, seq)),
      stepId: 's',
    }));
    const table = await store.openTable(messagesTable);
    await table.add({
      namespace: 'n',
      rows: messages.map((m) => ({ ...m, search: searchableText(m), data: '{}' })),
    });
    // Every row in the index, none left to the store's scan of unindexed rows.
    await table.optimize();
    const index = createRecallTextIndex();
    index.add(messages);

    const queries = [...vocabulary, 'paint happiness', 'the cats ran', 'finance café 12345', 'Heron LISBON'];
    for (const query of queries) {
      const fromStore = await table.search({ namespace: 'n', mode: 'text', text: query, k: 300 });
      const inProcess = index.search(query, 300);
      const storeIds = fromStore.map((hit) => hit.row.id);
      expect([...inProcess.map((m) => m.id)].sort(), query).toEqual([...storeIds].sort());
      // Ranked alike: the store's best match is among the in-process best of equal score.
      const best = fromStore[0];
      if (best) {
        const tied = fromStore.filter((hit) => Math.abs(hit.score - best.score) < 1e-3 * best.score);
        expect(
          tied.map((hit) => hit.row.id),
          query,
        ).toContain(inProcess[0]?.id);
      }
    }
  } finally {
    await store.close();
    await dir.remove();
  }
});
