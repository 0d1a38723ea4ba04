// Starting and stopping a VS Code server of a host, and a headless Chromium to look at it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { CHROMIUM, codeServerDir, nodeBinary } from './hosts.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** A run-scoped home, temp and XDG folders, so VS Code and Chromium leave nothing on the machine. */
export function runDirs(label) {
  const base = mkdtempSync(join(tmpdir(), `track-${label}-`));
  const dirs = {
    base,
    home: join(base, 'home'),
    tmp: join(base, 'tmp'),
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    serverData: join(base, 'server-data'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  // Machine settings that keep the UI quiet and stable.
  const machine = join(dirs.serverData, 'data', 'Machine');
  mkdirSync(machine, { recursive: true });
  const settings = JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'chat.disableAIFeatures': true,
    'workbench.tips.enabled': false, 'update.mode': 'none', 'extensions.autoUpdate': false, 'git.enabled': false,
  });
  writeFileSync(join(machine, 'settings.json'), settings);
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), settings);
  return dirs;
}

export function runEnv(dirs, extra = {}) {
  return {
    ...process.env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    EXTENSIONS_GALLERY: '{}',
    VSCODE_CLI: undefined,
    ...extra,
  };
}

/** Starts a process in its own process group, its output prefixed and kept for failures. */
export function startGroup(command, args, { env, label, echo = false }) {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const onData = (chunk) => {
    const text = chunk.toString();
    output.push(text);
    if (echo) process.stdout.write(text.replace(/^/gm, `[${label}] `));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return { child, output };
}

export function killGroup(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      resolve();
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      // Whatever the server spawned (extension host, watchers) goes with the group.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      resolve();
    });
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
  });
}

export async function waitForHttp(url, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before answering ${url}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** The bare VS Code server (server-main.js), as VS Code runs its own browser integration tests. */
export async function startVsCodeServer(host, dirs, env) {
  const port = await freePort();
  const serverMain = join(codeServerDir(host), 'lib', 'vscode', 'out', 'server-main.js');
  const args = [
    serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--enable-smoke-test-driver', '--disable-telemetry', '--disable-workspace-trust',
    '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--server-data-dir', dirs.serverData,
  ];
  const server = startGroup(nodeBinary(host), args, { env, label: `vscode ${host.vscode}` });
  await waitForHttp(`http://127.0.0.1:${port}/`, 90_000, server.child);
  return { ...server, port };
}

/** code-server itself (what users run), with the packaged extension installed. */
export async function startCodeServer(host, dirs, env, { port, folder, vsix, echo = false }) {
  const bin = join(codeServerDir(host), 'out', 'node', 'entry.js');
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  if (vsix) {
    const install = startGroup(nodeBinary(host), [bin, ...common, '--install-extension', vsix, '--force'], { env, label: 'install' });
    const code = await new Promise((resolve) => install.child.on('exit', resolve));
    if (code !== 0) throw new Error(`installing ${vsix} failed:\n${install.output.join('')}`);
  }
  const args = [
    bin, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...common, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', folder,
  ];
  const server = startGroup(nodeBinary(host), args, { env, label: `code-server ${host.codeServer}`, echo });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000, server.child);
  return server;
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export function removeRunDirs(dirs) {
  rmSync(dirs.base, { recursive: true, force: true });
}

/**
 * Opens `query` (folder=… or workspace=…) in a VS Code server whose extension host loads this
 * project as the extension under development and `suite` as its tests; every console line of the
 * host goes to `onLog`. Resolves with the suite's exit code, or 'timeout'.
 */
export async function runExtensionSuite({ host, dirs, env, query, suite, extensionPath, onLog, timeoutMs }) {
  const server = await startVsCodeServer(host, dirs, env);
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const exitCode = new Promise((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      onLog(Array.isArray(args) ? format(...args) : String(args));
    });
    const authority = `127.0.0.1:${server.port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${extensionPath}`],
      ['extensionTestsPath', `vscode-remote://${authority}${suite}`],
      ['skipWelcome', 'true'],
    ];
    await page.goto(`http://${authority}/?${query}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
    const code = await Promise.race([exitCode, timeout]);
    return { code, serverOutput: server.output.join('') };
  } finally {
    await browser?.close().catch(() => undefined);
    await killGroup(server.child);
  }
}
