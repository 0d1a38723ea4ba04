import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Runs git in a test repository; throws with git's output on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
}

/** A real repository with one commit, configured locally so no global config matters. */
export function initRepo(dir: string, options: { bare?: boolean } = {}): void {
  git(dir, 'init', '--quiet', '--initial-branch=main', ...(options.bare ? ['--bare'] : []));
  if (options.bare) return;
  configureIdentity(dir);
  writeFileSync(path.join(dir, 'README.md'), 'hello\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'initial');
}

export function configureIdentity(dir: string): void {
  git(dir, 'config', 'user.name', 'Track Test');
  git(dir, 'config', 'user.email', 'track-test@example.invalid');
  git(dir, 'config', 'init.defaultBranch', 'main');
  git(dir, 'config', 'commit.gpgsign', 'false');
}

export function headBranch(dir: string): string {
  return git(dir, 'symbolic-ref', '--short', 'HEAD').trim();
}
