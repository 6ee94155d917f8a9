import { seededRandom } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { featureNames } from './candidate-features.js';
import { defaultSideNetWeights } from './default-sidenet-weights.js';
import { createSideNet, type SideNetExample, type SideNetWeights } from './sidenet.js';

const features = ['lexical', 'noise'];

/**
 * A fixture where the frozen score is uninformative noise and the first feature marks the right
 * candidate: only a SideNet that learns to use the feature can rank it first.
 */
function fixture(count: number, seed: number): SideNetExample[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const n = 10;
    const positive = Math.floor(random() * n);
    const base = Float64Array.from({ length: n }, () => random() * 0.2);
    const values = new Float64Array(n * features.length);
    for (let c = 0; c < n; c++) {
      values[c * 2] = c === positive ? 0.6 + random() * 0.4 : random() * 0.5;
      values[c * 2 + 1] = random();
    }
    return { base, features: values, positives: [positive] };
  });
}

function accuracy(net: ReturnType<typeof createSideNet>, examples: SideNetExample[]): number {
  let hits = 0;
  for (const example of examples) {
    const scores = net.score(example.base, example.features);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if ((scores[c] as number) > (scores[best] as number)) best = c;
    if (example.positives.includes(best)) hits++;
  }
  return hits / examples.length;
}

describe('SideNet', () => {
  it('is the frozen retriever before training (gate 0)', () => {
    const net = createSideNet({ features });
    const [example] = fixture(1, 3);
    expect([...net.score(example!.base, example!.features)]).toEqual([...example!.base]);
    expect(net.toJSON().gate).toBe(0);
  });

  it('training reduces the listwise loss and generalises to held-out examples', () => {
    const net = createSideNet({ features });
    const train = fixture(200, 1);
    const heldOut = fixture(100, 2);
    const before = accuracy(net, heldOut);
    const report = net.train(train, { epochs: 20 });
    expect(report.lossAfter).toBeLessThan(report.lossBefore * 0.5);
    expect(net.toJSON().gate).not.toBe(0);
    expect(accuracy(net, heldOut)).toBeGreaterThan(Math.max(0.8, before + 0.3));
  });

  it('round-trips its weights through JSON and refuses mismatched ones', () => {
    const net = createSideNet({ features });
    net.train(fixture(50, 4), { epochs: 5 });
    const saved = JSON.parse(JSON.stringify(net.toJSON())) as unknown;
    const loaded = createSideNet({ features, weights: saved });
    const [example] = fixture(1, 9);
    expect([...loaded.score(example!.base, example!.features)]).toEqual([
      ...net.score(example!.base, example!.features),
    ]);
    expect(() => createSideNet({ features: ['other', 'noise'], weights: saved })).toThrow(/retrain/);
    expect(() => createSideNet({ features, weights: { ...(saved as object), version: 99 } })).toThrow(
      /SideNet weights: version/,
    );
    expect(() => createSideNet({ features, weights: { ...(saved as object), w1: [1] } })).toThrow(/shape/);
  });

  it('loads weights saved with the features in another order by name, scoring the same', () => {
    const net = createSideNet({ features });
    net.train(fixture(50, 4), { epochs: 5 });
    const saved = net.toJSON();
    // The same net, saved with its feature list (and every per-feature column) swapped.
    const swapped: SideNetWeights = {
      ...saved,
      features: ['noise', 'lexical'],
      linear: [saved.linear[1] as number, saved.linear[0] as number],
      w1: saved.w1.map((_, i) => saved.w1[i % 2 === 0 ? i + 1 : i - 1] as number),
    };
    const loaded = createSideNet({ features, weights: swapped });
    const [example] = fixture(1, 12);
    expect([...loaded.score(example!.base, example!.features)]).toEqual([
      ...net.score(example!.base, example!.features),
    ]);
    expect(loaded.toJSON().features).toEqual(features);
    expect(() => createSideNet({ features: [...features, 'extra'], weights: saved })).toThrow(/retrain/);
    expect(() =>
      createSideNet({ features, weights: { ...saved, features: ['lexical', 'lexical'] } }),
    ).toThrow(/retrain/);
  });

  it('loads the packaged default weights for the current features, unchanged', () => {
    const net = createSideNet({ features: featureNames, weights: defaultSideNetWeights });
    const saved = net.toJSON();
    const packaged = defaultSideNetWeights as SideNetWeights;
    expect(saved.features).toEqual(packaged.features);
    expect(saved.w1).toEqual(packaged.w1);
    expect(saved.linear).toEqual(packaged.linear);
    expect(saved.gate).toBe(packaged.gate);
  });

  it('trains the parameters it saves: the same seed gives the same weights', () => {
    const first = createSideNet({ features });
    const second = createSideNet({ features });
    first.train(fixture(40, 5), { epochs: 3 });
    second.train(fixture(40, 5), { epochs: 3 });
    expect(second.toJSON()).toEqual(first.toJSON());
    expect(first.loss(fixture(40, 5))).toBeLessThan(createSideNet({ features }).loss(fixture(40, 5)));
  });
});
