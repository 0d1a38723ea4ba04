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
