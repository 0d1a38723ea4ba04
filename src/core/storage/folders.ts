import type { Dirent } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';

/** The names in a folder; a folder that does not exist is empty. */
export async function listFolder(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The entries of a folder with their kinds, for walks that must not follow links; unreadable is empty. */
export async function listFolderEntries(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** Creates the folder and its parents when missing. */
export async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
