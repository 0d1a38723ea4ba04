import { homedir } from 'node:os';
import * as path from 'node:path';

/**
 * A file of the user's cache folder for one store (what Track Manager remembers between processes
 * about a store: never in the store itself). Named by a hash of the store's path (FNV-1a, twice),
 * so that naming it loads no crypto module; the file records the store's path, and a reader checks it.
 */
export function userCacheFile(folder: string, conductorDir: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'track-manager', folder, `${fnv1a(conductorDir, 0x811c9dc5)}${fnv1a(conductorDir, 0x050c5d1f)}.json`);
}

function fnv1a(text: string, seed: number): string {
  let hash = seed;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
