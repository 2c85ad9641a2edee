import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', server: 'src/server.ts', uploader: 'src/uploader.ts', 'store-postgres': 'src/store-postgres.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  outDir: 'dist',
  target: 'node20',
  // Only web-standard globals at run time; the generated validators import nothing.
  platform: 'neutral',
  splitting: false,
  treeshake: true,
  sourcemap: false,
});
