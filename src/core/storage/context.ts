import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STALE_MS, staleMsFromEnv } from './lock';
import { locateStore, StorePaths, type LocateOptions } from './paths';

export interface StoreOptions extends LocateOptions {
  /** Lock stale time (ms); 30 s as the spec says, or TRACK_MANAGER_LOCK_STALE_MS. */
  lockStaleMs?: number;
  /** How long a write waits for the lock before E_LOCK_TIMEOUT (ms). */
  lockTimeoutMs?: number;
  /** Who is writing, shown to whoever waits for the lock. */
  command?: string;
  /** Owner pid recorded on workflow runs started through this store (null: heartbeat only). */
  ownerPid?: number | null;
  /** For tests: the clock. */
  now?: () => Date;
}

/** What every core operation needs: where the store is and how to behave. */
export interface StoreContext {
  readonly paths: StorePaths;
  readonly lockStaleMs: number;
  readonly lockTimeoutMs: number;
  readonly command: string;
  readonly ownerPid: number | null;
  now(): Date;
}

export function createContext(options: StoreOptions = {}): StoreContext {
  const paths = new StorePaths(locateStore(options));
  return {
    paths,
    lockStaleMs: options.lockStaleMs ?? staleMsFromEnv(options.env) ?? DEFAULT_STALE_MS,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    command: options.command ?? 'track-manager',
    ownerPid: options.ownerPid ?? null,
    now: options.now ?? (() => new Date()),
  };
}
