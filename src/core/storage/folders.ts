import { readdirSync, type Dirent } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promised } from './file-info';

/** The names in a folder; a folder that does not exist is empty. Listed synchronously (see file-info.ts). */
export function listFolder(dir: string): Promise<string[]> {
  return promised(() => {
    try {
      return readdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  });
}

/** The entries of a folder with their kinds, for walks that must not follow links; unreadable is empty. */
export function listFolderEntries(dir: string): Promise<Dirent[]> {
  try {
    return Promise.resolve(readdirSync(dir, { withFileTypes: true }));
  } catch {
    return Promise.resolve([]);
  }
}

/** Creates the folder and its parents when missing. */
export async function ensureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
