import type { Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';

/** What is at a path, following links; null when nothing readable is there. */
export async function statIfExists(file: string): Promise<Stats | null> {
  return stat(file).catch(() => null);
}

export async function pathExists(file: string): Promise<boolean> {
  return (await statIfExists(file)) !== null;
}

export async function isFolder(dir: string): Promise<boolean> {
  return (await statIfExists(dir))?.isDirectory() ?? false;
}

/** Whether the path itself is a symbolic link (not followed). */
export async function isSymbolicLink(file: string): Promise<boolean> {
  return lstat(file).then((info) => info.isSymbolicLink(), () => false);
}
