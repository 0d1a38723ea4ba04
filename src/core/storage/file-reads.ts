import { readFile } from 'node:fs/promises';

/**
 * Plain reads for the operations (files of the workspace, of git, of the original track-manager,
 * templates). Store documents are read and validated with readDocument (files.ts) instead.
 */

/** No file at that path: nothing there, or a file stands where a folder on the way should be. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

export async function readBytes(file: string): Promise<Buffer> {
  return readFile(file);
}

/** The file's text, or null when there is no such file; any other failure is thrown. */
export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** The file's bytes, or null when there is no such file; any other failure is thrown. */
export async function readBytesIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}
