import { constants } from 'node:fs';
import { copyFile, link, rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from './files';
import { ensureFolder } from './folders';

/**
 * Writes that are not part of a store commit: the workspace's own files (agent configs,
 * .gitattributes, the scripts `track init` installs), git's merge-driver output, backup copies.
 * Each file is replaced atomically on its own; no lock, no journal.
 */

/** Atomic replace (temp + fsync + rename + fsync of the folder), creating the folder first. */
export async function writeStandaloneFile(target: string, content: string | Buffer): Promise<void> {
  await ensureFolder(path.dirname(target));
  await writeFileAtomic(target, content);
}

/**
 * Gives a file a second name without a moment where the first is missing: a hard link under the
 * new name (which fails rather than overwrite if that name was taken meanwhile), else a copy that
 * also refuses to overwrite. A folder is renamed whole.
 */
export async function keepUnderNewName(source: string, destination: string): Promise<void> {
  if ((await stat(source)).isDirectory()) {
    await rename(source, destination);
    return;
  }
  await link(source, destination).catch(async (error: NodeJS.ErrnoException) => {
    // File systems without hard links: a copy that still refuses to overwrite.
    if (error.code === 'EEXIST') throw error;
    await copyFile(source, destination, constants.COPYFILE_EXCL);
  });
}

/** A byte-for-byte copy beside the original (a damaged file kept before a repair replaces it). */
export async function copyFileTo(source: string, destination: string): Promise<void> {
  await copyFile(source, destination);
}
