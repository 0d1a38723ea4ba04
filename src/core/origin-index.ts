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
import { readFile } from 'node:fs/promises';
import { isTrackError } from './errors';
import { parseDocument } from './files';
import { compareText } from './ids';
import type { StorePaths } from './paths';
import {
  emptyRegistry, indexTrack, listTrackFolders, problemFrom, rebuildRegistry, type Problem,
} from './registry';
import { registryFormatVersion } from './registry-file';
import { SCHEMA_VERSION, trackSchema, type Registry, type Track } from './schemas';

/** How many track files are read at once. */
const READ_CONCURRENCY = 64;

export function isOriginalFormatRegistry(registry: Registry): boolean {
  return registryFormatVersion(registry) < SCHEMA_VERSION;
}

/**
 * The index as the track files say, for readers. Only track.json files are read (in parallel):
 * a store whose registry is the original's has no runs of ours yet.
 */
export async function indexFromTrackFiles(paths: StorePaths, original: Registry): Promise<{ registry: Registry; problems: Problem[] }> {
  const registry = emptyRegistry(original.updated_at);
  const problems: Problem[] = [];
  const folders = (await listTrackFolders(paths)).sort();
  const tracks: Array<Track | null> = new Array(folders.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < folders.length) {
      const index = next++;
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
        tracks[index] = track;
      } catch (error) {
        if (!isTrackError(error)) throw error;
        problems.push(problemFrom(error, file));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, folders.length) }, worker));
  const active: string[] = [];
  for (const track of tracks) {
    if (!track) continue;
    indexTrack(registry, track);
    if (track.status === 'active') active.push(track.track_id);
  }
  registry.active_track = chooseActive(registry, active);
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
