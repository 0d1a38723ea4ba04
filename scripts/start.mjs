// `npm start`: builds, installs the VS Code host if missing, installs the packaged extension, makes a
// demo workspace with sample tracks (unless a folder is given) and serves VS Code on 127.0.0.1.
// Usage: npm start -- [FOLDER] [--port N] [--vscode 1.100.3|1.139.1]. Ctrl-C stops everything.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HOSTS, HOST_ROOT, PROJECT_ROOT } from './vscode-host/hosts.mjs';
import { killGroup, runDirs, runEnv, startCodeServer } from './vscode-host/server.mjs';
import { ensureVsix } from './vscode-host/vsix.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: process.env.PORT ?? '8080' }, vscode: { type: 'string', default: HOSTS.at(-1).vscode } },
});
const host = HOSTS.find((h) => h.vscode === values.vscode || h.name === values.vscode);
if (!host) {
  console.error(`Unknown VS Code version ${values.vscode}; choose one of ${HOSTS.map((h) => h.vscode).join(', ')}.`);
  process.exit(2);
}
const step = (message) => console.log(`\n▸ ${message}`);
const node = (args, options = {}) => {
  const result = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

step('Building');
node([join(PROJECT_ROOT, 'scripts', 'build.mjs'), '--no-tests']);
step(`Installing VS Code ${host.vscode} if missing`);
node([join(PROJECT_ROOT, 'scripts', 'vscode-host', 'install.mjs'), '--hosts', host.name]);
step('Packaging the extension');
const vsix = ensureVsix();

const folder = positionals[0] ? resolve(positionals[0]) : join(HOST_ROOT, 'demo-workspace');
mkdirSync(folder, { recursive: true });
if (!positionals[0] && !existsSync(join(folder, '.claude', 'conductor'))) {
  step(`Creating sample tracks in ${folder}`);
  const track = (...args) => {
    const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'cli.js'), ...args], { cwd: folder, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
    if (result.status !== 0) throw new Error(`track ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const oauth = track('create', '--name', 'OAuth Authentication', '--type', 'feature', '--goal', 'Add OAuth 2.0 authentication with Google and GitHub providers', '--priority', 'P1', '--criteria', 'Google login works', '--criteria', 'GitHub login works').track_id;
  const dashboard = track('create', '--name', 'User Dashboard', '--type', 'feature', '--goal', 'Implement user dashboard with analytics widgets', '--priority', 'P2', '--ready').track_id;
  const bug = track('create', '--name', 'Login Timeout Fix', '--type', 'bugfix', '--goal', 'Fix login session timeout after 5 minutes', '--priority', 'P0').track_id;
  track('create', '--name', 'Session Store Refactor', '--type', 'refactor', '--goal', 'Move sessions to Redis', '--priority', 'P3');
  track('activate', '--track-id', bug);
  track('complete', '--track-id', bug, '--summary', 'Timeout raised and refreshed on activity');
  track('activate', '--track-id', dashboard);
  track('switch', '--to', oauth);
  track('update', '--track-id', oauth, '--field', 'progress', '--value', '45');
  const run = track('run', 'start', '--track-id', oauth, '--workflow', 'greenfield-fullstack.yaml', '--total', '10');
  for (let i = 1; i <= 3; i += 1) track('run', 'step', '--run-id', run.run_id, '--step', String(i));
}

const port = Number(values.port);
const dirs = runDirs('start');
step(`Starting VS Code ${host.vscode} on 127.0.0.1:${port}`);
let server;
const stop = async () => {
  await killGroup(server?.child);
  process.exit(0);
};
// stop() ends the process; nothing waits for its promise.
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
try {
  server = await startCodeServer(host, dirs, runEnv(dirs), { port, folder, vsix });
} catch (error) {
  console.error(String(error.message ?? error));
  console.error(`Is port ${port} taken? Try \`npm start -- --port 8081\`.`);
  await killGroup(server?.child);
  process.exit(1);
}
console.log(`\nTrack Manager is running in VS Code ${host.vscode}:\n\n    http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}\n\nOpen it in a browser. Ctrl-C stops it.`);
server.child.on('exit', (code) => {
  console.log(`VS Code stopped (exit ${code}).`);
  process.exit(code ?? 0);
});
