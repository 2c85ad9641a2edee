/**
 * `node scripts/run.mjs <command> [options]`: what the npm scripts run. It
 * bundles scripts/cli/main.ts with esbuild, afresh on every run, and imports the
 * bundle. Under tsx each of the ~80 TypeScript modules was compiled and
 * resolved one at a time through tsx's loader thread, which was most of the
 * 2.5 s `npm run check` took; one bundle loads in one piece (see
 * docs/performance.md). Dependencies stay external and load from
 * node_modules as usual. Plain JavaScript, so nothing has to compile it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const [command = 'command'] = process.argv.slice(2);
let result;
try {
  result = await build({
    entryPoints: [join(root, 'scripts/cli/main.ts')],
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // The bundle runs from elsewhere; the one module that finds the repo from its own URL must still see where it lives.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'scripts/cli/command.ts')).href) },
  });
} catch (error) {
  // The repo's own tools do not compile: say where in one line, as every command does, instead of esbuild's stack.
  const first = error?.errors?.[0];
  const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
  process.stderr.write(`${command}: internal error: the repo's scripts cannot be bundled: ${where}${first?.text ?? error?.message ?? error}\n`);
  process.exit(2);
}
// Inside node_modules, so the bundle's bare imports resolve to this repo's dependencies; one file per run, so runs never collide.
const dir = join(root, 'node_modules/.cache/telemetry-contract');
const file = join(dir, `cli-${process.pid}-${Date.now()}.mjs`);
await mkdir(dir, { recursive: true });
await writeFile(file, result.outputFiles[0].contents);
try {
  await import(pathToFileURL(file).href);
} finally {
  await rm(file, { force: true });
}
