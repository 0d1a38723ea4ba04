import * as fs from 'node:fs';
import type { StorePaths } from './paths';
import { userCacheFile, writeUserCacheFile } from './user-cache';

/**
 * Which base file of the index (track-index.json) was last validated entry by entry, across
 * processes: keyed on the file's identity — inode, size, modification and change times (the
 * change time cannot be set back by hand) — and its generation. A base is never modified in place
 * (a new generation is a new file), so a CLI read of an unchanged base skips zod for its 10 000
 * entries. Kept in the user's cache folder, never in the store; losing it costs only time.
 *
 * With it, what is known of the base's log (track-index.log): the first lines validated (`log`,
 * by a hash of their checksums), and the identity of a log known valid whole (`logFile`): a
 * reader that finds the log with that identity checks no checksum and runs no validator — the
 * writer that appended the last line records it, when the log it appended to was known valid.
 */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Verdict {
  base: string;
  log?: string;
  logFile?: string;
}

export function identityKey(info: FileIdentity, generation: number): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${generation}`;
}

/** A file's identity as recorded (a log file's in `logFile`, a document's in known-valid.ts). */
export function fileIdentityKey(info: FileIdentity): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

function verdictFile(paths: StorePaths): string {
  return userCacheFile('index-verdicts', paths.conductorDir);
}

/** Per store: the verdict last read or written by this process. */
const remembered = new Map<string, Verdict>();

function readVerdict(paths: StorePaths): Verdict | null {
  try {
    const doc = JSON.parse(fs.readFileSync(verdictFile(paths), 'utf8')) as { conductor?: unknown; base?: unknown; log?: unknown; logFile?: unknown };
    if (doc.conductor !== paths.conductorDir || typeof doc.base !== 'string') return null;
    return {
      base: doc.base,
      ...(typeof doc.log === 'string' ? { log: doc.log } : {}),
      ...(typeof doc.logFile === 'string' ? { logFile: doc.logFile } : {}),
    };
  } catch {
    return null;
  }
}

export function isKnownValid(paths: StorePaths, key: string): boolean {
  if (remembered.get(paths.conductorDir)?.base === key) return true;
  const known = readVerdict(paths);
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
  const verdict: Verdict = { ...known, log: logKey };
  remembered.set(paths.conductorDir, verdict);
  await writeVerdict(paths, verdict);
}

/** Whether the log file with this identity is known valid whole, with this base (call after isKnownValid for it). */
export function isKnownValidLogFile(paths: StorePaths, baseKey: string, log: FileIdentity): boolean {
  const known = remembered.get(paths.conductorDir);
  return known?.base === baseKey && known.logFile === fileIdentityKey(log);
}

/** Records the log file, validated whole by this process, as known valid with this base. */
export async function rememberValidLogFile(paths: StorePaths, baseKey: string, log: FileIdentity): Promise<void> {
  const known = remembered.get(paths.conductorDir);
  const key = fileIdentityKey(log);
  if (known?.base !== baseKey || known.logFile === key) return;
  const verdict: Verdict = { ...known, logFile: key };
  remembered.set(paths.conductorDir, verdict);
  await writeVerdict(paths, verdict);
}

/**
 * A writer appended lines of its own to the log (its commit, under the lock): if the log it
 * appended to was known valid whole (`before`, its identity right before the append), the log now
 * is too (`after`). The cache file is read only when this process does not already hold that
 * verdict (a new process's one-track write never read it; a long-lived writer wrote it last).
 */
export async function advanceValidLogFile(paths: StorePaths, before: FileIdentity, after: FileIdentity): Promise<void> {
  const expected = fileIdentityKey(before);
  // What this process already holds, if it is about this log; else what another process recorded.
  const inMemory = remembered.get(paths.conductorDir);
  const known = inMemory?.logFile === expected ? inMemory : readVerdict(paths);
  if (!known || known.logFile !== expected) return;
  const verdict: Verdict = { ...known, logFile: fileIdentityKey(after) };
  remembered.set(paths.conductorDir, verdict);
  await writeVerdict(paths, verdict);
}

function writeVerdict(paths: StorePaths, verdict: Verdict): Promise<void> {
  // Synchronous: a few hundred bytes into the page cache (user-cache.ts).
  writeUserCacheFile(verdictFile(paths), JSON.stringify({ conductor: paths.conductorDir, ...verdict }));
  return Promise.resolve();
}
