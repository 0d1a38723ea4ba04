import { pathExists, statIfExists } from './storage/file-info';
import type { StoreContext } from './storage/context';
import type { StorePaths } from './storage/paths';
import { isTrackError } from './model/errors';
import {
  emptyRegistry, listTrackFolders, problemFrom, readRegistry, readRegistryHead, readTrackFile, rebuildRegistry, reconcileFolders,
  type Problem,
} from './storage/registry';
import type { Registry } from './model/schemas';
import { mutate } from './storage/transaction';
import { changedTrackFiles, refreshEntries, saidActive } from './storage/index-freshness';
import { holdsStoreLock } from './storage/lock-scope';
import { extendFromLog, isSplitHead, viewChangeOf, viewOfWriterIndex } from './storage/index-files';
import { indexFromTrackFiles, isOriginalFormatRegistry, knownOriginalRegistry, rememberOriginalRegistry } from './storage/origin-index';

export interface RegistryView {
  registry: Registry;
  /** Files that could not be read; the rest of the store still lists. */
  problems: Problem[];
  /** Built from the track files because the registry is the original track-manager's (not cached). */
  originalFormat?: boolean;
}

interface CachedView {
  key: string;
  /** The identities the key is made of, to tell an append to the log from any other change. */
  head: string;
  base: string;
  logIno: number | null;
  dir: string;
  view: RegistryView;
}
const cache = new Map<string, CachedView>();

/**
 * The registry as readers see it, outside the lock. Cached on the identity of the registry file
 * and of the tracks folder (inode, size, mtime), never on a timer: any write changes the key.
 * A missing registry, a track folder it does not list, or a track file changed since it was
 * indexed (see index-freshness.ts) is indexed (under the lock) first — or, when the store cannot
 * be written (a read-only checkout) or this call already holds the lock, only in memory.
 *
 * Cost of freshness: a fresh load (every CLI read) stats each indexed track.json once (about 7 ms
 * per 1 000 tracks); a cached view (a long-lived process) re-checks only the tracks it says are
 * active, so in the editor a track edited outside the tool to become active shows once the
 * registry changes (any write) or the cache is dropped (forgetCachedIndex).
 */
export async function readIndex(ctx: StoreContext): Promise<RegistryView> {
  const { paths } = ctx;
  const [registryStat, dirStat, baseStat, logStat] = await Promise.all([
    statIfExists(paths.registryFile),
    statIfExists(paths.tracksDir),
    statIfExists(paths.indexBaseFile),
    statIfExists(paths.indexLogFile),
  ]);
  if (!dirStat) return { registry: emptyRegistry(ctx.now().toISOString()), problems: [] };
  const identity = (info: { ino: number; size: number; mtimeMs: number } | null) => (info ? `${info.ino}:${info.size}:${info.mtimeMs}` : '-');
  const key = registryStat
    ? `${identity(registryStat)}:${identity(baseStat)}:${identity(logStat)}:${dirStat.ino}:${dirStat.mtimeMs}`
    : null;
  const cached = cache.get(paths.registryFile);
  if (key && cached?.key === key && changedTrackFiles(paths, cached.view.registry, idsToCheck(paths, cached.view.registry)).length === 0) {
    suspects.delete(paths.registryFile);
    return cached.view;
  }
  const parts = { head: identity(registryStat), base: identity(baseStat), logIno: logStat?.ino ?? null, dir: `${dirStat.ino}:${dirStat.mtimeMs}` };
  if (key && cached && logStat) {
    const extended = await extendCachedView(ctx, cached, parts, dirStat.nlink);
    if (extended) {
      cache.set(paths.registryFile, { key, ...parts, view: extended });
      suspects.delete(paths.registryFile);
      return extended;
    }
  }
  const original = knownOriginalRegistry(paths.registryFile, key);
  if (original) return { ...(await indexFromTrackFiles(paths, original)), originalFormat: true };

  let view: RegistryView;
  try {
    view = await loadAndReconcile(ctx, registryStat !== null, dirStat.nlink, key);
  } catch (error) {
    if (!isTrackError(error, 'E_CORRUPT_FILE')) throw error;
    // A corrupt index must not hide the tracks: list from the track files, write nothing.
    const rebuilt = await rebuildRegistry(paths, ctx.now().toISOString());
    return { registry: rebuilt.registry, problems: [problemFrom(error, paths.registryFile), ...rebuilt.problems] };
  }
  // A view with problems is not cached: fixing a track.json by hand changes neither key, and the
  // problem must go away on the next read.
  if (key && !view.originalFormat && view.problems.length === 0) cache.set(paths.registryFile, { key, ...parts, view });
  suspects.delete(paths.registryFile);
  return view;
}

/**
 * After a write by another process only the log grew (and the head changed with the active
 * track): the cached view takes the new lines, read and validated alone, instead of a full read.
 * The same freshness as a cached view: the tracks it says are active are checked by identity; a
 * new or removed track folder (a pull) is noticed by the folder's link count.
 */
async function extendCachedView(ctx: StoreContext, cached: CachedView, parts: Omit<CachedView, 'key' | 'view'>, dirLinks: number): Promise<RegistryView | null> {
  if (cached.view.originalFormat || cached.view.problems.length > 0) return null;
  if (cached.base !== parts.base || cached.logIno !== parts.logIno) return null;
  const registry = await extendFromLog(ctx.paths, cached.view.registry);
  if (!registry) return null;
  // A head rewritten without a new log line (a rebuild, an older Track Manager's single-file
  // registry) is read whole; every log line carries its write's time.
  if (cached.head !== parts.head && registry.updated_at === cached.view.registry.updated_at) return null;
  if (cached.dir !== parts.dir && !(await foldersMatchIndex(ctx, registry, dirLinks))) return null;
  if (changedTrackFiles(ctx.paths, registry, idsToCheck(ctx.paths, registry)).length > 0) return null;
  return { registry, problems: [] };
}

const activeIds = new WeakMap<Registry, string[]>();
const trackCounts = new WeakMap<Registry, number>();

/** The number of indexed tracks, kept per view like activeIdsOf (counting 10 000 keys costs a few ms). */
function trackCountOf(registry: Registry): number {
  let count = trackCounts.get(registry);
  if (count !== undefined) return count;
  const change = viewChangeOf(registry);
  const previous = change?.previous.deref();
  const before = previous ? trackCounts.get(previous) : undefined;
  if (change && previous && before !== undefined) {
    count = before;
    for (const id of change.touchedTracks) count += Number(Object.hasOwn(registry.tracks, id)) - Number(Object.hasOwn(previous.tracks, id));
  } else {
    count = Object.keys(registry.tracks).length;
  }
  trackCounts.set(registry, count);
  return count;
}

/**
 * saidActive for a cached view, kept per view: a warm reader checks these tracks on every call,
 * and a view extended from the log updates its previous view's list for the touched tracks only.
 */
function activeIdsOf(registry: Registry): string[] {
  let ids = activeIds.get(registry);
  if (ids) return ids;
  const change = viewChangeOf(registry);
  const previous = change?.previous.deref();
  const before = previous ? activeIds.get(previous) : undefined;
  if (change && before) {
    const candidates = new Set([...before, ...change.touchedTracks]);
    if (registry.active_track) candidates.add(registry.active_track);
    ids = [...candidates].filter((id) => id === registry.active_track || registry.tracks[id]?.status === 'active');
  } else {
    ids = saidActive(registry);
  }
  activeIds.set(registry, ids);
  return ids;
}

/**
 * The id the index's head names as active, without reading the index: null when none, undefined
 * when the head cannot tell (no head, format 1 or the original's — read the whole index then).
 */
export async function activeTrackFromHead(ctx: StoreContext): Promise<string | null | undefined> {
  let head;
  try {
    head = await readRegistryHead(ctx.paths);
  } catch {
    return undefined;
  }
  return head && isSplitHead(head) ? head.active_track : undefined;
}

async function loadAndReconcile(ctx: StoreContext, registryExists: boolean, dirLinks: number, key: string | null): Promise<RegistryView> {
  const { paths } = ctx;
  const registry = registryExists ? await readRegistry(paths) : null;
  if (registry && isOriginalFormatRegistry(registry)) {
    rememberOriginalRegistry(paths.registryFile, key, registry);
    return { ...(await indexFromTrackFiles(paths, registry)), originalFormat: true };
  }
  if (registry && (await foldersMatchIndex(ctx, registry, dirLinks))) {
    const changed = changedTrackFiles(paths, registry);
    if (changed.length === 0) return { registry, problems: [] };
    return reindex(ctx, registry, changed);
  }
  const folders = await listTrackFolders(paths);
  const problems: Problem[] = [];
  if (registry) {
    const present = new Set(folders);
    const vanished = Object.keys(registry.tracks).some((id) => !present.has(id));
    let indexable = false;
    for (const trackId of folders.filter((id) => !registry.tracks[id])) {
      try {
        if (await readTrackFile(paths, trackId)) indexable = true;
      } catch (error) {
        if (!isTrackError(error)) throw error;
        problems.push(problemFrom(error, paths.trackFile(trackId)));
      }
    }
    const changed = changedTrackFiles(paths, registry).filter((id) => present.has(id));
    if (!vanished && !indexable && changed.length === 0) return { registry, problems };
    return reindex(ctx, registry, changed, problems);
  } else if (folders.length === 0) {
    return { registry: emptyRegistry(ctx.now().toISOString()), problems };
  }
  return reindex(ctx, null, [], problems);
}

/** Brings the index up to date: written under the lock when possible, else only in memory. */
async function reindex(ctx: StoreContext, registry: Registry | null, changed: string[], problems: Problem[] = []): Promise<RegistryView> {
  const { paths } = ctx;
  if (!holdsStoreLock(paths.lockDir)) {
    try {
      return await mutate(ctx, 'index', async (tx) => {
        const found: Problem[] = [];
        if (await reconcileFolders(paths, tx.registry, await listTrackFolders(paths), found)) tx.registryChanged = true;
        const stale = changedTrackFiles(paths, tx.registry);
        if (stale.length > 0 && (await refreshEntries(paths, tx.registry, stale, found))) tx.registryChanged = true;
        // A copy: the writer keeps tx.registry for its next write (writer-index.ts), and a view never changes.
        return { registry: viewOfWriterIndex(tx.registry), problems: found };
      });
    } catch (error) {
      if (!cannotWrite(error)) throw error;
    }
  }
  // Read-only: the same answer, computed from the track files, nothing written.
  if (!registry) {
    const rebuilt = await rebuildRegistry(paths, ctx.now().toISOString());
    return { registry: rebuilt.registry, problems: [...problems, ...rebuilt.problems] };
  }
  const copy = structuredClone(registry);
  const found: Problem[] = [];
  await reconcileFolders(paths, copy, await listTrackFolders(paths), found);
  await refreshEntries(paths, copy, changed.filter((id) => copy.tracks[id]), found);
  return { registry: copy, problems: found };
}

/**
 * The index cannot be written now: no permission, a read-only file system, or a writer holding
 * the lock longer than a read should wait. A read then answers from the track files alone.
 */
function cannotWrite(error: unknown): boolean {
  if (isTrackError(error, 'E_LOCK_TIMEOUT')) return true;
  const errno = isTrackError(error) ? error.details.errno : (error as NodeJS.ErrnoException)?.code;
  return errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS';
}

/**
 * Whether the tracks folder holds exactly the indexed track folders, without listing 10 000
 * entries: on file systems that count a directory's links (ext4, xfs, tmpfs…) nlink is 2 plus the
 * number of subfolders. Any doubt (nlink of 1, an unexpected count) means a full listing.
 */
async function foldersMatchIndex(ctx: StoreContext, registry: Registry, dirLinks: number): Promise<boolean> {
  if (dirLinks < 2) return false;
  const lockHeld = (await pathExists(ctx.paths.lockDir)) ? 1 : 0;
  return dirLinks - 2 === trackCountOf(registry) + lockHeld;
}

const revisions = new WeakMap<Registry, Readonly<object>>();

/**
 * One token per index view readIndex returns: a cached view keeps its token, any change gives a
 * new one. A view with problems or built from the original's files is never cached, so its token
 * never repeats (a watcher then always refreshes).
 */
export async function indexRevision(ctx: StoreContext): Promise<Readonly<object>> {
  const view = await readIndex(ctx);
  if (view.problems.length > 0 || view.originalFormat) return Object.freeze({});
  let token = revisions.get(view.registry);
  if (!token) {
    token = Object.freeze({});
    revisions.set(view.registry, token);
  }
  return token;
}

export function forgetCachedIndex(ctx: StoreContext): void {
  cache.delete(ctx.paths.registryFile);
  suspects.delete(ctx.paths.registryFile);
}

/**
 * Track files a long-lived reader was told changed (the editor's watcher saw them): a cached view
 * re-checks them by identity on its next read, besides the active ones, so a pull or a hand edit of
 * a paused track shows without a full read — whatever else changed in the same moment.
 */
const suspects = new Map<string, Set<string>>();

export function recheckTracks(ctx: StoreContext, trackIds: Iterable<string>): void {
  const set = suspects.get(ctx.paths.registryFile) ?? new Set<string>();
  for (const id of trackIds) set.add(id);
  suspects.set(ctx.paths.registryFile, set);
}

function idsToCheck(paths: StorePaths, registry: Registry): string[] {
  const extra = suspects.get(paths.registryFile);
  return extra ? [...new Set([...activeIdsOf(registry), ...extra])] : activeIdsOf(registry);
}
