/**
 * The index of a store whose registry is still in the original track-manager's format.
 *
 * The original wrote track.json and its registry separately and never reconciled them (its
 * activation deadlock left track.json `active` and the registry's `active_track` null; its
 * counters and copies drifted). Our rule everywhere is that the track files are the truth, so
 * such a registry is never trusted: readers build the index from the track files in memory (and
 * write nothing: the original scripts may still be in use), and the first write replaces it
 * with ours, built the same way.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { isTrackError } from '../model/errors';
import { parseDocument } from './files';
import { compareText } from '../model/ids';
import type { StorePaths } from './paths';
import {
  emptyRegistry, listTrackFolders, problemFrom, rebuildRegistry, summarizeTrack, type Problem,
} from './registry';
import { registryFormatVersion } from './registry-file';
import { userCacheFile, writeUserCacheFile } from './user-cache';
import { SCHEMA_VERSION, trackSchema, trackSummarySchema, type Registry } from '../model/schemas';

/** How many track files are read at once. */
const READ_CONCURRENCY = 64;

export function isOriginalFormatRegistry(registry: Registry): boolean {
  return registryFormatVersion(registry) < SCHEMA_VERSION;
}

/**
 * What readers learnt from each track.json of an original-format store, keyed on the file's
 * identity (inode, size, modification and change times in ns): a file whose identity is unchanged
 * is not read again. Kept in memory and in the user's cache folder, never in the store (the
 * original's scripts may still own it), and validated when loaded like any file we read.
 */
const cacheFileSchema = z.looseObject({
  version: z.literal(1),
  conductor: z.string(),
  entries: z.record(z.string(), z.looseObject({ key: z.string(), summary: trackSummarySchema })),
});
type SummaryCache = z.infer<typeof cacheFileSchema>;
const memory = new Map<string, SummaryCache>();

function cacheFileFor(paths: StorePaths): string {
  return userCacheFile('original-format-index', paths.conductorDir);
}

async function loadCache(paths: StorePaths): Promise<SummaryCache> {
  const empty: SummaryCache = { version: 1, conductor: paths.conductorDir, entries: {} };
  const known = memory.get(paths.conductorDir);
  if (known) return known;
  try {
    const parsed = cacheFileSchema.safeParse(JSON.parse(await readFile(cacheFileFor(paths), 'utf8')));
    return parsed.success && parsed.data.conductor === paths.conductorDir ? parsed.data : empty;
  } catch {
    return empty; // No cache, or an unreadable one: read the track files.
  }
}

function saveCache(paths: StorePaths, cache: SummaryCache): void {
  memory.set(paths.conductorDir, cache);
  // A cache that cannot be written costs only speed.
  writeUserCacheFile(cacheFileFor(paths), JSON.stringify(cache));
}

/** Times in ms with their sub-millisecond fraction (a double holds ~0.2 µs of it today). */
function identity(info: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

/**
 * The original's registry as last parsed, keyed on its file's identity: readers only need it to
 * know the store is in the original format (its entries are never trusted), so a long-lived
 * process need not parse and validate it again while it is unchanged.
 */
const originalRegistries = new Map<string, { key: string; registry: Registry }>();

export function knownOriginalRegistry(file: string, key: string | null): Registry | null {
  const known = originalRegistries.get(file);
  return key !== null && known?.key === key ? known.registry : null;
}

export function rememberOriginalRegistry(file: string, key: string | null, registry: Registry): void {
  if (key !== null) originalRegistries.set(file, { key, registry });
}

/**
 * The index as the track files say, for readers. Only track.json files are read (in parallel,
 * and only those changed since the last read): a store whose registry is the original's has no
 * runs of ours yet.
 */
export async function indexFromTrackFiles(paths: StorePaths, original: Registry): Promise<{ registry: Registry; problems: Problem[] }> {
  const registry = emptyRegistry(original.updated_at);
  const problems: Problem[] = [];
  const folders = (await listTrackFolders(paths)).sort(compareText);
  const cache = await loadCache(paths);
  // Synchronous: a thousand stats in a row cost less than a thousand trips through the thread pool.
  const identities = folders.map((trackId) => {
    const info = statSync(paths.trackFile(trackId), { throwIfNoEntry: false });
    return info ? identity(info) : null;
  });
  const entries: SummaryCache['entries'] = {};
  const stale: number[] = [];
  folders.forEach((trackId, index) => {
    const key = identities[index];
    if (key === null) return;
    const known = cache.entries[trackId];
    if (known && known.key === key) entries[trackId] = known;
    else stale.push(index);
  });
  let next = 0;
  const worker = async () => {
    while (next < stale.length) {
      const index = stale[next++];
      const trackId = folders[index];
      const file = paths.trackFile(trackId);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      try {
        const track = parseDocument(text, file, trackSchema, { kind: 'track', display: (f) => paths.display(f) });
        if (track.track_id !== trackId) {
          problems.push({ code: 'E_CORRUPT_FILE', file, field: 'track_id', message: `${paths.display(file)} says track_id "${track.track_id}" but lives in folder "${trackId}"; fix one of them by hand.` });
          continue;
        }
        entries[trackId] = { key: identities[index]!, summary: summarizeTrack(track) };
      } catch (error) {
        if (!isTrackError(error)) throw error;
        problems.push(problemFrom(error, file));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, stale.length) }, worker));
  const active: string[] = [];
  for (const trackId of folders) {
    const entry = entries[trackId];
    if (!entry) continue;
    registry.tracks[trackId] = entry.summary;
    if (entry.summary.status === 'active') active.push(trackId);
  }
  registry.active_track = chooseActive(registry, active);
  const changed = stale.length > 0 || Object.keys(cache.entries).length !== Object.keys(entries).length;
  if (changed) saveCache(paths, { version: 1, conductor: paths.conductorDir, entries });
  else memory.set(paths.conductorDir, cache);
  return { registry, problems };
}

/**
 * One answer when the track files disagree: the active track is the one whose track.json says
 * `active`; when several do (the original allowed it), the most recently updated one, then the
 * greatest id. `track doctor` names the others and `--repair` pauses them.
 */
export function chooseActive(registry: Registry, active: string[]): string | null {
  if (active.length === 0) return null;
  return [...active].sort((a, b) => compareText(registry.tracks[b].updated_at, registry.tracks[a].updated_at) || compareText(b, a))[0];
}

/**
 * The registry a write starts from: ours as it is, or, for the original's, one rebuilt from the
 * folders that keeps the original's own top-level fields (`version`, `metadata`) for its scripts.
 */
export async function registryForWrite(paths: StorePaths, found: Registry, now: string): Promise<Registry> {
  if (!isOriginalFormatRegistry(found)) return found;
  const { registry } = await rebuildRegistry(paths, now);
  const { schema_version: _v, active_track: _a, updated_at: _u, tracks: _t, runs: _r, ...extras } = found;
  return { ...registry, ...extras, schema_version: SCHEMA_VERSION, active_track: registry.active_track, updated_at: now, tracks: registry.tracks, runs: registry.runs };
}
