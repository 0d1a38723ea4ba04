import { rmdir, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDirectory, TEMP_FILE_PATTERN } from './files';
import { listFolderEntries } from './folders';

/**
 * Removing what the store no longer needs: what interrupted writes and lock takeovers leave
 * behind (doctor), empty track folders, pruned snapshot files. Callers hold the store lock.
 */

/** Files an interrupted write or a lock takeover leaves behind, named by files.ts and lock.ts. */
const LOCK_LEFTOVER = /^track-registry\.lock(-owner\.json\.\d+\.[0-9a-f]+|\.abandoned-.+)$/;

/** Temp and lock leftovers below the folder, older than graceMs (younger ones may belong to a write in progress). */
export async function findLeftovers(dir: string, graceMs: number): Promise<string[]> {
  const found: string[] = [];
  const now = Date.now();
  const walk = async (current: string, depth: number): Promise<void> => {
    if (depth > 8) return;
    for (const entry of await listFolderEntries(current)) {
      const full = path.join(current, entry.name);
      if (TEMP_FILE_PATTERN.test(entry.name) || LOCK_LEFTOVER.test(entry.name)) {
        const info = await stat(full).catch(() => null);
        if (info && now - info.mtimeMs >= graceMs) found.push(full);
      } else if (entry.isDirectory() && entry.name !== 'track-registry.lock') {
        await walk(full, depth + 1);
      }
    }
  };
  await walk(dir, 0);
  return found;
}

/** Whether a folder holds nothing but empty folders and temp leftovers. */
export async function holdsNoData(dir: string): Promise<boolean> {
  for (const entry of await listFolderEntries(dir)) {
    if (entry.isDirectory()) {
      if (!(await holdsNoData(path.join(dir, entry.name)))) return false;
    } else if (!TEMP_FILE_PATTERN.test(entry.name)) {
      return false;
    }
  }
  return true;
}

/** Removes a folder that holdsNoData said was empty of data. */
export async function removeEmptyTree(dir: string): Promise<void> {
  for (const entry of await listFolderEntries(dir)) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await removeEmptyTree(full);
    else await unlink(full);
  }
  await rmdir(dir);
}

/** Removes one leftover (a file, or a lock folder left empty); already gone is fine. */
export async function removeLeftover(file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) await rmdir(file).catch(() => undefined);
  else await unlink(file).catch(() => undefined);
}

/** Deletes the files (already gone is fine), then flushes each folder so the deletions last. */
export async function removeFilesDurably(files: string[]): Promise<void> {
  for (const file of files) await unlink(file).catch(() => undefined);
  for (const dir of new Set(files.map((file) => path.dirname(file)))) await fsyncDirectory(dir);
}
