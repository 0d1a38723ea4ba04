import { listFolder } from './folders';
import { documentOptions } from './known-valid';
import { runEntryChanged, trackEntryChanged } from './index-changes';
import { isTrackError, TrackError } from '../model/errors';
import { readDocument, readDocumentNow } from './files';
import { readTrackStamped } from './index-freshness';
import { readRegistryFile } from './registry-file';
import { isSplitHead, readSplitIndex } from './index-files';
import { compareText, isValidId } from '../model/ids';
import type { StorePaths } from './paths';
import {
  runSchema, SCHEMA_VERSION, trackSchema,
  type Registry, type Run, type RunSummaryEntry, type Track, type TrackSummaryEntry,
} from '../model/schemas';

/**
 * The registry is a derived index of the track files (the source of truth), kept so listing
 * 10 000 tracks reads one file. Anything it says can be rebuilt from the track folders.
 */
export interface Problem {
  code: string;
  file: string;
  field?: string | null;
  message: string;
}

export function emptyRegistry(now: string): Registry {
  return { schema_version: SCHEMA_VERSION, active_track: null, updated_at: now, tracks: {}, runs: {} };
}

export function summarizeTrack(track: Track): TrackSummaryEntry {
  return {
    name: track.name,
    type: track.type,
    status: track.status,
    priority: track.priority,
    progress_percentage: track.progress.percentage,
    created_at: track.created_at,
    updated_at: track.updated_at,
  };
}

export function summarizeRun(run: Run): RunSummaryEntry {
  return {
    track_id: run.track_id,
    workflow: run.selected_workflow,
    status: run.status,
    current_step: run.current_step,
    total_steps: run.total_steps,
    updated_at: run.updated_at,
  };
}

/** Records a track's new state in the index, keeping `active_track` equal to the active track. */
export function indexTrack(registry: Registry, track: Track, fileStamp?: string): void {
  registry.tracks[track.track_id] = fileStamp ? { ...summarizeTrack(track), file_stamp: fileStamp } : summarizeTrack(track);
  if (track.status === 'active') registry.active_track = track.track_id;
  else if (registry.active_track === track.track_id) registry.active_track = null;
  trackEntryChanged(registry, track.track_id);
}

export function indexRun(registry: Registry, run: Run): void {
  registry.runs[run.run_id] = summarizeRun(run);
  runEntryChanged(registry, run.run_id);
}

/** Removes a track (its folder or file is gone) and its runs from the index. */
export function dropTrackEntry(registry: Registry, trackId: string): void {
  delete registry.tracks[trackId];
  if (registry.active_track === trackId) registry.active_track = null;
  trackEntryChanged(registry, trackId);
  for (const [runId, run] of Object.entries(registry.runs)) {
    if (run.track_id !== trackId) continue;
    delete registry.runs[runId];
    runEntryChanged(registry, runId);
  }
}

/** The index's head alone (for format 2: the active track, no entries). */
export async function readRegistryHead(paths: StorePaths): Promise<Registry | null> {
  return readRegistryFile(paths.registryFile, documentOptions(paths, 'registry'));
}

/** The index as one registry: the head, and for format 2 its base and log (index-files.ts). */
export async function readRegistry(paths: StorePaths): Promise<Registry | null> {
  const readHead = () => readRegistryFile(paths.registryFile, documentOptions(paths, 'registry'));
  const head = await readHead();
  if (!head || !isSplitHead(head)) return head;
  return readSplitIndex(paths, head, readHead);
}

export async function readTrackFile(paths: StorePaths, trackId: string): Promise<Track | null> {
  return readDocument(paths.trackFile(trackId), trackSchema, documentOptions(paths, 'track'));
}

/** readTrackFile for a writer under the lock (see readDocumentNow). */
export function readTrackFileNow(paths: StorePaths, trackId: string): Track | null {
  return readDocumentNow(paths.trackFile(trackId), trackSchema, documentOptions(paths, 'track'));
}

export async function readRunFile(paths: StorePaths, trackId: string, runId: string): Promise<Run | null> {
  return readDocument(paths.runFile(trackId, runId), runSchema, documentOptions(paths, 'run'));
}

export async function listTrackFolders(paths: StorePaths): Promise<string[]> {
  return (await listFolder(paths.tracksDir)).filter((name) => isValidId('track', name));
}

export function problemFrom(error: TrackError, fallbackFile: string): Problem {
  return {
    code: error.code,
    file: typeof error.details.file === 'string' ? error.details.file : fallbackFile,
    field: (error.details.field as string | null | undefined) ?? null,
    message: error.message,
  };
}

/** Indexes one track folder (and its runs) into the registry; a corrupt file becomes a problem. */
export async function indexTrackFolder(
  paths: StorePaths,
  registry: Registry,
  trackId: string,
  problems: Problem[],
): Promise<boolean> {
  let track: Track | null;
  let stamp: string | null;
  try {
    ({ track, stamp } = await readTrackStamped(paths, trackId));
  } catch (error) {
    if (!isTrackError(error)) throw error;
    problems.push(problemFrom(error, paths.trackFile(trackId)));
    return false;
  }
  if (!track) return false;
  if (track.track_id !== trackId) {
    problems.push({
      code: 'E_CORRUPT_FILE',
      file: paths.trackFile(trackId),
      field: 'track_id',
      message: `${paths.display(paths.trackFile(trackId))} says track_id "${track.track_id}" but lives in folder "${trackId}"; fix one of them by hand.`,
    });
    return false;
  }
  indexTrack(registry, track, stamp ?? undefined);
  for (const runId of await listFolder(paths.workflowsDir(trackId))) {
    if (!isValidId('run', runId)) continue;
    try {
      const run = await readRunFile(paths, trackId, runId);
      if (run) indexRun(registry, run);
    } catch (error) {
      if (!isTrackError(error)) throw error;
      problems.push(problemFrom(error, paths.runFile(trackId, runId)));
    }
  }
  return true;
}

/** Builds the registry afresh from the track folders. Never writes. */
export async function rebuildRegistry(paths: StorePaths, now: string): Promise<{ registry: Registry; problems: Problem[] }> {
  const registry = emptyRegistry(now);
  const problems: Problem[] = [];
  const activeTracks: string[] = [];
  for (const trackId of (await listTrackFolders(paths)).sort()) {
    if (await indexTrackFolder(paths, registry, trackId, problems)) {
      if (registry.tracks[trackId].status === 'active') activeTracks.push(trackId);
    }
  }
  if (activeTracks.length > 1) {
    // Keep the most recently updated one (then the greatest id) as the active track; doctor reports the others.
    activeTracks.sort((a, b) => compareText(registry.tracks[b].updated_at, registry.tracks[a].updated_at) || compareText(b, a));
    registry.active_track = activeTracks[0];
  }
  return { registry, problems };
}

/**
 * Brings the index in line with the folders present: a track folder it does not list (a
 * teammate's pull) is indexed, an entry whose folder is gone is dropped.
 */
export async function reconcileFolders(
  paths: StorePaths,
  registry: Registry,
  folders: string[],
  problems: Problem[],
): Promise<boolean> {
  let changed = false;
  const present = new Set(folders);
  for (const trackId of Object.keys(registry.tracks)) {
    if (present.has(trackId)) continue;
    dropTrackEntry(registry, trackId);
    changed = true;
  }
  for (const trackId of folders) {
    if (registry.tracks[trackId]) continue;
    if (await indexTrackFolder(paths, registry, trackId, problems)) changed = true;
  }
  return changed;
}

export function trackNotFound(trackId: string): TrackError {
  return new TrackError(
    'E_TRACK_NOT_FOUND',
    `Track not found: ${trackId}. List tracks to verify the id: \`track list\`.`,
    { track_id: trackId },
  );
}
