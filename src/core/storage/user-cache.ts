import * as fs from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * A file of the user's cache folder for one store (what Track Manager remembers between processes
 * about a store: never in the store itself). Named by a hash of the store's path (FNV-1a, twice),
 * so that naming it loads no crypto module; the file records the store's path, and a reader checks it.
 */
export function userCacheFile(folder: string, conductorDir: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  const key = `${base}\0${folder}\0${conductorDir}`;
  let file = named.get(key);
  if (file === undefined) {
    file = path.join(base, 'track-manager', folder, `${fnv1a(conductorDir, 0x811c9dc5)}${fnv1a(conductorDir, 0x050c5d1f)}.json`);
    named.set(key, file);
  }
  return file;
}

/** Worked out once per process: a command asks for the same name several times. */
const named = new Map<string, string>();

function fnv1a(text: string, seed: number): string {
  let hash = seed;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * Replaces a cache file (temp + rename, never flushed: losing it costs only time). Returns whether
 * it was written; a folder that cannot be written is not an error. The first file of a store in a
 * folder keeps that folder to its most recently used files (pruneCacheFolder).
 */
export function writeUserCacheFile(file: string, text: string): boolean {
  const temp = `${file}.${process.pid}.${(writeSequence += 1)}.tmp`;
  try {
    try {
      fs.writeFileSync(temp, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(temp, text);
    }
    const isNew = !fs.existsSync(file);
    fs.renameSync(temp, file);
    if (isNew) pruneCacheFolder(path.dirname(file));
    return true;
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      // Not created.
    }
    return false;
  }
}

let writeSequence = 0;

/**
 * Files kept per cache folder. Every store ever used (each clone, worktree, temporary folder) has
 * its file; a store's file is rewritten whenever it is used, so the oldest by modification time are
 * those of stores not used for longest. Pruned only past the upper bound, so that creating files
 * for new stores one after another lists the folder now and then, not each time.
 */
export const CACHE_FILES_KEPT = 256;
const CACHE_FILES_PRUNED_PAST = 320;
/** A temp file this old was left by a process killed while writing it. */
const LEFT_TEMP_MS = 60_000;

/** Keeps a cache folder to its CACHE_FILES_KEPT newest files, and removes temp files left behind. */
export function pruneCacheFolder(dir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  if (names.length <= CACHE_FILES_PRUNED_PAST) return;
  const files: Array<{ file: string; mtimeMs: number }> = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const info = fs.statSync(file, { throwIfNoEntry: false });
    if (!info?.isFile()) continue;
    if (name.endsWith('.tmp')) {
      if (now - info.mtimeMs > LEFT_TEMP_MS) removeQuietly(file);
    } else if (name.endsWith('.json')) {
      files.push({ file, mtimeMs: info.mtimeMs });
    }
  }
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { file } of files.slice(CACHE_FILES_KEPT)) removeQuietly(file);
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Removed by another process meanwhile.
  }
}
