import * as path from 'node:path';
import { statIfExists } from './storage/file-info';
import { readText } from './storage/file-reads';

export type GitState = {
  branch: string | null;
  head: string | null;
};

/**
 * Branch and HEAD of the repository holding the workspace, read from `.git` directly: spawning
 * git would cost more than the whole checkpoint. Returns null outside a repository.
 */
export async function readGitState(workspaceRoot: string): Promise<GitState | null> {
  const gitDir = await findGitDir(workspaceRoot);
  if (!gitDir) return null;
  const headText = (await readText(path.join(gitDir, 'HEAD')).catch(() => '')).trim();
  if (!headText) return null;
  const symbolic = /^ref:\s*(\S+)$/.exec(headText);
  if (!symbolic) return { branch: null, head: headText };
  const ref = symbolic[1];
  const branch = ref.replace(/^refs\/heads\//, '');
  const commonDir = await readCommonDir(gitDir);
  const head = (await readLooseRef(gitDir, ref)) ?? (await readLooseRef(commonDir, ref)) ?? (await readPackedRef(commonDir, ref));
  return { branch, head };
}

async function findGitDir(start: string): Promise<string | null> {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git');
    const info = await statIfExists(candidate);
    if (info?.isDirectory()) return candidate;
    if (info?.isFile()) {
      // A worktree or submodule: `.git` is a file pointing at the real git directory.
      const pointer = /^gitdir:\s*(.+)$/m.exec(await readText(candidate).catch(() => ''));
      if (pointer) return path.resolve(dir, pointer[1].trim());
    }
    if (path.dirname(dir) === dir) return null;
  }
}

async function readCommonDir(gitDir: string): Promise<string> {
  const common = (await readText(path.join(gitDir, 'commondir')).catch(() => '')).trim();
  return common ? path.resolve(gitDir, common) : gitDir;
}

async function readLooseRef(gitDir: string, ref: string): Promise<string | null> {
  const value = (await readText(path.join(gitDir, ref)).catch(() => '')).trim();
  return /^[0-9a-f]{40,64}$/.test(value) ? value : null;
}

async function readPackedRef(gitDir: string, ref: string): Promise<string | null> {
  const packed = await readText(path.join(gitDir, 'packed-refs')).catch(() => '');
  for (const line of packed.split('\n')) {
    const [sha, name] = line.trim().split(' ');
    if (name === ref && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}
