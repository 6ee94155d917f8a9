// Layering from DESIGN.md: imports only point down.
//   spec (core) < providers (openai, onnx, lancedb) < memory (tim, longmem, fot)
//   < agent (memgpt) < evaluation (bench) < integrations (langchain, cli, examples)
// `testing` is test support: only test files and the testing package itself may import it.
const layers = {
  core: 0,
  openai: 1,
  onnx: 1,
  lancedb: 1,
  tim: 2,
  longmem: 2,
  fot: 2,
  memgpt: 3,
  bench: 4,
  langchain: 5,
  cli: 5,
};
const forbidden = [];
for (const [from, fromLevel] of Object.entries(layers)) {
  const banned = Object.entries(layers)
    .filter(([to, toLevel]) => to !== from && toLevel >= fromLevel)
    .map(([to]) => to);
  if (banned.length === 0) continue;
  forbidden.push({
    name: `layering-${from}`,
    comment: `@loci/${from} may only import packages from lower layers (DESIGN.md, "Layers").`,
    severity: 'error',
    from: { path: `^packages/${from}/src/`, pathNot: '\\.(int\\.)?test\\.ts$' },
    to: { path: `(^packages/(${banned.join('|')})/)|(node_modules/@loci/(${banned.join('|')})/)` },
  });
}
forbidden.push({
  name: 'testing-only-in-tests',
  comment: '@loci/testing is for tests; product code must not import it.',
  severity: 'error',
  from: {
    path: '^packages/(?!testing/)[^/]+/src/',
    pathNot: ['\\.(int\\.)?test\\.ts$', '/__fixtures__/'],
  },
  to: { path: '(^packages/testing/)|(node_modules/@loci/testing/)' },
});
forbidden.push({
  name: 'memory-takes-providers-injected',
  comment:
    'Memory systems and the agent receive { model, embedder, store }; they never import a concrete provider (DESIGN.md).',
  severity: 'error',
  from: { path: '^packages/(tim|longmem|fot|memgpt)/src/', pathNot: '\\.(int\\.)?test\\.ts$|/__fixtures__/' },
  to: { path: '(^packages/(openai|onnx|lancedb)/)|(node_modules/@loci/(openai|onnx|lancedb)/)' },
});
forbidden.push({
  name: 'not-to-unresolvable',
  comment: 'An import that cannot be resolved (often a workspace package missing from package.json).',
  severity: 'error',
  from: {},
  to: { couldNotResolve: true },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@loci/source', 'import', 'types', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
