import { lstatSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { TrackError } from '../model/errors';
import type { StorePaths } from './paths';

/**
 * Checks, before anything is written, that every file of a commit can land where it should:
 * no folder of the store on its way is a symbolic link (a cloned repository can carry one that
 * points anywhere), and no folder stands where a file goes (a rename onto it would fail after the
 * commit point and leave a journal that cannot be applied). Costs one lstat per distinct folder.
 */
export async function assertWritableTargets(paths: StorePaths, targets: Iterable<string>): Promise<void> {
  const checked = new Map<string, Promise<void>>();
  const checkFolder = (dir: string): Promise<void> => {
    let pending = checked.get(dir);
    if (!pending) {
      pending = (async () => {
        if (dir !== paths.conductorDir) await checkFolder(path.dirname(dir));
        if (lstatOrNull(dir)?.isSymbolicLink()) throw unsafeLink(paths, dir);
      })();
      checked.set(dir, pending);
    }
    return pending;
  };
  await Promise.all([...targets].map(async (target) => {
    assertInsideStore(paths, target);
    await checkFolder(path.dirname(target));
    const info = lstatOrNull(target);
    if (info?.isSymbolicLink()) throw unsafeLink(paths, target);
    if (info?.isDirectory()) {
      throw new TrackError(
        'E_IO',
        `Cannot write ${paths.display(target)}: a folder is in the way. Move or remove that folder and retry; nothing was written.`,
        { errno: 'EISDIR', path: target },
      );
    }
  }));
}

/** Synchronous: one lstat takes microseconds, a thread-pool round trip far more, and a group commit checks dozens of paths. */
function lstatOrNull(file: string): Stats | null {
  return lstatSync(file, { throwIfNoEntry: false }) ?? null;
}

/** The folders (and files) below the store's own folder that are symbolic links. */
export function unsafeLink(paths: StorePaths, link: string): TrackError {
  return new TrackError(
    'E_UNSAFE_PATH',
    `${paths.display(link)} is a symbolic link; Track Manager does not write through links inside the store, as that could change files outside it. Replace the link with a real folder or file (\`track doctor\` lists every link), then retry; nothing was written.`,
    { path: link },
  );
}

function assertInsideStore(paths: StorePaths, target: string): void {
  const relative = path.relative(paths.conductorDir, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new TrackError('E_INTERNAL', `Internal error: refusing to write ${target}, outside the store ${paths.conductorDir}.`, { path: target });
  }
}

/** Every symbolic link inside the store (for doctor), not following any. */
export async function findLinksInside(dir: string, maxDepth = 8): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string, depth: number): Promise<void> => {
    if (depth > maxDepth) return;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isSymbolicLink()) found.push(full);
      else if (entry.isDirectory()) await walk(full, depth + 1);
    }
  };
  await walk(dir, 0);
  return found.sort();
}
