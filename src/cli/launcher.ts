/**
 * The `track` executable: loads the CLI bundle through V8's code cache, so every command after the
 * first skips compiling it (Node 22+ does this itself with module.enableCompileCache). The cache
 * lives in the temp folder, keyed by the bundle and the Node version; any failure just compiles.
 * It loads no module a command may not need (node:crypto alone costs more than reading the cache).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';
import { writeOutput } from './stdio';

// `brief` runs at every agent session start: it has its own tiny bundle; the read commands have
// one without the write operations (kept in step with READ_COMMAND_NAMES by a test).
const READ_COMMANDS = new Set(['get-active', 'list', 'show', 'stats']);
const command = process.argv[2];
declare const TRACK_MANAGER_VERSION: string;
const bundle = path.join(__dirname, command === 'brief' ? 'cli-brief.js' : command !== undefined && READ_COMMANDS.has(command) ? 'cli-read.js' : 'cli-main.js');
// The CommonJS loader itself, without loading node:module (it brings the ES module loader along).
const Module = module.constructor as typeof import('node:module');
const enableCompileCache = (Module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache;

if (command === '--version' || command === '-v') {
  writeOutput(1, `${TRACK_MANAGER_VERSION}\n`);
} else if (typeof enableCompileCache === 'function') {
  enableCompileCache();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CLI bundle, chosen at run time by path
  require(bundle);
} else {
  runWithCodeCache();
}

function runWithCodeCache(): void {
  const source = readFileSync(bundle, 'utf8');
  const info = statSync(bundle);
  // One cache per installed bundle: a new build (or Node) replaces that bundle's older cache.
  const family = `${path.basename(bundle, '.js')}-${fnv1a(bundle)}-`;
  const key = `${family}${fnv1a(`${process.version}:${process.arch}:${info.size}:${info.mtimeMs}`)}`;
  const cacheDir = path.join(tmpdir(), `track-manager-v8-cache-${safeUser()}`);
  const cacheFile = path.join(cacheDir, `${key}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  // The cache holds the functions compiled by the runs that wrote it: a command none of them ran
  // (a first `pause` after a `create`) would compile its own at every run. Its first run adds them.
  const commandsFile = path.join(cacheDir, `${key}.commands`);
  const contributed = cachedData === undefined ? [] : readCommands(commandsFile);
  const name = command !== undefined && /^[a-z][a-z-]*$/.test(command) ? command : '-';
  if (cachedData === undefined || script.cachedDataRejected || !contributed.includes(name)) {
    // Written at exit, when the functions the command ran have been compiled too.
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
        const known = script.cachedDataRejected ? [] : contributed;
        writeFileSync(`${commandsFile}.${process.pid}.tmp`, `${[...known, name].join('\n')}\n`);
        renameSync(`${commandsFile}.${process.pid}.tmp`, commandsFile);
        for (const file of readdirSync(cacheDir)) {
          if (file.startsWith(family) && (file.endsWith('.bin') || file.endsWith('.commands')) && !file.startsWith(`${key}.`)) unlinkSync(path.join(cacheDir, file));
        }
      } catch {
        // A cache is an optimisation only.
      }
    });
  }
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  const cliModule = new Module(bundle, module);
  cliModule.filename = bundle;
  cliModule.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  compiled.call(cliModule.exports, cliModule.exports, (id: string): unknown => cliModule.require(id), cliModule, bundle, path.dirname(bundle));
}

/** The commands whose first run added their functions to the cache (one a line). */
function readCommands(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function safeUser(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}

/** A cache file name from the key's text; a collision only costs a rejected cache (V8 checks the source). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
