import type { StoreContext } from './context';
import { documentOptions } from './known-valid';
import { readDocument } from './files';
import { activitySchema, SCHEMA_VERSION, type Activity } from '../model/schemas';
import type { Transaction } from './transaction';

/** Two beats further apart than this are two stretches of work; the gap is not counted. */
export const DEFAULT_HEARTBEAT_STALE_MS = 30 * 60_000;
/** A beat closer than this to the previous one is not written: the run's end lags by at most this. */
export const HEARTBEAT_COALESCE_MS = 60_000;

const ms = (iso: string) => Date.parse(iso);

export async function readActivity(ctx: StoreContext, trackId: string): Promise<Activity | null> {
  return readDocument(ctx.paths.activityFile(trackId), activitySchema, documentOptions(ctx.paths, 'activity'));
}

/** Adds a beat at `at` to a copy of the activity: extends the last run, or starts a new one. */
export function addBeat(activity: Activity | null, at: string, staleMs = DEFAULT_HEARTBEAT_STALE_MS): Activity {
  const intervals = [...(activity?.intervals ?? [])].map((interval) => ({ ...interval }));
  const last = intervals[intervals.length - 1];
  if (last && ms(at) - ms(last.end) <= staleMs && ms(at) >= ms(last.start)) {
    if (ms(at) > ms(last.end)) last.end = at;
  } else {
    intervals.push({ start: at, end: at });
  }
  return { ...(activity ?? {}), schema_version: SCHEMA_VERSION, intervals };
}

/**
 * A write that changes a track's files is someone at work on the active track: its heartbeat goes
 * into the same commit (under the lock the write already holds), unless the last beat is recent.
 * A write that touches only the index (a read re-indexing) records nothing.
 */
export async function stageHeartbeat(tx: Transaction): Promise<void> {
  const trackId = tx.registry.active_track;
  if (!trackId) return;
  const file = tx.paths.activityFile(trackId);
  const index = new Set([tx.paths.registryFile, tx.paths.gitignoreFile]);
  if (tx.files.has(file) || ![...tx.files.keys()].some((staged) => !index.has(staged))) return;
  const current = await readActivity(tx.ctx, trackId).catch(() => null);
  const last = current?.intervals[current.intervals.length - 1];
  if (last && ms(tx.now) - ms(last.end) >= 0 && ms(tx.now) - ms(last.end) < HEARTBEAT_COALESCE_MS) return;
  tx.put(file, addBeat(current, tx.now));
}
