import { lstatSync, statSync, type Stats } from 'node:fs';

// Synchronous on purpose: a stat or a small read takes microseconds, a trip through the thread pool
// takes more, and a command's first trip starts the pool (a few ms on 2 busy cores). The signatures
// stay promises, so callers need not change and a throw still arrives as a rejection.

/** Runs a synchronous file call now and hands its result (or its error) as a promise. */
export function promised<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => resolve(call()));
}

/** What is at a path, following links; null when nothing readable is there. */
export function statIfExists(file: string): Promise<Stats | null> {
  return Promise.resolve(statOrNull(file));
}

export function pathExists(file: string): Promise<boolean> {
  return Promise.resolve(statOrNull(file) !== null);
}

export function isFolder(dir: string): Promise<boolean> {
  return Promise.resolve(statOrNull(dir)?.isDirectory() ?? false);
}

/** Whether the path itself is a symbolic link (not followed). */
export function isSymbolicLink(file: string): Promise<boolean> {
  try {
    return Promise.resolve(lstatSync(file).isSymbolicLink());
  } catch {
    return Promise.resolve(false);
  }
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
