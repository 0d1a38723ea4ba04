import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { StorePaths } from './paths';

/**
 * Which base file of the index (track-index.json) was last validated entry by entry, across
 * processes: keyed on the file's identity — inode, size, modification and change times (the
 * change time cannot be set back by hand) — and its generation. A base is never modified in place
 * (a new generation is a new file), so a CLI read of an unchanged base skips zod for its 10 000
 * entries. Kept in the user's cache folder, never in the store; losing it costs only time.
 */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function identityKey(info: FileIdentity, generation: number): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${generation}`;
}

function verdictFile(paths: StorePaths): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  const digest = createHash('sha256').update(paths.conductorDir).digest('hex').slice(0, 24);
  return path.join(base, 'track-manager', 'index-verdicts', `${digest}.json`);
}

const remembered = new Map<string, string>();

export async function isKnownValid(paths: StorePaths, key: string): Promise<boolean> {
  if (remembered.get(paths.conductorDir) === key) return true;
  try {
    const doc = JSON.parse(await readFile(verdictFile(paths), 'utf8')) as { conductor?: unknown; base?: unknown };
    const known = doc.conductor === paths.conductorDir && doc.base === key;
    if (known) remembered.set(paths.conductorDir, key);
    return known;
  } catch {
    return false;
  }
}

export async function rememberValid(paths: StorePaths, key: string): Promise<void> {
  if (remembered.get(paths.conductorDir) === key) return;
  remembered.set(paths.conductorDir, key);
  const file = verdictFile(paths);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify({ conductor: paths.conductorDir, base: key }));
    await rename(temp, file);
  } catch {
    await unlink(temp).catch(() => undefined);
  }
}
