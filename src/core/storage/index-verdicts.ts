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

/** Per store: the base key and the log key (logVerdictKey) last known valid. */
const remembered = new Map<string, { base: string; log?: string }>();

async function readVerdict(paths: StorePaths): Promise<{ base: string; log?: string } | null> {
  try {
    const doc = JSON.parse(await readFile(verdictFile(paths), 'utf8')) as { conductor?: unknown; base?: unknown; log?: unknown };
    if (doc.conductor !== paths.conductorDir || typeof doc.base !== 'string') return null;
    return { base: doc.base, ...(typeof doc.log === 'string' ? { log: doc.log } : {}) };
  } catch {
    return null;
  }
}

export async function isKnownValid(paths: StorePaths, key: string): Promise<boolean> {
  if (remembered.get(paths.conductorDir)?.base === key) return true;
  const known = await readVerdict(paths);
  if (known?.base !== key) return false;
  remembered.set(paths.conductorDir, known);
  return true;
}

export async function rememberValid(paths: StorePaths, key: string): Promise<void> {
  if (remembered.get(paths.conductorDir)?.base === key) return;
  remembered.set(paths.conductorDir, { base: key });
  await writeVerdict(paths, { base: key });
}

/**
 * The log of a base (its identityKey) whose first lines were validated entry by entry: the log's
 * inode, the length validated and a hash of those lines' checksums (each line carries the checksum
 * of its JSON, checked on every read, so the same hash means the same lines). Those lines skip zod.
 */
export function logVerdictKey(logIno: number, bytes: number, chain: string): string {
  return `${logIno}:${bytes}:${chain}`;
}

/** The log verdict remembered with this base (call after isKnownValid or rememberValid for it). */
export function knownValidLog(paths: StorePaths, baseKey: string): { logIno: number; bytes: number; chain: string } | null {
  const known = remembered.get(paths.conductorDir);
  if (known?.base !== baseKey || !known.log) return null;
  const [ino, bytes, chain] = known.log.split(':');
  if (!chain || !/^\d+$/.test(ino) || !/^\d+$/.test(bytes)) return null;
  return { logIno: Number(ino), bytes: Number(bytes), chain };
}

export async function rememberValidLog(paths: StorePaths, baseKey: string, logKey: string): Promise<void> {
  const known = remembered.get(paths.conductorDir);
  if (known?.base !== baseKey || known.log === logKey) return;
  remembered.set(paths.conductorDir, { base: baseKey, log: logKey });
  await writeVerdict(paths, { base: baseKey, log: logKey });
}

async function writeVerdict(paths: StorePaths, verdict: { base: string; log?: string }): Promise<void> {
  const file = verdictFile(paths);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify({ conductor: paths.conductorDir, ...verdict }));
    await rename(temp, file);
  } catch {
    await unlink(temp).catch(() => undefined);
  }
}
