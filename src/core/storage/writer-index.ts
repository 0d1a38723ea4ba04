import { advanceWriterIndex, isSplitHead, readSplitIndex, settleCommittedIndex } from './index-files';
import type { StorePaths } from './paths';
import { readRegistryHead } from './registry';
import type { Registry } from '../model/schemas';

/**
 * The registry a long-lived writer (the editor, the MCP server, a library user) committed last,
 * per store, for its next write: under the lock that write reads the head and the log's new lines
 * (advanceWriterIndex, index-files.ts) instead of the whole base. It is taken out while a write
 * uses it and put back only once that write is committed, so a failed write never leaves an index
 * that differs from the files.
 */
const kept = new Map<string, Registry>();

/** The index for a write, read under the lock: the kept registry brought up to date, else read whole. */
export async function readRegistryForWrite(paths: StorePaths): Promise<Registry | null> {
  const previous = kept.get(paths.registryFile);
  kept.delete(paths.registryFile);
  const readHead = () => readRegistryHead(paths);
  const head = await readHead();
  if (!head || !isSplitHead(head)) return head;
  if (previous) {
    const current = await advanceWriterIndex(paths, previous, head);
    if (current) return current;
  }
  return readSplitIndex(paths, head, readHead);
}

/** After the write with this registry was committed (the lock still held): keep it for the next write, if it still stands for the files. */
export async function keepForNextWrite(paths: StorePaths, registry: Registry, lockStillOwned: () => Promise<boolean>): Promise<void> {
  if (await settleCommittedIndex(paths, registry, lockStillOwned)) kept.set(paths.registryFile, registry);
}

/** Forgets the kept registry (tests, or a caller that knows the files were replaced). */
export function forgetWriterIndex(paths: StorePaths): void {
  kept.delete(paths.registryFile);
}
