// The workspace every editor test starts from: a store made through the real CLI, as a user (or
// an agent in a terminal) would have it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './hosts.mjs';

export const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');

export function seedWorkspace(label) {
  const dir = mkdtempSync(join(tmpdir(), `track-${label}-workspace-`));
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
