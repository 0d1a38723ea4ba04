import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type * as ProperLockfile from 'proper-lockfile';
import { TrackError } from './errors';
import { processState, type HolderState } from './process-state';
import { parseDocument } from './files';
import type { StorePaths } from './paths';
import { lockOwnerSchema, type LockOwner } from './schemas';

export const DEFAULT_STALE_MS = 30_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** One proper-lockfile retry round; between rounds we look for an abandoned lock to take over. */
const ROUND_RETRIES = { retries: 40, factor: 1.2, minTimeout: 1, maxTimeout: 12, randomize: true };
/**
 * A holder records itself (owner file) within a millisecond of creating the lock. A lock still
 * without an owner after this long belongs to a process killed in between.
 */
const OWNERLESS_GRACE_MS = 2_000;

export interface LockSettings {
  staleMs?: number;
  timeoutMs?: number;
  /** What the holder is doing, shown to whoever waits for the lock. */
  command?: string;
}

export interface HeldLock {
  /** Throws E_LOCK_COMPROMISED unless the lock on disk is still the one we created. */
  assertHeld(): Promise<void>;
}

const inProcessTails = new Map<string, Promise<unknown>>();

/** Loaded on the first write only: commands that just read start faster without it. */
function properLockfile(): typeof ProperLockfile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('proper-lockfile') as typeof ProperLockfile;
}

/**
 * Runs `work` while holding the store's one lock. Callers in the same process queue up here
 * rather than polling the lock directory against each other.
 */
export async function withStoreLock<T>(
  paths: StorePaths,
  settings: LockSettings,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  const key = paths.lockDir;
  const previous = inProcessTails.get(key) ?? Promise.resolve();
  const run = previous.then(
    () => holdLock(paths, settings, work),
    () => holdLock(paths, settings, work),
  );
  const tail = run.catch(() => undefined);
  inProcessTails.set(key, tail);
  try {
    return await run;
  } finally {
    if (inProcessTails.get(key) === tail) inProcessTails.delete(key);
  }
}

async function holdLock<T>(paths: StorePaths, settings: LockSettings, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const staleMs = settings.staleMs ?? DEFAULT_STALE_MS;
  let compromisedBy: Error | null = null;
  const release = await acquire(paths, settings, staleMs, (error) => {
    // proper-lockfile would throw this from a timer; we record it and abort the write instead.
    compromisedBy = error;
  });
  const lockStat = await stat(paths.lockDir);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: settings.command ?? 'track',
    acquired_at: new Date().toISOString(),
    lock_ino: lockStat.ino,
  };
  await writeOwner(paths, owner);
  const held: HeldLock = {
    async assertHeld() {
      const current = await stat(paths.lockDir).catch(() => null);
      if (compromisedBy || !current || current.ino !== lockStat.ino) {
        throw new TrackError(
          'E_LOCK_COMPROMISED',
          'The store lock was taken over by another process while this command held it (was the machine suspended?). Nothing was written; run the command again.',
          { reason: compromisedBy ? String((compromisedBy as Error).message) : 'lock directory replaced' },
        );
      }
    },
  };
  try {
    return await work(held);
  } finally {
    await unlink(paths.lockOwnerFile).catch(() => undefined);
    await release().catch(() => undefined);
  }
}

async function acquire(
  paths: StorePaths,
  settings: LockSettings,
  staleMs: number,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  await mkdir(paths.tracksDir, { recursive: true });
  const deadline = Date.now() + (settings.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const options = {
    lockfilePath: paths.lockDir,
    realpath: false,
    stale: staleMs,
    onCompromised,
  };
  for (let round = 0; ; round += 1) {
    try {
      return await properLockfile().lock(paths.registryFile, { ...options, retries: round === 0 ? 0 : ROUND_RETRIES });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    if (await takeOverAbandonedLock(paths, staleMs)) continue;
    if (Date.now() >= deadline) throw await lockTimeoutError(paths);
  }
}

/**
 * A lock whose holder is known dead on this host, that never got an owner, or whose date is
 * implausibly far in the future, is abandoned: proper-lockfile alone would wait out the stale time
 * (or forever, for a future date). We move exactly the directory we examined aside, and a holder
 * whose lock was moved finds out in assertHeld() before it writes anything.
 */
async function takeOverAbandonedLock(paths: StorePaths, staleMs: number): Promise<boolean> {
  const examined = await stat(paths.lockDir).catch(() => null);
  if (!examined) return true;
  if (!isAbandoned(examined, await readOwner(paths), staleMs)) return false;
  const aside = `${paths.lockDir}.abandoned-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(paths.lockDir, aside);
  } catch {
    return true;
  }
  await rmdir(aside).catch(() => undefined);
  return true;
}

function isAbandoned(lock: { ino: number; mtimeMs: number }, owner: LockOwner | null, staleMs: number): boolean {
  const ownerOfThisLock = owner && owner.lock_ino === lock.ino ? owner : null;
  const holder = ownerOfThisLock ? processState(ownerOfThisLock) : 'unknown';
  const ageMs = Date.now() - lock.mtimeMs;
  if (holder === 'dead') return true;
  if (holder === 'alive') return false;
  return (!ownerOfThisLock && ageMs > OWNERLESS_GRACE_MS) || ageMs < -staleMs;
}

export { processState, type HolderState };

export async function readOwner(paths: StorePaths): Promise<LockOwner | null> {
  try {
    const text = await readFile(paths.lockOwnerFile, 'utf8');
    return parseDocument(text, paths.lockOwnerFile, lockOwnerSchema, { kind: 'lock owner' });
  } catch {
    return null;
  }
}

async function writeOwner(paths: StorePaths, owner: LockOwner): Promise<void> {
  // Advisory only (it names the holder in messages): a rename is enough, no fsync needed.
  const temp = `${paths.lockOwnerFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, JSON.stringify(owner));
  await rename(temp, paths.lockOwnerFile);
}

export interface LockInfo {
  exists: boolean;
  owner: LockOwner | null;
  ageMs: number | null;
  refreshedMsAgo: number | null;
  holder: HolderState;
  stale: boolean;
}

export async function inspectLock(paths: StorePaths, staleMs = DEFAULT_STALE_MS): Promise<LockInfo> {
  const examined = await stat(paths.lockDir).catch(() => null);
  if (!examined) return { exists: false, owner: null, ageMs: null, refreshedMsAgo: null, holder: 'unknown', stale: false };
  const read = await readOwner(paths);
  const owner = read && read.lock_ino === examined.ino ? read : null;
  const now = Date.now();
  const holder = owner ? processState(owner) : 'unknown';
  const refreshedMsAgo = now - examined.mtimeMs;
  const stale = isAbandoned(examined, read, staleMs) || refreshedMsAgo > staleMs;
  return {
    exists: true,
    owner,
    ageMs: owner ? now - Date.parse(owner.acquired_at) : null,
    refreshedMsAgo,
    holder,
    stale,
  };
}

async function lockTimeoutError(paths: StorePaths): Promise<TrackError> {
  const info = await inspectLock(paths);
  const seconds = (ms: number | null) => (ms === null ? 'unknown' : `${(ms / 1000).toFixed(1)} s`);
  const holder = info.owner
    ? `pid ${info.owner.pid} on ${info.owner.host} (${info.owner.command})`
    : 'an unknown process';
  return new TrackError(
    'E_LOCK_TIMEOUT',
    `Failed to acquire registry lock: held by ${holder} for ${seconds(info.ageMs)}, last refreshed ${seconds(info.refreshedMsAgo)} ago. ` +
      `Wait a few seconds and retry; a lock not refreshed for 30 s is stale and \`track doctor --repair\` removes it (${paths.display(paths.lockDir)}).`,
    { holder: info.owner, age_ms: info.ageMs, refreshed_ms_ago: info.refreshedMsAgo },
  );
}
