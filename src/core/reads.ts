import { stat } from 'node:fs/promises';
import type { StoreContext } from './context';
import { isTrackError } from './errors';
import {
  emptyRegistry, listTrackFolders, problemFrom, readRegistry, readTrackFile, rebuildRegistry, reconcileFolders,
  type Problem,
} from './registry';
import type { Registry } from './schemas';
import { mutate } from './transaction';
import { indexFromTrackFiles, isOriginalFormatRegistry, knownOriginalRegistry, rememberOriginalRegistry } from './origin-index';

export interface RegistryView {
  registry: Registry;
  /** Files that could not be read; the rest of the store still lists. */
  problems: Problem[];
  /** Built from the track files because the registry is the original track-manager's (not cached). */
  originalFormat?: boolean;
}

const cache = new Map<string, { key: string; view: RegistryView }>();

/**
 * The registry as readers see it, outside the lock. Cached on the identity of the registry file
 * and of the tracks folder (inode, size, mtime), never on a timer: any write changes the key.
 * A missing registry, or a track folder it does not list, is indexed (under the lock) first.
 */
export async function readIndex(ctx: StoreContext): Promise<RegistryView> {
  const { paths } = ctx;
  const [registryStat, dirStat] = await Promise.all([
    stat(paths.registryFile).catch(() => null),
    stat(paths.tracksDir).catch(() => null),
  ]);
  if (!dirStat) return { registry: emptyRegistry(ctx.now().toISOString()), problems: [] };
  const key = registryStat
    ? `${registryStat.ino}:${registryStat.size}:${registryStat.mtimeMs}:${dirStat.ino}:${dirStat.mtimeMs}`
    : null;
  const cached = cache.get(paths.registryFile);
  if (key && cached?.key === key) return cached.view;
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
  if (key && !view.originalFormat) cache.set(paths.registryFile, { key, view });
  return view;
}

async function loadAndReconcile(ctx: StoreContext, registryExists: boolean, dirLinks: number, key: string | null): Promise<RegistryView> {
  const { paths } = ctx;
  const registry = registryExists ? await readRegistry(paths) : null;
  if (registry && isOriginalFormatRegistry(registry)) {
    rememberOriginalRegistry(paths.registryFile, key, registry);
    return { ...(await indexFromTrackFiles(paths, registry)), originalFormat: true };
  }
  if (registry && (await foldersMatchIndex(ctx, registry, dirLinks))) return { registry, problems: [] };
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
    if (!vanished && !indexable) return { registry, problems };
  } else if (folders.length === 0) {
    return { registry: emptyRegistry(ctx.now().toISOString()), problems };
  }
  return mutate(ctx, 'index', async (tx) => {
    const found: Problem[] = [];
    if (await reconcileFolders(paths, tx.registry, await listTrackFolders(paths), found)) tx.registryChanged = true;
    return { registry: tx.registry, problems: found };
  });
}

/**
 * Whether the tracks folder holds exactly the indexed track folders, without listing 10 000
 * entries: on file systems that count a directory's links (ext4, xfs, tmpfs…) nlink is 2 plus the
 * number of subfolders. Any doubt (nlink of 1, an unexpected count) means a full listing.
 */
async function foldersMatchIndex(ctx: StoreContext, registry: Registry, dirLinks: number): Promise<boolean> {
  if (dirLinks < 2) return false;
  const lockHeld = await stat(ctx.paths.lockDir).then(() => 1, () => 0);
  return dirLinks - 2 === Object.keys(registry.tracks).length + lockHeld;
}

export function forgetCachedIndex(ctx: StoreContext): void {
  cache.delete(ctx.paths.registryFile);
}
