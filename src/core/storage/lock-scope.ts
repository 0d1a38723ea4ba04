import { AsyncLocalStorage } from 'node:async_hooks';
import { TrackError } from '../model/errors';

/**
 * Which store locks the current asynchronous call chain holds. The store lock is not re-entrant:
 * code that already holds it and asks for it again would wait on itself until the lock times out
 * (or forever, through the in-process queue). Asking twice is a bug, reported at once instead.
 */
const heldLocks = new AsyncLocalStorage<ReadonlySet<string>>();

export function holdsStoreLock(lockDir: string): boolean {
  return heldLocks.getStore()?.has(lockDir) ?? false;
}

/** Runs `work` (which takes the lock at `lockDir`) marked as holding it; refuses a nested attempt. */
export function withLockScope<T>(lockDir: string, command: string, work: () => Promise<T>): Promise<T> {
  const held = heldLocks.getStore();
  if (held?.has(lockDir)) {
    return Promise.reject(new TrackError(
      'E_INTERNAL',
      `Internal error: \`${command}\` asked for the store lock while this call already holds it (a re-entrant lock would wait on itself). Nothing was written; please report it with the command you ran.`,
      { lock: lockDir },
    ));
  }
  return heldLocks.run(new Set([...(held ?? []), lockDir]), work);
}
