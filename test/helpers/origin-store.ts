import { chmodSync, cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The store the original track-manager wrote (read-only reference; tests work on copies). */
export const ORIGIN_STORE = process.env.TRACK_ORIGIN_STORE
  ?? path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'origin-store');

export const ORIGIN_TRACKS = {
  oauth: 'track-oauth-authentication-1795654432540',
  login: 'track-login-timeout-fix-1795654432787',
  payments: 'track-refactor-payments-1795654458856',
} as const;
export const ORIGIN_RUN = 'greenfield-fullstack-xyz123';

/** Copies the origin store's `.claude` into a workspace, writable. */
export function copyOriginStore(workspace: string): void {
  cpSync(path.join(ORIGIN_STORE, '.claude'), path.join(workspace, '.claude'), { recursive: true });
  const makeWritable = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const name of readdirSync(p)) makeWritable(path.join(p, name));
  };
  makeWritable(path.join(workspace, '.claude'));
}

/** Every file under a folder, relative path → bytes. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/**
 * Asserts that `upgraded` holds every field of `original` with the same value, at any depth
 * (objects may gain fields; arrays must be equal element by element, under the same rule).
 * Returns the dotted paths checked, so a test can say how many fields it compared.
 */
export function missingFields(original: unknown, upgraded: unknown, at = ''): string[] {
  if (Array.isArray(original)) {
    if (!Array.isArray(upgraded) || upgraded.length !== original.length) return [at || '(root)'];
    return original.flatMap((item, i) => missingFields(item, upgraded[i], `${at}[${i}]`));
  }
  if (original && typeof original === 'object') {
    if (!upgraded || typeof upgraded !== 'object' || Array.isArray(upgraded)) return [at || '(root)'];
    return Object.entries(original).flatMap(([key, value]) =>
      key in upgraded ? missingFields(value, (upgraded as Record<string, unknown>)[key], at ? `${at}.${key}` : key) : [at ? `${at}.${key}` : key]);
  }
  return Object.is(original, upgraded) ? [] : [at || '(root)'];
}
