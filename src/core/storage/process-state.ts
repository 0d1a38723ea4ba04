import { hostname } from 'node:os';

export type HolderState = 'alive' | 'dead' | 'unknown';

/**
 * Whether a process that holds (or held) a lock or a run still runs; only knowable on the same
 * host. Kept free of other imports: `track brief` uses it without loading the validators.
 */
export function processState(owner: { pid: number | null; host: string }): HolderState {
  if (owner.pid === null || owner.host !== hostname()) return 'unknown';
  if (owner.pid === process.pid) return 'alive';
  try {
    process.kill(owner.pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'dead';
  }
}
