import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type * as ProperLockfile from 'proper-lockfile';
import { toTrackError, TrackError } from '../model/errors';
import { processState, type HolderState } from './process-state';
import { parseDocument, tempPathFor } from './files';
import type { StorePaths } from './paths';
import { lockOwnerSchema, type LockOwner } from '../model/schemas';

export const DEFAULT_STALE_MS = 30_000;
/** Below this a holder could not refresh its lock in time (proper-lockfile refreshes at most once a second). */
export const MIN_STALE_MS = 2_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** One proper-lockfile retry round; between rounds we look for an abandoned lock to take over. */
const ROUND_RETRIES = { retries: 40, factor: 1.2, minTimeout: 1, maxTimeout: 12, randomize: true };
/**
 * A holder records itself (its owner file) within a millisecond of creating the lock. A lock still
 * without an owner after this long belongs to a process killed (or stopped) in between.
 */
const OWNERLESS_GRACE_MS = 2_000;
/** proper-lockfile never judges staleness itself: its check-then-remove is not atomic (see takeOver). */
const NEVER_STALE_FOR_PROPER_LOCKFILE = 2 ** 31 - 1;
/** The owner file inside the lock directory; the token in its name is the proof of ownership. */
const OWNER_FILE = /^owner\.([0-9a-f]{32})\.json$/;

/**
 * TRACK_MANAGER_LOCK_STALE_MS: the stale time of the store lock (default 30 s). Every process
 * using one store must use the same value. Meant for tests and soak runs; returns undefined when unset.
 */
export function staleMsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.TRACK_MANAGER_LOCK_STALE_MS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < MIN_STALE_MS) {
    throw new TrackError('E_INVALID_INPUT', `TRACK_MANAGER_LOCK_STALE_MS must be a number of milliseconds of at least ${MIN_STALE_MS}, not ${JSON.stringify(raw)}.`, { field: 'TRACK_MANAGER_LOCK_STALE_MS' });
  }
  return Number(raw);
}

export interface LockSettings {
  staleMs?: number;
  timeoutMs?: number;
  /** What the holder is doing, shown to whoever waits for the lock. */
  command?: string;
  /**
   * One attempt that, finding the lock busy, gives up at once (LockBusyNow) without judging
   * whether it is abandoned: for a waiter that just saw the lock folder go, so the lock it finds is
   * a new one (group-commit.ts). Its waits make a thorough attempt now and then.
   */
  quickTry?: boolean;
}

export interface HeldLock {
  /** This holder's token: unique per acquisition, never reused. Recorded in the journals it writes. */
  readonly token: string;
  /**
   * Throws E_LOCK_COMPROMISED unless this process provably still holds the lock and will for a
   * while: its owner file (named by its token) is still inside the lock directory, and the lock
   * was refreshed recently enough that nobody could have judged it stale. Call it right before a
   * commit point, and make the commit point's own call (a rename) synchronously right after it:
   * synchronous, nothing else of this process runs in between, so a pause (SIGSTOP, a suspended
   * machine) can fall between the check and the commit only in the microseconds between two
   * system calls — an await there (a trip through the thread pool) widened that to milliseconds
   * on a busy machine, and a holder stopped in it commits after another took the lock over.
   */
  assertHeld(): void;
  /** Whether the owner file is still there (no timing check): for clean-up after a commit. */
  stillOwned(): Promise<boolean>;
  /**
   * assertHeld's check as a boolean, for clean-up that must never touch a later holder's files
   * (the journal, which has one name for every writer): make the clean-up's call synchronously
   * right after it, as for a commit point.
   */
  heldNow(): boolean;
}

/** One acquisition of the lock by this process. */
class Hold {
  token = '';
  established = false;
  lost = false;
  tainted = false;
  compromisedBy: Error | null = null;
  /** A lower bound of the time others see as the lock's last refresh (min of its mtime and ctime). */
  base = 0;
  readonly refreshMs: number;
  /** The commit-time limit on the lock's age: half the stale time leaves the other half as margin. */
  readonly maxAgeMs: number;

  constructor(readonly lockDir: string, readonly staleMs: number, readonly owner: { pid: number; host: string; command: string }) {
    this.refreshMs = Math.max(1_000, Math.floor(staleMs / 4));
    this.maxAgeMs = Math.max(Math.floor(staleMs / 2), this.refreshMs + 500);
  }

  get ownerFile(): string {
    return path.join(this.lockDir, `owner.${this.token}.json`);
  }

  noteRefresh(startedAt: number, mtime: number): void {
    if (startedAt - this.base > this.maxAgeMs) this.tainted = true;
    this.base = Math.max(this.base, Math.min(startedAt, mtime));
  }

  problem(now = Date.now()): string | null {
    if (this.lost) return 'the lock was taken over by another process';
    if (this.compromisedBy) return `the lock was changed by another process (${this.compromisedBy.message})`;
    if (this.tainted || now - this.base > this.maxAgeMs) {
      return `this process was paused or busy for longer than the lock allows (${(this.maxAgeMs / 1000).toFixed(1)} s without a refresh), so another process may have taken the lock over`;
    }
    return null;
  }
}

/** The hold being acquired or held per lock directory (one at a time: see inProcessTails). */
const holds = new Map<string, Hold>();
const inProcessTails = new Map<string, Promise<unknown>>();

/**
 * The file system proper-lockfile works through. It makes the lock's creation and every removal
 * token-aware: mkdir records the owner inside the new directory before proper-lockfile even knows
 * it has the lock; a refresh or a release of a lock whose owner file is gone does nothing.
 */
const lockFs = {
  realpath: fs.realpath,
  stat: fs.stat,
  mkdir(dir: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
    const hold = holds.get(dir);
    if (!hold) return fs.mkdir(dir, callback);
    const startedAt = Date.now();
    fs.mkdir(dir, (error) => {
      if (error) return callback(error);
      establish(hold, startedAt).then(() => callback(null), (failure: NodeJS.ErrnoException) => callback(failure));
    });
  },
  utimes(file: string, atime: Date, mtime: Date, callback: (error: NodeJS.ErrnoException | null) => void): void {
    const hold = holds.get(file);
    if (hold?.established && (hold.lost || !fs.existsSync(hold.ownerFile))) {
      hold.lost = true;
      return callback(Object.assign(new Error(`lock owner file ${hold.ownerFile} is gone`), { code: 'ENOENT' }));
    }
    const startedAt = Date.now();
    fs.utimes(file, atime, mtime, (error) => {
      if (!error && hold?.established) hold.noteRefresh(startedAt, mtime.getTime());
      callback(error);
    });
  },
  rmdir(dir: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
    // Releases go through releaseHold; proper-lockfile only removes directories we never established.
    if (holds.get(dir)?.established) return callback(null);
    fs.rmdir(dir, callback);
  },
  rmdirSync(dir: string): void {
    // At exit: remove our lock only if it is still ours.
    const hold = holds.get(dir);
    if (hold?.established) {
      if (hold.lost) return;
      try {
        fs.unlinkSync(hold.ownerFile);
      } catch {
        return;
      }
    }
    fs.rmdirSync(dir);
  },
};

/**
 * Records the owner inside the directory we just created. A fresh token per directory: a takeover
 * removes a lock by unlinking the one owner file it examined, and that name exists in no other lock.
 * If the directory vanished or holds any other entry meanwhile (a takeover removed our empty
 * directory and someone else created theirs), we back off as if it had been taken: EEXIST.
 */
async function establish(hold: Hold, startedAt: number): Promise<void> {
  hold.token = randomBytes(16).toString('hex');
  hold.base = startedAt;
  const owner: LockOwner = { ...hold.owner, acquired_at: new Date(startedAt).toISOString(), token: hold.token };
  const busy = () => Object.assign(new Error('Lock file is already being held'), { code: 'EEXIST' });
  // Written beside the lock and renamed in: the owner file appears whole or not at all, so an owner
  // file that exists is a holder that recorded itself (a holder killed before the rename leaves an
  // empty lock, taken over after the grace, and a temp file that doctor --repair removes).
  const temp = tempPathFor(path.join(path.dirname(hold.lockDir), path.basename(hold.ownerFile)));
  try {
    await writeFile(temp, JSON.stringify(owner), { flag: 'wx' });
    await rename(temp, hold.ownerFile);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    await unlink(hold.ownerFile).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST') throw busy();
    // Disk full, read-only…: leave nothing behind, not even the empty directory.
    await rmdir(hold.lockDir).catch(() => undefined);
    throw error;
  }
  const entries = await readdir(hold.lockDir).catch(() => null);
  if (!entries || entries.length !== 1) {
    await unlink(hold.ownerFile).catch(() => undefined);
    throw busy();
  }
  hold.established = true;
}

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

function compromised(reason: string): TrackError {
  return new TrackError(
    'E_LOCK_COMPROMISED',
    `The store lock was lost while this command held it: ${reason}. Nothing was written; run the command again.`,
    { reason },
  );
}

async function holdLock<T>(paths: StorePaths, settings: LockSettings, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const staleMs = Math.max(settings.staleMs ?? DEFAULT_STALE_MS, MIN_STALE_MS);
  const { hold, release } = await acquire(paths, settings, staleMs);
  const held: HeldLock = {
    token: hold.token,
    assertHeld() {
      const before = hold.problem();
      if (before) throw compromised(before);
      if (!ownerFilePresentNow(hold)) hold.lost = true;
      // Checked again after the stat: a pause during it counts too.
      const after = hold.problem();
      if (after) throw compromised(after);
    },
    stillOwned: () => ownerFilePresent(hold),
    heldNow() {
      try {
        held.assertHeld();
        return true;
      } catch {
        return false;
      }
    },
  };
  try {
    return await work(held);
  } finally {
    await releaseHold(hold, release);
  }
}

function ownerFilePresentNow(hold: Hold): boolean {
  return !hold.lost && fs.statSync(hold.ownerFile, { throwIfNoEntry: false }) !== undefined;
}

async function ownerFilePresent(hold: Hold): Promise<boolean> {
  if (hold.lost) return false;
  return stat(hold.ownerFile).then(() => true, () => false);
}

async function releaseHold(hold: Hold, release: () => Promise<void>): Promise<void> {
  const owned = !hold.lost && (await unlink(hold.ownerFile).then(() => true, () => false));
  hold.lost = true;
  await release().catch(() => undefined); // stops the refresh timer; its rmdir is a no-op now
  if (holds.get(hold.lockDir) === hold) holds.delete(hold.lockDir);
  // Only the holder that just removed its own owner file removes the directory.
  if (owned) await rmdir(hold.lockDir).catch(() => undefined);
}

async function acquire(paths: StorePaths, settings: LockSettings, staleMs: number): Promise<{ hold: Hold; release: () => Promise<void> }> {
  await mkdir(paths.tracksDir, { recursive: true });
  const deadline = Date.now() + (settings.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const owner = { pid: process.pid, host: hostname(), command: settings.command ?? 'track' };
  for (let round = 0; ; round += 1) {
    const hold = new Hold(paths.lockDir, staleMs, owner);
    holds.set(paths.lockDir, hold);
    try {
      const release = await properLockfile().lock(paths.registryFile, {
        lockfilePath: paths.lockDir,
        realpath: false,
        stale: NEVER_STALE_FOR_PROPER_LOCKFILE,
        update: hold.refreshMs,
        retries: round === 0 ? 0 : ROUND_RETRIES,
        fs: lockFs,
        // proper-lockfile would throw this from a timer; we record it and refuse to commit instead.
        onCompromised: (error: Error) => {
          hold.compromisedBy = error;
        },
      });
      if (hold.established) return { hold, release };
      await release().catch(() => undefined);
    } catch (error) {
      if (holds.get(paths.lockDir) === hold) holds.delete(paths.lockDir);
      // Lost before it was ours to use: proper-lockfile's first touch of the new lock (its mtime
      // probe: a utimes, a stat) failed because the lock was taken over — this process was paused
      // past the stale time right after creating it. Nothing was done under it: try again.
      const lostWhileAcquiring = hold.established && !ownerFilePresentNow(hold);
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' && !lostWhileAcquiring) throw toTrackError(error);
    }
    if (settings.quickTry) throw new LockBusyNow();
    if (await takeOverAbandonedLock(paths, staleMs)) continue;
    if (Date.now() >= deadline) throw await lockTimeoutError(paths, staleMs);
  }
}

/** A quick try found the lock held (see LockSettings.quickTry); never shown: its caller waits on. */
export class LockBusyNow extends Error {
  constructor() {
    super('the store lock is held');
  }
}

interface ExaminedLock {
  /** When the examination began: a lock is judged as it was seen, however long the examiner then stalls. */
  examinedAt: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Every entry inside the lock directory. */
  entries: string[];
  /** The one owner file's name, when there is exactly one. */
  ownerName: string | null;
  /** Its content, when readable and valid. */
  owner: LockOwner | null;
}

async function examineLock(lockDir: string): Promise<ExaminedLock | null> {
  const examinedAt = Date.now();
  const info = await stat(lockDir).catch(() => null);
  if (!info) return null;
  const entries = info.isDirectory() ? await readdir(lockDir).catch(() => null) : [];
  if (!entries) return null;
  const owners = entries.filter((name) => OWNER_FILE.test(name));
  const ownerName = owners.length === 1 ? owners[0] : null;
  let owner: LockOwner | null = null;
  if (ownerName) {
    const file = path.join(lockDir, ownerName);
    owner = await readFile(file, 'utf8')
      .then((text) => parseDocument(text, file, lockOwnerSchema, { kind: 'lock owner' }))
      .catch(() => null);
  }
  return { examinedAt, ino: info.ino, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, entries, ownerName, owner };
}

/**
 * How long ago the lock last showed a sign of life, never negative. A refresh sets the mtime;
 * the ctime is set by the kernel to the real time of any change, so a date in the future (a clock
 * ahead, a `touch`) counts from when it was set, not from when it says.
 */
function quietForMs(lock: { mtimeMs: number; ctimeMs: number }, now: number): number {
  return Math.max(0, now - Math.min(lock.mtimeMs, lock.ctimeMs));
}

type Verdict = { abandoned: false } | { abandoned: true; why: 'holder-dead' | 'stale' | 'ownerless' };

/**
 * A lock is abandoned when its holder is known dead on this host, when it was not refreshed for
 * the stale time (whether or not its holder runs: a stopped holder loses it, and finds out), or
 * when it never got an owner within a short grace. Its quiet time counts up to when it was
 * examined, never to when the examiner (perhaps descheduled for seconds on a loaded machine) gets
 * to judge it. An owner file appears whole (establish renames it in), so one that exists but cannot
 * be read is damage, not a holder still writing: such a lock is not ownerless; it can only go stale.
 */
function judge(lock: ExaminedLock, staleMs: number, now = lock.examinedAt): Verdict {
  const quiet = quietForMs(lock, now);
  if (lock.owner && processState(lock.owner) === 'dead') return { abandoned: true, why: 'holder-dead' };
  if (quiet > staleMs) return { abandoned: true, why: 'stale' };
  const ownerRecorded = lock.entries.some((name) => OWNER_FILE.test(name));
  if (!ownerRecorded && quiet > OWNERLESS_GRACE_MS) return { abandoned: true, why: 'ownerless' };
  return { abandoned: false };
}

/**
 * Takes over the lock if the one at the path is abandoned, and only that one. Its owner file's name
 * holds a token no other lock ever had, so unlinking it removes the examined lock and nothing else:
 * of several processes taking over at once exactly one succeeds, the others find it gone. Once the
 * owner file is gone, its holder cannot commit (assertHeld) nor remove the directory (releaseHold),
 * so the directory left behind is removed only here. An ownerless lock is removed only if it is
 * still the empty directory examined; rmdir cannot remove a lock whose owner has meanwhile
 * recorded itself, and a process whose empty new directory is removed before it recorded itself
 * notices in establish() and tries again. Returns whether it is worth trying to lock again at once.
 */
async function takeOverAbandonedLock(paths: StorePaths, staleMs: number): Promise<boolean> {
  const examined = await examineLock(paths.lockDir);
  if (!examined) return true;
  if (!judge(examined, staleMs).abandoned) return false;
  const ownerNames = examined.entries.filter((name) => OWNER_FILE.test(name));
  if (ownerNames.length > 0) {
    let removedAny = false;
    for (const name of ownerNames) {
      if (await unlink(path.join(paths.lockDir, name)).then(() => true, () => false)) removedAny = true;
    }
    // Another process took it over first (or its holder let go): nothing of ours to remove.
    if (!removedAny) return true;
  } else {
    const now = await stat(paths.lockDir).catch(() => null);
    if (!now || now.ino !== examined.ino || now.mtimeMs !== examined.mtimeMs || now.ctimeMs !== examined.ctimeMs) return true;
  }
  for (const name of examined.entries) {
    if (!OWNER_FILE.test(name)) await unlink(path.join(paths.lockDir, name)).catch(() => undefined);
  }
  await rmdir(paths.lockDir).catch(() => undefined);
  return true;
}

/** Whether the holder with this token still holds the store lock (its owner file is there). */
export async function isHeldBy(paths: StorePaths, token: string): Promise<boolean> {
  if (!/^[0-9a-f]{32}$/.test(token)) return false;
  return stat(path.join(paths.lockDir, `owner.${token}.json`)).then(() => true, () => false);
}

export interface LockInfo {
  exists: boolean;
  owner: LockOwner | null;
  /** Since the owner acquired it (never negative). */
  ageMs: number | null;
  /** Since its last sign of life (never negative, also for a lock dated in the future). */
  refreshedMsAgo: number | null;
  /** How far in the future the lock's date is (0 when it is not). */
  datedInFutureMs: number;
  holder: HolderState;
  stale: boolean;
}

export async function inspectLock(paths: StorePaths, staleMs = DEFAULT_STALE_MS): Promise<LockInfo> {
  const examined = await examineLock(paths.lockDir);
  if (!examined) return { exists: false, owner: null, ageMs: null, refreshedMsAgo: null, datedInFutureMs: 0, holder: 'unknown', stale: false };
  const now = Date.now();
  const owner = examined.owner;
  // proper-lockfile dates a fresh lock up to a second ahead (mtime precision probe).
  const ahead = examined.mtimeMs - now;
  return {
    exists: true,
    owner,
    ageMs: owner ? Math.max(0, now - Date.parse(owner.acquired_at)) : null,
    refreshedMsAgo: quietForMs(examined, now),
    datedInFutureMs: ahead > 1_500 ? ahead : 0,
    holder: owner ? processState(owner) : 'unknown',
    stale: judge(examined, Math.max(staleMs, MIN_STALE_MS), now).abandoned,
  };
}

async function lockTimeoutError(paths: StorePaths, staleMs: number): Promise<TrackError> {
  const info = await inspectLock(paths, staleMs);
  const seconds = (ms: number | null) => (ms === null ? 'unknown' : `${(ms / 1000).toFixed(1)} s`);
  const holder = info.owner
    ? `pid ${info.owner.pid} on ${info.owner.host} (${info.owner.command})`
    : 'an unknown process';
  const future = info.datedInFutureMs > 0 ? ` (its date is ${seconds(info.datedInFutureMs)} in the future)` : '';
  return new TrackError(
    'E_LOCK_TIMEOUT',
    `Failed to acquire registry lock: held by ${holder} for ${seconds(info.ageMs)}, last refreshed ${seconds(info.refreshedMsAgo)} ago${future}. ` +
      `Wait a few seconds and retry; a lock not refreshed for ${Math.round(staleMs / 1000)} s is stale and \`track doctor --repair\` removes it (${paths.display(paths.lockDir)}).`,
    { holder: info.owner, age_ms: info.ageMs, refreshed_ms_ago: info.refreshedMsAgo },
  );
}
