// UI end-to-end tests: code-server (what users run) with the packaged .vsix installed, driven by
// mocha + playwright-core + Debian's Chromium. Screenshots go to test-results/screenshots/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, pickHosts } from './hosts.mjs';
import { freePort, killGroup, removeRunDirs, runDirs, runEnv, startCodeServer } from './server.mjs';

const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const VSIX = join(PROJECT_ROOT, 'dist', 'track-manager.vsix');
const SCREENSHOTS = join(PROJECT_ROOT, 'test-results', 'screenshots');

// The .vsix of the current build: packaged here when missing or older than the bundle.
const bundle = join(PROJECT_ROOT, 'dist', 'extension.js');
if (!existsSync(bundle)) {
  console.error(`${bundle} is missing: run \`npm run build\` first.`);
  process.exit(1);
}
if (!existsSync(VSIX) || statSync(VSIX).mtimeMs < statSync(bundle).mtimeMs) {
  const vsce = join(PROJECT_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const packaged = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', VSIX], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (packaged.status !== 0) process.exit(1);
}

function seedWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), 'track-e2e-workspace-'));
  const cli = (...args) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
    if (result.status !== 0) throw new Error(`track ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const oauth = cli('create', '--name', 'OAuth Authentication', '--type', 'feature', '--goal', 'Add OAuth 2.0 login', '--priority', 'P1').track_id;
  cli('create', '--name', 'Login Timeout Fix', '--type', 'bugfix', '--goal', 'Fix the session timeout', '--priority', 'P0');
  cli('activate', '--track-id', oauth);
  cli('update', '--track-id', oauth, '--field', 'progress', '--value', '45');
  return dir;
}

function runMocha(env) {
  return new Promise((resolve) => {
    const mocha = join(PROJECT_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const child = spawn(process.execPath, [mocha, '--no-config', '--timeout', '60000', '--reporter', join(PROJECT_ROOT, 'scripts', 'mocha-reporter.cjs'), join(PROJECT_ROOT, 'out', 'test', 'e2e', '*.test.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
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
  const workspace = seedWorkspace();
  const port = await freePort();
  const env = runEnv(dirs);
  let server;
  try {
    server = await startCodeServer(host, dirs, env, { port, folder: workspace, vsix: VSIX });
    const screenshots = join(SCREENSHOTS, host.vscode);
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
