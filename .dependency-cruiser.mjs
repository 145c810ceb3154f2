// Dependency rules for Orchestral's layers, checked by dependency-cruiser (`npm run deps`).
//
// The layers, bottom to top. A module may import modules of its own layer or of a lower one,
// never of a higher one. The order is the architecture (docs/architecture.md, "Layers"):
//
//   core        src/core, src/errors        ids, clocks, redaction, the error base class
//   store       src/store                   the append-only log: bytes/JSON and its own tables
//   plan        src/plan                    plan schema, normalisation, the DAG (pure data)
//   facts       src/facts                   fact schemas, the fact codec, upcasters
//   machines    machines/                   XState definitions (pure)
//   llm         src/llm                     the OpenAI client, pricing, usage
//   actions     src/actions                 the action contract, registry and built-ins
//   executor    src/executor                scheduling, settling and running steps
//   planner     src/planner                 planners (static, OpenAI)
//   history     src/history                 one thread's history: stream name, reading, decoding, the fold, replay, snapshot cache
//   ownership   src/ownership               leases and worker identity
//   runtime     src/runtime                 the runtime: effects, thread runners, commands, rehydration
//   projections src/projections, projections/   read models
//   worker      src/worker                  the worker loop
//   tools       src/inspect, src/testing    the inspector bridge and the test kit (orchestral/inspect, orchestral/testing)
//   cli         src/cli, src/serve          composition roots: the command line and the server
//
// Why this order where it is not obvious:
// - store below facts: the store knows only bytes, JSON and its own tables. Facts implement the
//   store's codec contract (`EventCodec`) and describe its records (`RecordedFact`); the fact codec
//   is handed to a store by whoever opens it (the composition root).
// - plan below facts and machines: a plan is data that facts record (`PlanAccepted.plan`,
//   `PlannerResponded.output`, budgets) and machines read (`StepSpec`); the plan layer depends on
//   nothing but core.
//   Checking step inputs against actions takes the action schemas as an argument.
// - llm below actions: the built-in `llm.complete` action and the OpenAI planner share one client.
// - ownership below runtime: leases depend only on the store's connections, and the runtime claims
//   a thread's lease before it runs the thread's effects.
//
// Entry points (`src/index.ts` and other files directly under `src/`, and `src/stores/*`: the
// package's subpath entries) sit above every layer and may import anything. No layer may import them
// except cli: the composition roots reach the engine through the package's public entries, like
// any user of the package.

/** Layers bottom to top; `paths` are regular expressions over repository-relative module paths. */
const layers = [
  { name: 'core', paths: ['^src/core/', '^src/errors/'] },
  { name: 'store', paths: ['^src/store/'] },
  { name: 'plan', paths: ['^src/plan/'] },
  { name: 'facts', paths: ['^src/facts/'] },
  { name: 'machines', paths: ['^machines/'] },
  { name: 'llm', paths: ['^src/llm/'] },
  { name: 'actions', paths: ['^src/actions/'] },
  { name: 'executor', paths: ['^src/executor/'] },
  { name: 'planner', paths: ['^src/planner/'] },
  { name: 'history', paths: ['^src/history/'] },
  { name: 'ownership', paths: ['^src/ownership/'] },
  { name: 'runtime', paths: ['^src/runtime/'] },
  { name: 'projections', paths: ['^src/projections/', '^projections/'] },
  { name: 'worker', paths: ['^src/worker/'] },
  { name: 'tools', paths: ['^src/inspect/', '^src/testing/'] },
  { name: 'cli', paths: ['^src/cli/', '^src/serve/'] },
];

/** Files directly under `src/` and the store adapters' entries: package entry points, allowed to import any layer. */
const entries = ['^src/[^/]+$', '^src/stores/'];

/** Layers allowed to import the entry points (the composition roots). */
const entryUsers = new Set(['cli']);

const allLayerPaths = layers.flatMap((layer) => layer.paths);

/**
 * The package's public entry modules: the files the `exports` map of package.json names (as
 * sources). The command line reaches the engine only through them, like any user of the package.
 */
const publicEntries = [
  '^src/index\\.ts$',
  '^src/history\\.ts$',
  '^src/base\\.ts$',
  '^src/read\\.ts$',
  '^src/stores/(sqlite|postgres|kurrentdb)\\.ts$',
  '^src/actions/mcp/index\\.ts$',
  '^src/serve/index\\.ts$',
  '^src/testing/index\\.ts$',
  '^src/inspect/index\\.ts$',
  '^src/cli/index\\.ts$',
];

/** One rule per layer: nothing in it imports a layer above it (or an entry point); none for the top when it may import entries. */
const layerRules = layers.flatMap((layer, index) => {
  const above = layers.slice(index + 1).flatMap((upper) => upper.paths);
  const forbidden = entryUsers.has(layer.name) ? above : [...above, ...entries];
  if (forbidden.length === 0) return [];
  const names = layers.slice(index + 1).map((upper) => upper.name);
  return [{
    name: `layer-${layer.name}`,
    severity: 'error',
    comment:
      `'${layer.name}' may import only itself and the layers below it; ` +
      (names.length > 0 ? `not ${names.join(', ')}, ` : '') +
      (entryUsers.has(layer.name) ? 'entry points allowed.' : 'nor an entry point.'),
    from: { path: layer.paths },
    to: { path: forbidden },
  }];
});

export default {
  forbidden: [
    ...layerRules,
    {
      name: 'cli-public-surface',
      severity: 'error',
      comment:
        'The command line (src/cli) uses only the public surface: modules of src/cli, the package\'s ' +
        'entry modules (the `exports` map of package.json) and packages, never another module of src/, ' +
        'machines/ or projections/. Export what it needs from an entry (documented) instead; on the ' +
        'start-up path (threads, --help) import values only from the light entries (src/base.ts, and ' +
        'src/history.ts lazily), since src/index.ts loads the whole engine.',
      from: { path: '^src/cli/' },
      to: { path: ['^src/', '^machines/', '^projections/'], pathNot: ['^src/cli/', ...publicEntries] },
    },
    {
      name: 'in-a-layer',
      severity: 'error',
      comment:
        'Every module under src/ belongs to a layer (see the list at the top of this file) or is ' +
        'an entry point directly under src/; a new directory needs a place in the order.',
      from: { path: '^src/', pathNot: [...allLayerPaths, ...entries] },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules form no import cycle, counting type-only imports.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type that points up the layers is an upward dependency too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
