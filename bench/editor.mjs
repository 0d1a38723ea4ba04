// The editor half of the benchmark: the extension in the real extension host of the newest VS Code,
// on a workspace of N tracks (test/perf/index.ts measures; this starts and reads it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOSTS } from '../scripts/vscode-host/hosts.mjs';
import { CLI } from '../scripts/vscode-host/seed.mjs';
import { removeRunDirs, runDirs, runEnv, runExtensionSuite } from '../scripts/vscode-host/server.mjs';
import { seed } from './seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function editorBench(size) {
  const host = HOSTS.at(-1);
  const workspace = mkdtempSync(join(tmpdir(), `track-bench-editor-${size}-`));
  const dirs = runDirs('bench-editor');
  try {
    await seed(workspace, size);
    /** @type {Record<string, any> | null} what test/perf/index.ts printed */
    let result = null;
    const { code, serverOutput } = await runExtensionSuite({
      host, dirs, env: runEnv(dirs, { TRACK_TEST_CLI: CLI }), query: `folder=${encodeURIComponent(workspace)}`,
      suite: join(root, 'out', 'test', 'perf', 'index.js'), extensionPath: root, timeoutMs: 300_000,
      onLog: (text) => {
        const match = /BENCH_RESULT (\{.*\})/.exec(text);
        if (match) result = JSON.parse(match[1]);
      },
    });
    if (code !== 0 || !result) throw new Error(`the editor benchmark failed (exit ${code}):\n${serverOutput.slice(-3000)}`);
    return result;
  } finally {
    removeRunDirs(dirs);
    rmSync(workspace, { recursive: true, force: true });
  }
}
