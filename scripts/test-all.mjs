// `npm test`: lint and type-check (no build needed), build, install the VS Code hosts if missing, then unit tests, integration tests in the
// real extension host of each VS Code version, and UI end-to-end tests; ends with the total as
// "N passed, N failed". Every stage runs even if an earlier one failed, so one run tells all.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

function run(label, args, env = {}) {
  return new Promise((resolve) => {
    const stageStarted = Date.now();
    console.log(`\n=== ${label} ===`);
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk).slice(-2000);
    });
    child.on('exit', (code) => {
      const matches = [...tail.matchAll(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/gm)];
      const last = matches.at(-1);
      const counts = last ? { passed: Number(last[1]), failed: Number(last[2]), skipped: Number(last[3] ?? 0) } : null;
      resolve({ label, code: code ?? 1, counts, seconds: (Date.now() - stageStarted) / 1000 });
    });
  });
}

const stages = [];
stages.push(await run('lint and type-check', [join(root, 'scripts', 'lint.mjs')]));
const build = await run('build', [join(root, 'scripts', 'build.mjs')]);
stages.push(build);
if (build.code === 0) {
  const host = await run('VS Code hosts (install if missing)', [join(root, 'scripts', 'vscode-host', 'install.mjs')]);
  stages.push(host);
  // The unit tests make a few thousand stores: what Track Manager caches about each goes to a
  // folder of the run's own, not the user's cache folder.
  const cacheHome = mkdtempSync(join(tmpdir(), 'track-manager-test-cache-'));
  stages.push(await run('unit tests', [join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')], { XDG_CACHE_HOME: cacheHome }));
  rmSync(cacheHome, { recursive: true, force: true });
  if (host.code === 0) {
    stages.push(await run('integration tests (real extension host)', [join(root, 'scripts', 'vscode-host', 'run-integration.mjs')]));
    stages.push(await run('end-to-end tests (Chromium + code-server)', [join(root, 'scripts', 'vscode-host', 'run-e2e.mjs')]));
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\n=== summary ===');
for (const stage of stages) {
  const counts = stage.counts ?? { passed: 0, failed: stage.code === 0 ? 0 : 1, skipped: 0 };
  const stageFailed = stage.code !== 0 ? Math.max(1, counts.failed) : counts.failed;
  passed += counts.passed;
  failed += stageFailed;
  skipped += counts.skipped;
  console.log(`${stage.code === 0 ? 'ok  ' : 'FAIL'} ${stage.label}: ${stage.counts ? `${counts.passed} passed, ${stageFailed} failed` : `exit ${stage.code}`} (${stage.seconds.toFixed(0)} s)`);
}
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && stages.every((stage) => stage.code === 0) ? 0 : 1);
