import {
  advanceWriterIndex, isPartialIndex, isSplitHead, overlayPartialIndex, readPartialIndex, readSplitIndex, settleCommittedIndex,
} from './index-files';
import type { StorePaths } from './paths';
import { readRegistryHead, rebuildRegistry } from './registry';
import type { Registry } from '../model/schemas';

/**
 * The registry a long-lived writer (the editor, the MCP server, a library user) committed last,
 * per store, for its next write: under the lock that write reads the head and the log's new lines
 * (advanceWriterIndex, index-files.ts) instead of the whole base. It is taken out while a write
 * uses it and put back only once that write is committed, so a failed write never leaves an index
 * that differs from the files.
 */
const kept = new Map<string, Registry>();

/**
 * The index for a write, read under the lock: the kept registry brought up to date, else, for a
 * write of one track (`partial`), only what it needs (readPartialIndex), else read whole.
 */
export async function readRegistryForWrite(paths: StorePaths, partial = false): Promise<Registry | null> {
  const previous = kept.get(paths.registryFile);
  kept.delete(paths.registryFile);
  const readHead = () => readRegistryHead(paths);
  const head = await readHead();
  if (!head || !isSplitHead(head)) return head;
  if (previous) {
    const current = await advanceWriterIndex(paths, previous, head);
    if (current) return current;
  }
  if (partial) {
    const found = await readPartialIndex(paths, head);
    if (found) return found;
  }
  return readSplitIndex(paths, head, readHead);
}

/**
 * A write's registry with every entry: a partial one (readRegistryForWrite) is read whole, under
 * the same lock, and its changes so far made over it. Any other is returned as it is.
 */
export async function wholeRegistryFor(paths: StorePaths, registry: Registry, now: string): Promise<Registry> {
  if (!isPartialIndex(registry)) return registry;
  const head = await readRegistryHead(paths);
  const whole = head && isSplitHead(head) ? await readSplitIndex(paths, head, () => readRegistryHead(paths)) : head;
  return overlayPartialIndex(registry, whole ?? (await rebuildRegistry(paths, now)).registry);
}

/** After the write with this registry was committed (the lock still held): keep it for the next write, if it still stands for the files. */
export async function keepForNextWrite(paths: StorePaths, registry: Registry, lockStillOwned: () => Promise<boolean>): Promise<void> {
  if (await settleCommittedIndex(paths, registry, lockStillOwned)) kept.set(paths.registryFile, registry);
}

/** Forgets the kept registry (tests, or a caller that knows the files were replaced). */
export function forgetWriterIndex(paths: StorePaths): void {
  kept.delete(paths.registryFile);
}
