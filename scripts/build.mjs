// Builds everything the product and its tests run: esbuild bundles of the CLI and the library,
// the library's type declarations, and the compiled tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { TRACK_MANAGER_VERSION: JSON.stringify(pkg.version) },
};

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/cli/bin.ts')], outfile: join(dist, 'cli-main.js'), format: 'cjs', minify: true }),
  // Loaded only by `track brief` and `track mcp`, so no other command pays for them.
  build({ ...common, entryPoints: [join(root, 'src/cli/brief-bin.ts')], outfile: join(dist, 'cli-brief.js'), format: 'cjs', minify: true }),
  build({ ...common, entryPoints: [join(root, 'src/cli/mcp-server.ts')], outfile: join(dist, 'mcp-server.js'), format: 'cjs', minify: true }),
  build({
    ...common,
    entryPoints: [join(root, 'src/cli/launcher.ts')],
    outfile: join(dist, 'cli.js'),
    format: 'cjs',
    minify: true,
    sourcemap: false,
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({ ...common, entryPoints: [join(root, 'src/core/index.ts')], outfile: join(dist, 'index.js'), format: 'cjs' }),
  build({
    ...common,
    entryPoints: [join(root, 'src/extension/extension.ts')],
    outfile: join(dist, 'extension.js'),
    format: 'cjs',
    external: ['vscode'],
    minify: true,
    sourcemap: false,
  }),
]);
chmodSync(join(dist, 'cli.js'), 0o755);
await buildWorkspaceRuntime();
// One implementation for both module systems: the ESM entry re-exports the CommonJS bundle.
writeFileSync(join(dist, 'index.mjs'), "export * from './index.js';\n");

/**
 * What `track init` writes into a workspace (dist/init/): the guide's script templates, and the
 * runtime they load — the core and CLI bundled, embedded as a string in a loader that compiles it
 * through V8's code cache (src/cli/runtime-loader.ts).
 */
async function buildWorkspaceRuntime() {
  const initDir = join(dist, 'init');
  cpSync(join(root, 'src/core/init/templates'), initDir, { recursive: true });
  const inner = await build({ ...common, entryPoints: [join(root, 'src/cli/runtime.ts')], format: 'cjs', minify: true, sourcemap: false, write: false });
  const source = inner.outputFiles[0].text;
  await build({
    ...common,
    entryPoints: [join(root, 'src/cli/runtime-loader.ts')],
    outfile: join(initDir, 'track-manager-runtime.cjs'),
    format: 'cjs',
    minify: true,
    sourcemap: false,
    banner: { js: `// Track Manager ${pkg.version}: the core and CLI the guide's scripts beside it run. Generated; do not edit.` },
    define: {
      ...common.define,
      RUNTIME_SOURCE: JSON.stringify(source),
      RUNTIME_HASH: JSON.stringify(createHash('sha256').update(source).digest('hex').slice(0, 16)),
    },
  });
}

const tsc = join(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.types.json')], { stdio: 'inherit' });
if (!process.argv.includes('--no-tests')) {
  // Compiled tests of deleted sources must not linger and run.
  rmSync(join(root, 'out'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
