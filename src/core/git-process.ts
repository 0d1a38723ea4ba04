import { spawn } from 'node:child_process';
import { TrackError } from './model/errors';

/**
 * The few git operations that must change the repository (checkout, branch, stash) run the real
 * `git`: reimplementing them would risk the user's work. Reads stay in git.ts, without a process.
 */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runGit(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new TrackError(
        'E_GIT',
        error.code === 'ENOENT' ? 'git is not installed or not on PATH; install git or run without --checkout.' : `Could not run git: ${error.message}.`,
        { errno: error.code },
      ));
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs git and throws E_GIT with git's own words when it fails. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const result = await runGit(cwd, args);
  if (result.code !== 0) {
    const said = (result.stderr || result.stdout).trim().split('\n').slice(0, 6).join(' ');
    throw new TrackError('E_GIT', `\`git ${args.join(' ')}\` failed: ${said}`, { args, exit_code: result.code });
  }
  return result.stdout;
}

export async function repositoryRoot(cwd: string): Promise<string | null> {
  const result = await runGit(cwd, ['rev-parse', '--show-toplevel']);
  return result.code === 0 ? result.stdout.trim() : null;
}

export async function currentBranch(cwd: string): Promise<string | null> {
  const result = await runGit(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return result.code === 0 ? result.stdout.trim() : null;
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await runGit(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
}

/**
 * The files git names when it refuses a checkout because local changes would be overwritten;
 * null when the failure is of another kind.
 */
export function filesBlockingCheckout(stderr: string): string[] | null {
  if (!/would be overwritten by checkout|would be overwritten by switch/.test(stderr)) return null;
  const files: string[] = [];
  for (const line of stderr.split('\n')) {
    const match = /^\t(.+)$/.exec(line);
    if (match) files.push(match[1].trim());
  }
  return files;
}

export interface StashEntry {
  ref: string;
  message: string;
}

export async function listStashes(cwd: string): Promise<StashEntry[]> {
  const result = await runGit(cwd, ['stash', 'list', '--format=%gd%x00%gs']);
  if (result.code !== 0) return [];
  return result.stdout.split('\n').filter(Boolean).map((line) => {
    const [ref, message] = line.split('\u0000');
    return { ref, message: message ?? '' };
  });
}
