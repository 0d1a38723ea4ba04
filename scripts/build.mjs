// Builds everything the product and its tests run: esbuild bundles of the CLI and the library,
// the library's type declarations, and the compiled tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const requireHere = createRequire(import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dist = join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

/**
 * `import * as path from 'node:path'` in a CommonJS bundle copies every property of the module
 * once per importing file (31 copies); one bundled module re-exporting its functions is shared.
 */
const sharedPathModule = {
  name: 'shared-node-path',
  setup(build) {
    build.onResolve({ filter: /^node:path$/ }, (args) => (args.kind === 'import-statement' ? { path: 'node:path', namespace: 'shared-node-path' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'shared-node-path' }, () => {
      const names = Object.keys(path).filter((name) => /^[a-z_$][\w$]*$/i.test(name) && name !== 'default');
      return { contents: `const path = require('node:path');\nexport const { ${names.join(', ')} } = path;\nexport default path;\n`, loader: 'js' };
    });
  },
};

/**
 * Built-in modules only some commands call (crypto for ids and temp names, child_process for git,
 * zlib for the original's snapshots) load on first call: each costs a command that never calls it
 * 2–3 ms, more than the whole command. Every function they export stays importable by name.
 */
const LAZY_BUILTINS = ['node:crypto', 'node:child_process', 'node:zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:(crypto|child_process|zlib)$/ }, (args) => (args.kind === 'import-statement' && LAZY_BUILTINS.includes(args.path)
      ? { path: args.path, namespace: 'lazy-builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const builtin = requireHere(args.path);
      const functions = Object.keys(builtin).filter((name) => /^[a-z]\w*$/.test(name) && typeof builtin[name] === 'function');
      return {
        contents: [
          'let loaded;',
          `const load = () => loaded ?? (loaded = require(${JSON.stringify(args.path)}));`,
          ...functions.map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * A plugin that gives one dependency, when required by one package, a stand-in module instead.
 * @param {{ name: string; module: string; requiredFrom: string; contents: string[]; resolveDir?: string }} standIn
 */
function standInFor({ name, module, requiredFrom, contents, resolveDir }) {
  const namespace = `stand-in-${name}`;
  const importer = new RegExp(`node_modules[\\\\/]${requiredFrom}[\\\\/]`);
  return {
    name,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${module}$`) }, (args) => (args.kind === 'require-call' && importer.test(args.importer)
        ? { path: args.path, namespace } : undefined));
      build.onLoad({ filter: /.*/, namespace }, () => ({ contents: contents.join('\n'), loader: 'js', ...(resolveDir ? { resolveDir } : {}) }));
    },
  };
}

/**
 * signal-exit (proper-lockfile's) loads `assert` at start-up for one argument check, which costs a
 * write about 1 ms; this stand-in makes the same check and loads assert only to report a failure.
 */
const lazyAssertForSignalExit = standInFor({
  name: 'lazy-assert-for-signal-exit',
  module: 'assert',
  requiredFrom: 'signal-exit',
  contents: [
    'module.exports = {',
    '  equal(actual, expected, message) {',
    "    if (actual != expected && !(Number.isNaN(actual) && Number.isNaN(expected))) require('node:assert').equal(actual, expected, message);",
    '  },',
    '};',
  ],
});

/**
 * proper-lockfile requires graceful-fs only as the default of its `fs` option, which we always
 * pass (lock.ts); loading it anyway costs every write about 4 ms (it loads node:stream and patches
 * fs). This stand-in loads graceful-fs on the first use of any of its properties, which never comes.
 */
const lazyGracefulFsForProperLockfile = standInFor({
  name: 'lazy-graceful-fs-for-proper-lockfile',
  module: 'graceful-fs',
  requiredFrom: 'proper-lockfile',
  resolveDir: root,
  contents: [
    'let loaded;',
    "const load = () => loaded ?? (loaded = require('graceful-fs'));",
    'module.exports = new Proxy({}, {',
    '  get: (_target, name) => load()[name],',
    '  has: (_target, name) => name in load(),',
    '  ownKeys: () => Reflect.ownKeys(load()),',
    '  getOwnPropertyDescriptor: (_target, name) => ({ ...Reflect.getOwnPropertyDescriptor(load(), name), configurable: true }),',
    '});',
  ],
});

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  plugins: [sharedPathModule, lazyBuiltins, lazyAssertForSignalExit, lazyGracefulFsForProperLockfile],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { TRACK_MANAGER_VERSION: JSON.stringify(pkg.version) },
};

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/cli/bin.ts')], outfile: join(dist, 'cli-main.js'), format: 'cjs', minify: true }),
  // The read commands (get-active, list, show, stats), without the write operations.
  build({ ...common, entryPoints: [join(root, 'src/cli/read-bin.ts')], outfile: join(dist, 'cli-read.js'), format: 'cjs', minify: true }),
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
// Node looks up the package scope of every script it starts: this stops it at dist/ instead of
// reading and parsing the 44 KB package.json (VS Code's contributions) on every CLI command.
writeFileSync(join(dist, 'package.json'), '{ "type": "commonjs" }\n');
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
