// Runs the mocha suites of test/integration inside the real Node extension host of each VS Code
// version (the VS Code server with the smoke-test driver, driven by headless Chromium), with the
// host's console streamed here. Exit code: 0 only if every version ran and passed.
//
// Options (after `npm run test:integration --`): `--grep <pattern>` runs only the tests whose full
// title matches (also TRACK_TEST_GREP); `--scenario single-folder|multi-root` runs one workspace
// scenario instead of both. VSCODE_HOSTS=oldest|newest picks the VS Code version.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT, pickHosts } from './hosts.mjs';
import { CLI, seedWorkspace } from './seed.mjs';
import { removeRunDirs, runDirs, runEnv, runExtensionSuite } from './server.mjs';

const SUITE = join(PROJECT_ROOT, 'out', 'test', 'integration', 'index.js');
const RUN_TIMEOUT_MS = Number(process.env.INTEGRATION_TIMEOUT_MS ?? 240_000);
const SCENARIOS = ['single-folder', 'multi-root'];

function option(name) {
  const index = process.argv.indexOf(name);
  if (index < 0) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}
const grep = option('--grep') ?? process.env.TRACK_TEST_GREP;
const onlyScenario = option('--scenario');
if (onlyScenario !== undefined && !SCENARIOS.includes(onlyScenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);

/** Single folder: the seeded workspace. Multi-root: it and an empty second folder, in a .code-workspace. */
function openTarget(scenario, workspace) {
  if (scenario === 'single-folder') return { query: `folder=${encodeURIComponent(workspace)}`, extra: [] };
  const second = mkdtempSync(join(tmpdir(), 'track-it-second-'));
  const file = join(mkdtempSync(join(tmpdir(), 'track-it-multi-')), 'multi.code-workspace');
  writeFileSync(file, JSON.stringify({ folders: [{ path: workspace }, { path: second }] }));
  return { query: `workspace=${encodeURIComponent(file)}`, extra: [second, dirname(file)] };
}

async function runOn(host, scenario) {
  const dirs = runDirs(`it-${host.vscode}`);
  const workspace = seedWorkspace('it');
  const target = openTarget(scenario, workspace);
  const label = `${host.vscode} ${scenario}`;
  const env = runEnv(dirs, { TRACK_TEST_CLI: CLI, TRACK_TEST_WORKSPACE: workspace, TRACK_TEST_VSCODE: host.vscode, TRACK_TEST_SCENARIO: scenario, TRACK_TEST_GREP: grep ?? '' });
  let summary = null;
  const started = Date.now();
  try {
    const { code, serverOutput } = await runExtensionSuite({
      host, dirs, env, query: target.query, suite: SUITE, extensionPath: PROJECT_ROOT, timeoutMs: RUN_TIMEOUT_MS,
      onLog: (text) => {
        const match = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(text);
        if (match) summary = { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) };
        for (const line of text.split('\n')) console.log(`[${label}] ${line}`);
      },
    });
    if (code === 'timeout') {
      console.error(`[${label}] the extension host never reported a result within ${RUN_TIMEOUT_MS / 1000} s; server output:\n${serverOutput.slice(-4000)}`);
      return { label, code: 1, summary, seconds: (Date.now() - started) / 1000 };
    }
    return { label, code, summary, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    console.error(`[${label}] ${error.stack ?? error}`);
    return { label, code: 1, summary: null, seconds: (Date.now() - started) / 1000 };
  } finally {
    removeRunDirs(dirs);
    for (const dir of [workspace, ...target.extra]) rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const host of pickHosts()) {
  for (const scenario of SCENARIOS.filter((name) => !onlyScenario || name === onlyScenario)) results.push(await runOn(host, scenario));
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const result of results) {
  const s = result.summary ?? { passed: 0, failed: 1, skipped: 0 };
  // A host that exits non-zero without counting a failure still fails the run.
  const hostFailed = result.code !== 0 ? Math.max(1, s.failed) : s.failed;
  passed += s.passed;
  failed += hostFailed;
  skipped += s.skipped;
  console.log(`integration on VS Code ${result.label}: exit ${result.code}, ${s.passed} passed, ${hostFailed} failed (${result.seconds.toFixed(1)} s)`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(results.every((r) => r.code === 0) && failed === 0 ? 0 : 1);
