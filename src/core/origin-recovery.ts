/**
 * Recovery over what the original track-manager left: its runs (detected when stale, resumed from
 * their newest automatic snapshot) and its checkpoints (named by a track's `last_checkpoint`).
 */
import { hostname } from 'node:os';
import * as path from 'node:path';
import { stageCheckpoint } from './checkpoints';
import type { StoreContext } from './storage/context';
import { TrackError } from './model/errors';
import { serialize, writeFileAtomic } from './storage/files';
import { makeSnapshotId } from './model/ids';
import { applyTransition, assertRecoverable } from './lifecycle';
import { listOriginRuns, readOriginRun, stepNumber } from './origin-runs';
import { originSnapshotsDir, readOriginSnapshots, type OriginSnapshotRecord } from './origin-snapshots';
import type { RunStatus } from './model/schemas';
import type { InterruptedRun } from './interruption';
import type { RunRecoveryResult } from './recovery';
import { mutate } from './storage/transaction';

const RUNNING: RunStatus[] = ['pending', 'in_progress'];

/** The original's runs still pending or in progress and untouched for the threshold. */
export async function detectOriginRuns(ctx: StoreContext, nowMs: number, thresholdMs: number, skip: Set<string>): Promise<InterruptedRun[]> {
  const { runs } = await listOriginRuns(ctx);
  return runs
    .filter((run) => !skip.has(run.run_id) && RUNNING.includes(run.status) && nowMs - Date.parse(run.updated_at) >= thresholdMs)
    .map((run) => ({
      kind: 'run',
      run_id: run.run_id,
      track_id: null,
      workflow: run.workflow,
      status: run.status,
      current_step: run.current_step,
      total_steps: null,
      updated_at: run.updated_at,
      minutes_since_update: Math.floor((nowMs - Date.parse(run.updated_at)) / 60_000),
      reason: 'stale',
      owner: { pid: null, host: hostname() },
      origin: 'original',
    }));
}

function newestFor(snapshots: OriginSnapshotRecord[], runId: string): OriginSnapshotRecord | undefined {
  return snapshots.find((record) => record.snapshot.type !== 'recovery' && record.run_ids.includes(runId));
}

/** The step a snapshot resumes from: its trigger's step, else the step its summary of the run says. */
function stepOf(record: OriginSnapshotRecord, runId: string, fallback: unknown): number {
  const trigger = record.snapshot.trigger as { step?: unknown; step_number?: unknown } | undefined;
  const summaries = (record.snapshot.state as { workflows?: { run_summaries?: Record<string, { current_step?: unknown }> } } | undefined)?.workflows?.run_summaries;
  for (const candidate of [trigger?.step, trigger?.step_number, summaries?.[runId]?.current_step, fallback]) {
    if ((typeof candidate === 'number' || (typeof candidate === 'string' && candidate.trim() !== '')) && stepNumber(candidate) === Number(candidate)) return stepNumber(candidate);
  }
  return 0;
}

/**
 * Resumes one of the original's runs from its newest automatic snapshot. Its run.json as it was
 * is saved first as a recovery snapshot beside the original's; then run.json is replaced
 * atomically, keeping every field it had (the step keeps the original's type).
 */
export async function recoverOriginRun(ctx: StoreContext, runId: string): Promise<RunRecoveryResult> {
  return mutate(ctx, 'recover resume', async (tx) => {
    const found = await readOriginRun(ctx, runId);
    if (!found) {
      throw new TrackError('E_RUN_NOT_FOUND', `Workflow run not found: ${runId}. List runs with \`track run list\`.`, { run_id: runId });
    }
    const record = newestFor((await readOriginSnapshots(ctx)).snapshots, runId);
    if (!record) {
      throw new TrackError(
        'E_NO_SNAPSHOT',
        `No snapshots found for recovery of run ${runId}: the original track-manager wrote none that names it. Start the workflow from scratch or restore its state by hand.`,
        { run_id: runId },
      );
    }
    const step = stepOf(record, runId, found.run.current_step);
    const savedId = makeSnapshotId('recovery', Date.parse(tx.now));
    tx.put(path.join(originSnapshotsDir(ctx), `${savedId}.json`), {
      snapshot_id: savedId,
      type: 'recovery',
      created_at: tx.now,
      description: `Before resuming ${runId} from ${record.snapshot.snapshot_id}`,
      trigger: { type: 'error-recovery', run_id: runId },
      state: { run: JSON.parse(found.text) as unknown },
    });
    const resumed = {
      ...(JSON.parse(found.text) as Record<string, unknown>),
      status: 'in_progress',
      current_step: typeof found.run.current_step === 'string' ? String(step) : step,
      updated_at: tx.now,
      resumed_from_snapshot: record.snapshot.snapshot_id,
    };
    // Outside the conductor folder, so not in the journal: the recovery snapshot commits first.
    tx.afterCommit.push(() => writeFileAtomic(found.file, serialize(resumed)));
    return {
      success: true,
      run_id: runId,
      resumed_from_step: step,
      snapshot_used: record.snapshot.snapshot_id,
      snapshot_created_at: record.snapshot.created_at,
      snapshot_saved: savedId,
      state: record.snapshot.state ?? {},
    };
  });
}

/**
 * Recovery of a track with no checkpoint of ours whose `last_checkpoint` names one of the
 * original's. That checkpoint holds no track state (the original saved only project and context
 * counters), so nothing of the track is put back: the current state is checkpointed and a paused
 * track resumed, as our recovery does. Returns null when the track names no such checkpoint.
 */
export async function recoverTrackFromOriginal(ctx: StoreContext, trackId: string) {
  const { snapshots } = await readOriginSnapshots(ctx);
  return mutate(ctx, 'recover resume', async (tx) => {
    const track = await tx.track(trackId);
    const restoredFrom = (track.last_restored as { snapshot_id?: unknown } | undefined)?.snapshot_id;
    const record = snapshots.find((entry) => entry.snapshot.snapshot_id === track.last_checkpoint)
      ?? snapshots.find((entry) => entry.snapshot.snapshot_id === restoredFrom);
    if (!record) return null;
    await assertRecoverable(tx, track);
    const id = record.snapshot.snapshot_id;
    const backup = await stageCheckpoint(tx, track, { event: 'pre-restore', type: 'recovery', reason: `Before recovering from ${id}` });
    const marked = { ...backup.track, last_restored: { snapshot_id: id, at: tx.now } };
    const restored = track.status === 'paused'
      ? applyTransition(marked, 'resume', tx.now, `Recovered from ${id} (original track-manager checkpoint)`)
      : { ...marked, updated_at: tx.now };
    tx.putTrack(restored);
    return {
      success: true as const,
      track_id: trackId,
      track_name: restored.name,
      status: restored.status,
      progress_percentage: restored.progress.percentage,
      checkpoint_restored: id,
      checkpoint_saved: backup.checkpoint.snapshot_id,
    };
  });
}
