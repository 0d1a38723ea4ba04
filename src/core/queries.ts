import { listCheckpoints, type CheckpointEntry } from './checkpoints';
import type { StoreContext } from './storage/context';
import { readContextFiles, type TrackContextFiles } from './context-files';
import { TrackError } from './model/errors';
import { assertId, compareText } from './model/ids';
import { activeTrackFromHead, readIndex } from './reads';
import { derivedIndexOf, type TrackSummary } from './index-views';
import { readTrackFile, trackNotFound, type Problem } from './storage/registry';
import {
  PRIORITIES, TRACK_STATUSES, TRACK_TYPES,
  type Priority, type RunSummaryEntry, type Track, type TrackStatus, type TrackType,
} from './model/schemas';
import { listArtifacts } from './track-context';
import { readRunSnapshots, validateRunFilter, type RunFilter } from './runs';
import { readTrackRuns } from './track-runs';

export type { TrackSummary };

export interface TrackFilter {
  status?: TrackStatus;
  type?: TrackType;
  priority?: Priority;
}

export interface RegistryStats {
  total_tracks: number;
  active_count: number;
  paused_count: number;
  completed_count: number;
  failed_count: number;
  draft_count: number;
  ready_count: number;
  cancelled_count: number;
  archived_count: number;
  by_type: Partial<Record<TrackType, number>>;
  by_priority: Partial<Record<Priority, number>>;
  active_track: string | null;
}

/** A track as the CLI and the API present it: the record plus `progress_percentage`. */
export type TrackView = Track & { progress_percentage: number };

export function viewTrack(track: Track): TrackView {
  const { track_id, name, type, status, priority, ...rest } = track;
  return { track_id, name, type, status, priority, progress_percentage: track.progress.percentage, ...rest };
}

export function validateTrackFilter(filter: TrackFilter): TrackFilter {
  const check = <T extends string>(value: string | undefined, allowed: readonly T[], field: string) => {
    if (value !== undefined && !allowed.includes(value as T)) {
      throw new TrackError('E_INVALID_INPUT', `Invalid ${field} "${value}": expected one of ${allowed.join(', ')}.`, { field });
    }
  };
  check(filter.status, TRACK_STATUSES, 'status');
  check(filter.type, TRACK_TYPES, 'type');
  check(filter.priority, PRIORITIES, 'priority');
  return filter;
}

export async function listTracks(ctx: StoreContext, filter: TrackFilter = {}): Promise<{ tracks: TrackSummary[]; problems: Problem[] }> {
  validateTrackFilter(filter);
  const { registry, problems } = await readIndex(ctx);
  const { rows } = derivedIndexOf(registry);
  const unfiltered = !filter.status && !filter.type && !filter.priority;
  const chosen = unfiltered
    ? rows
    : rows.filter((row) => (!filter.status || row.status === filter.status) &&
      (!filter.type || row.type === filter.type) &&
      (!filter.priority || row.priority === filter.priority));
  // Fresh objects: the derived rows are shared by every later read of the same view.
  return { tracks: chosen.map((row) => ({ ...row })), problems };
}

export async function getStats(ctx: StoreContext): Promise<RegistryStats> {
  const { registry } = await readIndex(ctx);
  const { rows, byStatus, byType: typeCounts, byPriority: priorityCounts } = derivedIndexOf(registry);
  const count = (status: TrackStatus) => byStatus.get(status) ?? 0;
  const byType: Partial<Record<TrackType, number>> = {};
  for (const [type, n] of typeCounts) if (n > 0) byType[type] = n;
  const byPriority: Partial<Record<Priority, number>> = {};
  for (const [priority, n] of priorityCounts) if (n > 0) byPriority[priority] = n;
  return {
    total_tracks: rows.length,
    active_count: count('active'),
    paused_count: count('paused'),
    completed_count: count('completed'),
    failed_count: count('failed'),
    draft_count: count('draft'),
    ready_count: count('ready'),
    cancelled_count: count('cancelled'),
    archived_count: count('archived'),
    by_type: byType,
    by_priority: sortKeys(byPriority),
    active_track: registry.active_track,
  };
}

function sortKeys<T extends Record<string, number>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b))) as T;
}

export async function getTrack(ctx: StoreContext, trackId: string): Promise<Track> {
  assertId('track', trackId, '--track-id');
  const track = await readTrackFile(ctx.paths, trackId);
  if (!track) throw trackNotFound(trackId);
  return track;
}

/**
 * The head names the active track (format 2): that one track is read, and when it says `active`
 * that is the answer. When the head names none (a track edited to `active` by hand or by a pull
 * must still be found), cannot tell, or its track is not active any more, the whole index decides.
 */
export async function getActiveTrack(ctx: StoreContext): Promise<Track | null> {
  const named = await activeTrackFromHead(ctx);
  if (named) {
    const track = await readTrackFile(ctx.paths, named).catch(() => null);
    if (track?.status === 'active' && track.track_id === named) return track;
  }
  const { registry } = await readIndex(ctx);
  if (!registry.active_track) return null;
  const track = await readTrackFile(ctx.paths, registry.active_track);
  return track?.status === 'active' ? track : null;
}

/** One recorded step of a workflow run, from the automatic snapshot written when it was recorded. */
export interface RunStep {
  step: number;
  at: string;
}

export interface TrackDetails {
  track: Track;
  context: TrackContextFiles;
  checkpoints: CheckpointEntry[];
  runs: Array<RunSummaryEntry & { run_id: string; steps?: RunStep[] }>;
  artifacts: Array<{ name: string; path: string; size_bytes: number }>;
  problems: Problem[];
}

export interface TrackDetailsOptions {
  /** Also read each run's step snapshots (the details page shows them; the tree does not need them). */
  runSteps?: boolean;
}

/**
 * Everything about one track: what `show` prints and the extension's tree expands to. Read from the
 * track's own files only (never the index of every track), so it costs the same at any store size.
 */
export async function getTrackDetails(ctx: StoreContext, trackId: string, options: TrackDetailsOptions = {}): Promise<TrackDetails> {
  assertId('track', trackId, '--track-id');
  // One round of reads: the track and its files at once.
  const [track, context, checkpointList, runList, artifacts] = await allInOrder([
    getTrack(ctx, trackId),
    readContextFiles(ctx.paths, trackId),
    listCheckpoints(ctx, trackId),
    readTrackRuns(ctx.paths, trackId),
    listArtifacts(ctx, trackId),
  ]);
  const { runs } = runList;
  const problems = [...checkpointList.problems, ...runList.problems];
  const detailedRuns: TrackDetails['runs'] = options.runSteps
    ? await Promise.all(runs.map(async (run) => {
      const list = await readRunSnapshots(ctx, trackId, run.run_id);
      problems.push(...list.problems);
      const steps = list.snapshots
        .filter((snapshot) => snapshot.trigger.step_number !== undefined && snapshot.type === 'auto')
        .map((snapshot) => ({ step: snapshot.trigger.step_number!, at: snapshot.created_at }))
        .sort((a, b) => compareText(a.at, b.at) || a.step - b.step);
      return { ...run, steps };
    }))
    : runs;
  return {
    track,
    context,
    checkpoints: checkpointList.checkpoints,
    runs: detailedRuns,
    artifacts,
    problems,
  };
}

/**
 * Promise.all that waits for every promise, then reports the first failure in argument order (a
 * missing or damaged track.json before any of its files), not whichever failed first in time.
 */
async function allInOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export async function listRuns(ctx: StoreContext, filter: RunFilter = {}): Promise<Array<RunSummaryEntry & { run_id: string }>> {
  validateRunFilter(filter);
  const { registry } = await readIndex(ctx);
  return Object.entries(registry.runs)
    .filter(([, run]) => (!filter.trackId || run.track_id === filter.trackId) && (!filter.status || run.status === filter.status))
    .map(([run_id, run]) => ({ run_id, ...run }))
    .sort((a, b) => compareText(a.run_id, b.run_id));
}
