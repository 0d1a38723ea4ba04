import { newestRestorableCheckpoint, stageRestoreWithBackup } from './checkpoints';
import type { StoreContext } from './storage/context';
import { isTrackError, TrackError } from './model/errors';
import { detectOriginRuns, recoverOriginRun, recoverTrackFromOriginal } from './origin-recovery';
import { assertOriginRunId, readOriginRun } from './origin-runs';
import { assertId, isValidId } from './model/ids';
import { parseInput } from './model/input';
import { applyTransition, assertRecoverable } from './lifecycle';
import { DEFAULT_STALE_AFTER_MINUTES, findInterruptedWithWatch, type InterruptedItem, type InterruptedRun, type InterruptedTrack, type RecoveryWatch } from './interruption';
import { processState } from './storage/process-state';
import { readIndex } from './reads';
import { readRunFile } from './storage/registry';
import { readRunSnapshots, stageRunSnapshot } from './runs';
import type { TrackStatus } from './model/schemas';
import { mutate } from './storage/transaction';
import * as z from 'zod/mini';
import { hostname } from 'node:os';

export { DEFAULT_STALE_AFTER_MINUTES, type InterruptedItem, type InterruptedRun, type InterruptedTrack, type RecoveryWatch };

export interface DetectResult {
  stale_after_minutes: number;
  count: number;
  interrupted: InterruptedItem[];
}

/**
 * Interrupted work: the active track, or an in-progress run, that nobody has touched for the stale
 * threshold — or a run whose owner process is known to be dead on this host.
 */
export async function detectInterrupted(ctx: StoreContext, staleAfterMinutes = DEFAULT_STALE_AFTER_MINUTES): Promise<DetectResult> {
  return (await detectInterruptedWithWatch(ctx, staleAfterMinutes)).result;
}

export async function detectInterruptedWithWatch(
  ctx: StoreContext,
  staleAfterMinutes = DEFAULT_STALE_AFTER_MINUTES,
): Promise<{ result: DetectResult; watch: RecoveryWatch }> {
  const minutes = parseInput(z.number().check(z.gte(0), z.lte(525_600)), staleAfterMinutes, '--stale-after');
  const { registry } = await readIndex(ctx);
  const nowMs = ctx.now().getTime();
  const { interrupted, watch } = await findInterruptedWithWatch(registry, (trackId, runId) => readRunFile(ctx.paths, trackId, runId), nowMs, minutes);
  interrupted.push(...(await detectOriginRuns(ctx, nowMs, minutes * 60_000, new Set(Object.keys(registry.runs)))));
  return { result: { stale_after_minutes: minutes, count: interrupted.length, interrupted }, watch };
}

/**
 * The per-tick question of a recovery timer, answered from the last detection alone: no file is
 * read. True when a stale instant has passed or a known owner process has died.
 */
export function recoveryCheckDue(watch: RecoveryWatch, nowMs: number, isAlive: (pid: number) => boolean = ownerAlive): boolean {
  if (watch.next_stale_at !== null && nowMs >= watch.next_stale_at) return true;
  for (const pid of watch.owner_pids) if (!isAlive(pid)) return true;
  return false;
}

/** A signal check (process-state.ts), no file read: an owner recorded by this host. */
function ownerAlive(pid: number): boolean {
  return processState({ pid, host: hostname() }) !== 'dead';
}

export interface TrackRecoveryResult {
  success: true;
  track_id: string;
  track_name: string;
  status: TrackStatus;
  progress_percentage: number;
  checkpoint_restored: string;
  checkpoint_saved: string;
}

/** Restores an interrupted track's newest checkpoint (after checkpointing what is there now). */
export async function recoverTrack(ctx: StoreContext, trackId: string): Promise<TrackRecoveryResult> {
  assertId('track', trackId, '--track-id');
  let checkpoint: Awaited<ReturnType<typeof newestRestorableCheckpoint>>;
  try {
    checkpoint = await newestRestorableCheckpoint(ctx, trackId);
  } catch (error) {
    if (!isTrackError(error, 'E_NO_SNAPSHOT')) throw error;
    // No checkpoint of ours: one of the original track-manager's, if the track names one.
    const original = await recoverTrackFromOriginal(ctx, trackId);
    if (!original) throw error;
    return original;
  }
  return mutate(ctx, 'recover resume', async (tx) => {
    const track = await tx.track(trackId);
    await assertRecoverable(tx, track);
    const backup = await stageRestoreWithBackup(tx, track, checkpoint);
    const restored = track.status === 'paused'
      ? applyTransition(backup.track, 'resume', tx.now, `Recovered from ${checkpoint.snapshot_id}`)
      : { ...backup.track, updated_at: tx.now };
    tx.putTrack(restored);
    return {
      success: true,
      track_id: trackId,
      track_name: restored.name,
      progress_percentage: restored.progress.percentage,
      checkpoint_restored: checkpoint.snapshot_id,
      // Fields the guide does not show come after the ones it does.
      status: restored.status,
      checkpoint_saved: backup.saved,
    };
  });
}

export interface RunRecoveryResult {
  success: true;
  run_id: string;
  resumed_from_step: number;
  snapshot_used: string;
  snapshot_created_at: string;
  snapshot_saved: string;
  state: Record<string, unknown>;
}

/** Puts a run back to its newest automatic snapshot and hands it to the current owner. */
export async function recoverRun(ctx: StoreContext, runId: string): Promise<RunRecoveryResult> {
  assertOriginRunId(runId, '--run-id');
  if (!isValidId('run', runId) || !(await readIndex(ctx)).registry.runs[runId]) {
    // Not one of ours: one the original track-manager wrote (its ids have their own shape).
    if (await readOriginRun(ctx, runId)) return recoverOriginRun(ctx, runId);
    if (!isValidId('run', runId)) {
      throw new TrackError('E_RUN_NOT_FOUND', `Workflow run not found: ${String(runId)}. List runs with \`track run list\`.`, { run_id: runId });
    }
  }
  return mutate(ctx, 'recover resume', async (tx) => {
    const run = await tx.run(runId);
    const track = await tx.track(run.track_id);
    if (track.status !== 'active' && track.status !== 'paused') {
      throw new TrackError(
        'E_INVALID_TRANSITION',
        `Cannot resume run ${runId}: its track ${track.track_id} ("${track.name}") is ${track.status}. Reopen the track first (\`track reopen --track-id ${track.track_id}\`), or start a new run.`,
        { run_id: runId, track_id: track.track_id, track_name: track.name, status: track.status, action: 'resume run' },
      );
    }
    const { snapshots } = await readRunSnapshots(ctx, run.track_id, runId);
    const snapshot = snapshots.find((entry) => entry.type !== 'recovery');
    if (!snapshot) {
      throw new TrackError(
        'E_NO_SNAPSHOT',
        `No snapshots found for recovery of run ${runId}: snapshots are written when a step completes (\`track run step\`). Start the workflow from scratch or restore its state by hand.`,
        { run_id: runId },
      );
    }
    const saved = stageRunSnapshot(tx, run, 'recovery', 'error-recovery');
    const saved_state = snapshot.state.run;
    tx.putRun({
      ...run,
      status: 'in_progress',
      current_step: saved_state.current_step,
      total_steps: saved_state.total_steps,
      state: saved_state.state,
      owner: { pid: ctx.ownerPid, host: hostname(), since: tx.now },
      heartbeat_at: tx.now,
      updated_at: tx.now,
      last_snapshot: snapshot.snapshot_id,
    });
    return {
      success: true,
      run_id: runId,
      resumed_from_step: saved_state.current_step,
      snapshot_used: snapshot.snapshot_id,
      snapshot_created_at: snapshot.created_at,
      state: saved_state.state,
      snapshot_saved: saved.snapshot_id,
    };
  });
}

function whenText(iso: string, nowMs: number): string {
  const minutes = Math.max(0, Math.floor((nowMs - Date.parse(iso)) / 60_000));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  const ago = minutes < 120 ? plural(minutes, 'minute') : minutes < 2880 ? plural(Math.floor(minutes / 60), 'hour') : plural(Math.floor(minutes / 1440), 'day');
  return `${iso.replace(/\.\d+Z$/, 'Z')} (${ago})`;
}

/** The human report of the spec's Example 3. */
export function formatDetectReport(result: DetectResult, now: Date): string {
  if (result.count === 0) return `No interrupted sessions detected (stale after ${result.stale_after_minutes} minutes).\n`;
  const nowMs = now.getTime();
  const blocks = result.interrupted.map((item) =>
    item.kind === 'track'
      ? [
          `- Track: ${item.name} (${item.track_id})`,
          `  Status: ${item.status}`,
          `  Progress: ${item.progress_percentage}%`,
          `  Last Updated: ${whenText(item.updated_at, nowMs)}`,
          `  Resume: track recover resume --track-id ${item.track_id}`,
        ].join('\n')
      : [
          `- Workflow Run: ${item.run_id}`,
          `  Status: ${item.status}`,
          `  Workflow: ${item.workflow}`,
          `  Current Step: ${item.current_step}${item.total_steps ? ` of ${item.total_steps}` : ''}`,
          `  Last Updated: ${whenText(item.updated_at, nowMs)}`,
          ...(item.reason === 'owner-dead' ? [`  Owner: pid ${item.owner.pid} on ${item.owner.host} is no longer running`] : []),
          `  Resume: track recover resume --run-id ${item.run_id}`,
        ].join('\n'),
  );
  return `Detected ${result.count} interrupted session(s):\n\n${blocks.join('\n\n')}\n`;
}
