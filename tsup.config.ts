import { defineConfig, type Options } from 'tsup';

// Three builds run side by side into dist/; the first cleans it, sparing what the other two write.
const OTHER_BUILDS = ['!outbox.*', '!telemetry-outbox.*', '!telemetry-keys.*'];

/** What every build shares: one self-contained file per entry, for Node.js 20 and later. */
const common = { outDir: 'dist', target: 'node20', splitting: false, treeshake: true, sourcemap: false } satisfies Options;

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts', server: 'src/server.ts', uploader: 'src/uploader.ts', 'store-postgres': 'src/store-postgres.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: OTHER_BUILDS,
    // Only web-standard globals at run time; the generated validators import nothing. A node: import fails this build.
    platform: 'neutral',
  },
  {
    ...common,
    // The outbox keeps its queue on disk: Node.js only, node: built-ins stay imports.
    entry: { outbox: 'src/outbox.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    platform: 'node',
  },
  {
    ...common,
    // The operator CLI, the package's bin; the #! line comes from the source. It loads the outbox from
    // dist/outbox.js next to it instead of carrying a second copy of it.
    entry: { 'telemetry-outbox': 'src/outbox/bin.ts' },
    esbuildPlugins: [
      {
        name: 'outbox-beside',
        setup(build) {
          build.onResolve({ filter: /^\.\/outbox\.js$/ }, (args) => (args.importer.endsWith('src/outbox/cli.ts') ? { path: './outbox.js', external: true } : undefined));
        },
      },
    ],
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'node',
  },
  {
    ...common,
    // The key store's operator CLI, the package's second bin; pg or PGlite is loaded from the user's install.
    entry: { 'telemetry-keys': 'src/store/keys-bin.ts' },
    external: ['pg', '@electric-sql/pglite'],
    format: ['esm'],
    dts: false,
    clean: false,
    platform: 'node',
  },
]);
