/**
 * The outer shell of the workspace runtime file: the runtime's code is embedded as a string and
 * compiled through V8's code cache (like the `track` launcher), so a guide script starts as fast as
 * `track` does. One file, no node_modules: the workspace can commit it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';

declare const RUNTIME_SOURCE: string;
declare const RUNTIME_HASH: string;

function safeUser(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}

function load(): unknown {
  const filename = __filename;
  const key = createHash('sha1').update(`${process.version}:${process.arch}:runtime:${RUNTIME_HASH}`).digest('hex').slice(0, 16);
  const cacheFile = path.join(tmpdir(), `track-manager-v8-cache-${safeUser()}`, `${key}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(RUNTIME_SOURCE), { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit, when the functions the command ran have been compiled too.
    process.once('exit', () => {
      try {
        mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        // A cache is an optimisation only.
      }
    });
  }
  const compiled = script.runInThisContext() as (...args: unknown[]) => void;
  const inner = { exports: {} as unknown };
  compiled.call(inner.exports, inner.exports, require, inner, filename, path.dirname(filename));
  return inner.exports;
}

module.exports = load();

// `node track-manager-runtime.cjs <command> …` runs the CLI itself: git's merge driver, registered
// by the editor's "Set Up Git Merge for Tracks", runs it so (`… merge-file %O %A %B %P`).
if (require.main === module) {
  const runtime = module.exports as { runCli(argv: string[], io: { stdout(text: string): void; stderr(text: string): void; env: NodeJS.ProcessEnv; cwd: string }): Promise<number> };
  void runtime.runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}
