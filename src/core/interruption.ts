import { hostname } from 'node:os';
import { processState } from './storage/process-state';
import type { RunStatus, TrackStatus } from './model/schemas';

/**
 * The rule of what counts as interrupted work, on plain data: `recover detect` applies it to the
 * validated store, `track brief` (which must start faster than the validators load) to the raw
 * files. Imports nothing heavy on purpose.
 */
export const DEFAULT_STALE_AFTER_MINUTES = 30;

export interface InterruptedTrack {
  kind: 'track';
  track_id: string;
  name: string;
  status: TrackStatus;
  progress_percentage: number;
  updated_at: string;
  minutes_since_update: number;
  reason: 'stale';
}

export interface InterruptedRun {
  kind: 'run';
  run_id: string;
  /** null: a run of the original track-manager, which belongs to no track. */
  track_id: string | null;
  workflow: string;
  status: RunStatus;
  current_step: number;
  total_steps: number | null;
  updated_at: string;
  minutes_since_update: number;
  reason: 'stale' | 'owner-dead';
  owner: { pid: number | null; host: string };
  origin?: 'original';
}

export type InterruptedItem = InterruptedTrack | InterruptedRun;

export interface IndexForDetection {
  tracks: Record<string, { name: string; status: TrackStatus; progress_percentage: number; updated_at: string }>;
  runs: Record<string, { track_id: string; workflow: string; status: RunStatus; current_step: number; total_steps: number | null; updated_at: string }>;
}

export interface RunLiveness {
  heartbeat_at: string;
  updated_at: string;
  owner: { pid: number | null; host: string };
}

const RUNNING: RunStatus[] = ['pending', 'in_progress'];

/**
 * What a watcher needs to know, from one detection, to tell without reading the store whether
 * anything can have become interrupted since: the next instant an item turns stale, and the
 * owner processes (on this host) whose death would interrupt a run.
 */
export interface RecoveryWatch {
  /** Epoch ms at which the first item not yet interrupted becomes stale; null: none can. */
  next_stale_at: number | null;
  /** Live owner pids of running runs on this host. */
  owner_pids: number[];
  /** Names of the tracks the interrupted items belong to (runs name their track this way). */
  track_names: Record<string, string>;
}

/**
 * The active track, or an in-progress run, that nobody has touched for the stale threshold — or a
 * run whose owner process is known to be dead on this host. A run under a finished track is not
 * interrupted work (resuming it is refused).
 */
export async function findInterrupted(
  index: IndexForDetection,
  readRun: (trackId: string, runId: string) => Promise<RunLiveness | null>,
  nowMs: number,
  minutes: number,
): Promise<InterruptedItem[]> {
  return (await findInterruptedWithWatch(index, readRun, nowMs, minutes)).interrupted;
}

export async function findInterruptedWithWatch(
  index: IndexForDetection,
  readRun: (trackId: string, runId: string) => Promise<RunLiveness | null>,
  nowMs: number,
  minutes: number,
): Promise<{ interrupted: InterruptedItem[]; watch: RecoveryWatch }> {
  const thresholdMs = minutes * 60_000;
  const age = (iso: string) => nowMs - Date.parse(iso);
  const interrupted: InterruptedItem[] = [];
  let nextStaleAt: number | null = null;
  const later = (at: number) => { nextStaleAt = nextStaleAt === null ? at : Math.min(nextStaleAt, at); };
  const ownerPids = new Set<number>();
  const trackNames: Record<string, string> = {};
  const openTrack = (trackId: string) => {
    const status = index.tracks[trackId]?.status;
    return status === undefined || status === 'active' || status === 'paused' || status === 'draft' || status === 'ready';
  };

  const lastRunActivity = new Map<string, number>();
  for (const run of Object.values(index.runs)) {
    if (!RUNNING.includes(run.status)) continue;
    const at = Date.parse(run.updated_at);
    lastRunActivity.set(run.track_id, Math.max(lastRunActivity.get(run.track_id) ?? 0, at));
  }
  for (const [trackId, entry] of Object.entries(index.tracks)) {
    if (entry.status !== 'active') continue;
    const lastActivity = Math.max(Date.parse(entry.updated_at), lastRunActivity.get(trackId) ?? 0);
    if (nowMs - lastActivity < thresholdMs) {
      later(lastActivity + thresholdMs);
      continue;
    }
    trackNames[trackId] = entry.name;
    interrupted.push({
      kind: 'track',
      track_id: trackId,
      name: entry.name,
      status: entry.status,
      progress_percentage: entry.progress_percentage,
      updated_at: entry.updated_at,
      minutes_since_update: Math.floor(age(entry.updated_at) / 60_000),
      reason: 'stale',
    });
  }
  for (const [runId, entry] of Object.entries(index.runs)) {
    if (!RUNNING.includes(entry.status) || !openTrack(entry.track_id)) continue;
    const run = await readRun(entry.track_id, runId).catch(() => null);
    const heartbeat = run ? Math.max(Date.parse(run.heartbeat_at), Date.parse(run.updated_at)) : Date.parse(entry.updated_at);
    const holder = run ? processState(run.owner) : 'unknown';
    const stale = nowMs - heartbeat >= thresholdMs;
    if (!stale && holder !== 'dead') {
      later(heartbeat + thresholdMs);
      if (run && run.owner.pid !== null && holder === 'alive') ownerPids.add(run.owner.pid);
      continue;
    }
    trackNames[entry.track_id] = index.tracks[entry.track_id]?.name ?? entry.track_id;
    interrupted.push({
      kind: 'run',
      run_id: runId,
      track_id: entry.track_id,
      workflow: entry.workflow,
      status: entry.status,
      current_step: entry.current_step,
      total_steps: entry.total_steps,
      updated_at: entry.updated_at,
      minutes_since_update: Math.floor(age(entry.updated_at) / 60_000),
      reason: stale ? 'stale' : 'owner-dead',
      owner: run ? { pid: run.owner.pid, host: run.owner.host } : { pid: null, host: hostname() },
    });
  }
  return {
    interrupted,
    watch: { next_stale_at: nextStaleAt, owner_pids: [...ownerPids].sort((a, b) => a - b), track_names: trackNames },
  };
}
