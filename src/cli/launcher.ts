/**
 * The `track` executable: loads the CLI bundle through V8's code cache, so every command after the
 * first skips compiling it (Node 22+ does this itself with module.enableCompileCache). The cache
 * lives in the temp folder, keyed by the bundle and the Node version; any failure just compiles.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';

// `brief` runs at every agent session start: it has its own tiny bundle.
const bundle = path.join(__dirname, process.argv[2] === 'brief' ? 'cli-brief.js' : 'cli-main.js');
const enableCompileCache = (Module as unknown as { enableCompileCache?: () => unknown }).enableCompileCache;

if (typeof enableCompileCache === 'function') {
  enableCompileCache();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CLI bundle, chosen at run time by path
  require(bundle);
} else {
  runWithCodeCache();
}

function runWithCodeCache(): void {
  const source = readFileSync(bundle, 'utf8');
  const info = statSync(bundle);
  const key = createHash('sha1').update(`${process.version}:${process.arch}:${info.size}:${info.mtimeMs}:${bundle}`).digest('hex').slice(0, 16);
  const cacheDir = path.join(tmpdir(), `track-manager-v8-cache-${safeUser()}`);
  const cacheFile = path.join(cacheDir, `${key}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit, when the functions the command ran have been compiled too.
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
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

function safeUser(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}
