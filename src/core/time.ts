import type { StoreContext } from './storage/context';
import { assertId, compareText } from './model/ids';
import { readIndex } from './reads';
import { TrackError } from './model/errors';
import { readTrackFile } from './storage/registry';
import { mutate } from './storage/transaction';
import { addBeat, DEFAULT_HEARTBEAT_STALE_MS, HEARTBEAT_COALESCE_MS, readActivity } from './storage/activity';
import type { Activity, Track, TrackType } from './model/schemas';

/**
 * Time per track. A track counts time only while it is active AND someone is seen working on it:
 * a heartbeat (the extension, a write through the CLI or the library, a run step, a status change) within the stale threshold
 * of the next one. Beats are stored as runs ({start, end}) in the track's small activity.json, so
 * a beat rewrites that one small file (or nothing, when the last beat is recent), never track.json.
 */
export { addBeat, DEFAULT_HEARTBEAT_STALE_MS, HEARTBEAT_COALESCE_MS, readActivity };

export interface Interval {
  start: string;
  end: string;
}

export interface WorkedInterval extends Interval {
  ms: number;
}

const ms = (iso: string) => Date.parse(iso);
const iso = (epoch: number) => new Date(epoch).toISOString();

/** The periods the track's status was active, from its status history (open one ends at `until`). */
export function activeIntervals(track: Pick<Track, 'status_history'>, until: string): Interval[] {
  const intervals: Interval[] = [];
  let openedAt: string | null = null;
  for (const change of track.status_history) {
    if (openedAt !== null && change.to !== 'active') {
      intervals.push({ start: openedAt, end: change.at });
      openedAt = null;
    }
    if (change.to === 'active' && openedAt === null) openedAt = change.at;
  }
  if (openedAt !== null && ms(until) > ms(openedAt)) intervals.push({ start: openedAt, end: until });
  return intervals;
}

/** Beats that are status changes into or out of active: starting or stopping work is working. */
function transitionBeats(track: Pick<Track, 'status_history'>): Interval[] {
  return track.status_history
    .filter((change) => change.to === 'active' || change.from === 'active')
    .map((change) => ({ start: change.at, end: change.at }));
}

/** Joins beats and beat runs no further apart than `staleMs` into runs of presence. */
export function presenceRuns(beats: Interval[], staleMs: number): Array<{ start: number; end: number }> {
  const sorted = beats.map((b) => ({ start: ms(b.start), end: ms(b.end) })).filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end)).sort((a, b) => a.start - b.start);
  const runs: Array<{ start: number; end: number }> = [];
  for (const beat of sorted) {
    const last = runs[runs.length - 1];
    if (last && beat.start - last.end <= staleMs) last.end = Math.max(last.end, beat.end);
    else runs.push({ ...beat });
  }
  return runs;
}

export interface WorkedTimeOptions {
  staleMs?: number;
  /** Clip to this window (ISO). */
  since?: string;
  until: string;
}

/** The worked intervals: active status ∩ presence, clipped to [since, until]. */
export function workedIntervals(track: Pick<Track, 'status_history'>, activity: Pick<Activity, 'intervals'> | null, options: WorkedTimeOptions): WorkedInterval[] {
  const staleMs = options.staleMs ?? DEFAULT_HEARTBEAT_STALE_MS;
  const runs = presenceRuns([...(activity?.intervals ?? []), ...transitionBeats(track)], staleMs);
  const lower = options.since ? ms(options.since) : -Infinity;
  const upper = ms(options.until);
  const result: WorkedInterval[] = [];
  for (const period of activeIntervals(track, options.until)) {
    for (const run of runs) {
      const start = Math.max(ms(period.start), run.start, lower);
      const end = Math.min(ms(period.end), run.end, upper);
      if (end > start) result.push({ start: iso(start), end: iso(end), ms: end - start });
    }
  }
  return result.sort((a, b) => compareText(a.start, b.start));
}

export function totalMs(intervals: Array<{ ms: number }>): number {
  return intervals.reduce((sum, interval) => sum + interval.ms, 0);
}

/** `7d`, `24h`, `90m`, `2w` or an ISO date → the ISO instant that many units before `now`. */
export function parseSince(value: string, now: Date): string {
  const text = value.trim();
  const relative = /^(\d+)\s*([mhdw])$/i.exec(text);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2].toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    return iso(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(absolute)) return iso(absolute);
  throw new TrackError('E_INVALID_INPUT', `--since "${value}" is not a period: use e.g. 7d, 24h, 90m, 2w or a date such as 2026-01-31.`, { field: 'since' });
}

/**
 * Records that someone is working on `trackId` (default: the active track). Skips the write when
 * the last beat is recent; otherwise takes the store lock for one small file.
 */
export async function recordHeartbeat(ctx: StoreContext, trackId?: string): Promise<{ track_id: string | null; recorded: boolean; at: string }> {
  const at = ctx.now().toISOString();
  const id = trackId ?? (await readIndex(ctx)).registry.active_track;
  if (!id) return { track_id: null, recorded: false, at };
  assertId('track', id, '--track-id');
  const current = await readActivity(ctx, id).catch(() => null);
  const last = current?.intervals[current.intervals.length - 1];
  if (last && ms(at) - ms(last.end) >= 0 && ms(at) - ms(last.end) < HEARTBEAT_COALESCE_MS) return { track_id: id, recorded: false, at };
  await mutate(ctx, 'heartbeat', async (tx) => {
    await tx.track(id);
    tx.put(ctx.paths.activityFile(id), addBeat(await readActivity(ctx, id), at));
  }, { oneTrack: true });
  return { track_id: id, recorded: true, at };
}

export interface TrackTime {
  track_id: string;
  name: string;
  type: TrackType;
  status: string;
  worked_ms: number;
  intervals: WorkedInterval[];
}

export interface TimeReport {
  since: string | null;
  until: string;
  stale_after_ms: number;
  total_ms: number;
  by_track: TrackTime[];
  by_type: Partial<Record<TrackType, number>>;
}

/** Time per track and per type over [since, until]: what `stats --since` and the report show. */
export async function timeReport(ctx: StoreContext, options: { since?: string; staleMs?: number } = {}): Promise<TimeReport> {
  const until = ctx.now().toISOString();
  const staleMs = options.staleMs ?? DEFAULT_HEARTBEAT_STALE_MS;
  const { registry } = await readIndex(ctx);
  const byTrack: TrackTime[] = [];
  for (const trackId of Object.keys(registry.tracks)) {
    const entry = registry.tracks[trackId];
    // Only tracks touched in the window can have time in it.
    if (options.since && compareText(entry.updated_at, options.since) < 0 && entry.status !== 'active') continue;
    const track = await readTrackFile(ctx.paths, trackId).catch(() => null);
    if (!track) continue;
    const activity = await readActivity(ctx, trackId).catch(() => null);
    const intervals = workedIntervals(track, activity, { staleMs, since: options.since, until });
    const worked = totalMs(intervals);
    if (worked > 0) byTrack.push({ track_id: trackId, name: track.name, type: track.type, status: track.status, worked_ms: worked, intervals });
  }
  byTrack.sort((a, b) => b.worked_ms - a.worked_ms || compareText(a.track_id, b.track_id));
  const byType: Partial<Record<TrackType, number>> = {};
  for (const item of byTrack) byType[item.type] = (byType[item.type] ?? 0) + item.worked_ms;
  return { since: options.since ?? null, until, stale_after_ms: staleMs, total_ms: totalMs(byTrack.map((t) => ({ ms: t.worked_ms }))), by_track: byTrack, by_type: byType };
}

/** One track's time: its active intervals (status history) and the part of them worked. */
export async function trackTime(ctx: StoreContext, track: Track, staleMs = DEFAULT_HEARTBEAT_STALE_MS) {
  const until = ctx.now().toISOString();
  const activity = await readActivity(ctx, track.track_id).catch(() => null);
  const worked = workedIntervals(track, activity, { staleMs, until });
  return {
    active_intervals: activeIntervals(track, until),
    worked_intervals: worked,
    worked_ms: totalMs(worked),
    stale_after_ms: staleMs,
  };
}

export function formatDuration(totalMilliseconds: number): string {
  const minutes = Math.round(totalMilliseconds / 60_000);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
}
