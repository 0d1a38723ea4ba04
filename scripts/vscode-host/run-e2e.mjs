// UI end-to-end tests: code-server (what users run) with the packaged .vsix installed, driven by
// mocha + playwright-core + Debian's Chromium. Screenshots go to test-results/screenshots/.
// HEADED=1 shows the browser (needs a display: a desktop session, or `xvfb-run -a`), SLOWMO=<ms>
// slows each action down to watch it; E2E_GREP=<pattern> runs only the tests whose title matches.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, pickHosts } from './hosts.mjs';
import { CLI, seedWorkspace } from './seed.mjs';
import { freePort, killGroup, removeRunDirs, runDirs, runEnv, startCodeServer } from './server.mjs';
import { ensureVsix } from './vsix.mjs';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');

const VSIX = ensureVsix();

function runMocha(env) {
  return new Promise((resolve) => {
    const mocha = join(PROJECT_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const child = spawn(process.execPath, [mocha, '--no-config', '--timeout', '60000', '--reporter', join(PROJECT_ROOT, 'scripts', 'mocha-reporter.cjs'), join(PROJECT_ROOT, 'out', 'test', 'e2e', '*.test.js'), ...(process.env.E2E_GREP ? ['--grep', process.env.E2E_GREP] : [])], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.on('exit', (code) => {
      const match = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/.exec(output.trim());
      resolve({ code, summary: match ? { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) } : null });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
for (const host of pickHosts(process.env.E2E_HOSTS ?? process.env.VSCODE_HOSTS)) {
  const dirs = runDirs(`e2e-${host.vscode}`);
  const workspace = seedWorkspace('e2e');
  const port = await freePort();
  const env = runEnv(dirs);
  let server;
  try {
    server = await startCodeServer(host, dirs, env, { port, folder: workspace, vsix: VSIX });
    const screenshots = join(SCREENSHOTS, host.vscode);
    rmSync(screenshots, { recursive: true, force: true });
    mkdirSync(screenshots, { recursive: true });
    const result = await runMocha({
      ...process.env,
      E2E_URL: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
      E2E_WORKSPACE: workspace,
      E2E_SCREENSHOTS: screenshots,
      E2E_VSCODE: host.vscode,
      TRACK_TEST_CLI: CLI,
    });
    const s = result.summary ?? { passed: 0, failed: 1, skipped: 0 };
    passed += s.passed;
    failed += result.code !== 0 ? Math.max(1, s.failed) : s.failed;
    skipped += s.skipped;
    if (result.code !== 0) ok = false;
    console.log(`e2e on VS Code ${host.vscode}: exit ${result.code}; screenshots in ${screenshots}`);
  } catch (error) {
    ok = false;
    failed += 1;
    console.error(`e2e on VS Code ${host.vscode}: ${error.stack ?? error}`);
    if (server) console.error(server.output.join('').slice(-4000));
  } finally {
    await killGroup(server?.child);
    removeRunDirs(dirs);
    rmSync(workspace, { recursive: true, force: true });
  }
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
