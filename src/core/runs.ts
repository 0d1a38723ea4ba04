import { hostname } from 'node:os';
import * as path from 'node:path';
import { ensureFolder, listFolder } from './storage/folders';
import type { StoreContext } from './storage/context';
import { addBeat, readActivity } from './storage/activity';
import { isTrackError, TrackError } from './model/errors';
import { readDocument } from './storage/files';
import { assertId, compareText, makeRunId, makeSnapshotId, runSequence, type SnapshotKind } from './model/ids';
import { blockText, lineText, parseInput } from './model/input';
import { assertJsonValueWithinLimits } from './storage/json-limits';
import { problemFrom, type Problem } from './storage/registry';
import { RUN_STATUSES, runSnapshotSchema, SCHEMA_VERSION, type Run, type RunSnapshot, type RunStatus } from './model/schemas';
import { mutate, type Transaction } from './storage/transaction';
import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';

const FINISHED_RUN: RunStatus[] = ['completed', 'failed', 'cancelled'];
const stateSchema = lazySchema(() => z.record(z.string(), z.unknown()));

export interface StartRunInput {
  workflow: string;
  totalSteps?: number;
  state?: Record<string, unknown>;
}

export const startRunSchema = lazySchema(() => z.strictObject({
  workflow: lineText(1, 200),
  totalSteps: z.optional(z.int().check(z.gte(1), z.lte(100000))),
  state: z.optional(stateSchema),
}));

function owner(ctx: StoreContext, now: string) {
  return { pid: ctx.ownerPid, host: hostname(), since: now };
}

export async function startRun(ctx: StoreContext, trackId: string, input: StartRunInput): Promise<Run> {
  assertId('track', trackId, '--track-id');
  if (input?.state !== undefined) assertJsonValueWithinLimits(input.state, 'state');
  const valid = parseInput(startRunSchema, input, 'workflow run');
  return mutate(ctx, 'run start', async (tx) => {
    const track = await tx.track(trackId);
    if (track.status !== 'active') {
      throw new TrackError(
        'E_INVALID_TRANSITION',
        `Cannot start a workflow run in track ${trackId}: it is ${track.status}, and runs start only in the active track. Activate it first (\`track activate --track-id ${trackId}\` or \`track switch --to ${trackId}\`).`,
        { track_id: trackId, status: track.status },
      );
    }
    const sequence = Math.max(0, ...Object.keys(tx.registry.runs).map(runSequence)) + 1;
    const runId = makeRunId(sequence, valid.workflow);
    const run: Run = {
      schema_version: SCHEMA_VERSION,
      run_id: runId,
      track_id: trackId,
      workflow: path.basename(runId.replace(/^run-\d+-/, '')),
      selected_workflow: valid.workflow,
      status: 'in_progress',
      current_step: 0,
      total_steps: valid.totalSteps ?? null,
      state: valid.state ?? {},
      owner: owner(ctx, tx.now),
      heartbeat_at: tx.now,
      created_at: tx.now,
      updated_at: tx.now,
      last_snapshot: null,
    };
    tx.putRun(run);
    tx.putTrack({ ...track, updated_at: tx.now });
    tx.afterCommit.push(async () => {
      for (const sub of ['artifacts', 'reasoning', 'snapshots']) {
        await ensureFolder(path.join(tx.paths.runDir(trackId, runId), sub));
      }
    });
    return run;
  });
}

export interface StepInput {
  step: number;
  totalSteps?: number;
  state?: Record<string, unknown>;
}

export const stepSchema = lazySchema(() => z.strictObject({
  step: z.int().check(z.gte(0), z.lte(100000)),
  totalSteps: z.optional(z.int().check(z.gte(1), z.lte(100000))),
  state: z.optional(stateSchema),
}));

/** Records that a step is done and writes the automatic snapshot recovery resumes from. */
export async function recordRunStep(
  ctx: StoreContext,
  runId: string,
  input: StepInput,
): Promise<{ run: Run; snapshot: RunSnapshot }> {
  assertId('run', runId, '--run-id');
  if (input?.state !== undefined) assertJsonValueWithinLimits(input.state, 'state');
  const valid = parseInput(stepSchema, input, 'step');
  return mutate(ctx, 'run step', async (tx) => {
    const run = await tx.run(runId);
    assertRunOpen(run, 'record a step in');
    const total = valid.totalSteps ?? run.total_steps;
    if (total !== null && valid.step > total) {
      throw new TrackError('E_INVALID_INPUT', `Step ${valid.step} is beyond the run's ${total} steps; pass --total to change the total.`, { field: 'step' });
    }
    const updated: Run = {
      ...run,
      status: 'in_progress',
      current_step: valid.step,
      total_steps: total,
      state: valid.state ?? run.state,
      owner: owner(ctx, tx.now),
      heartbeat_at: tx.now,
      updated_at: tx.now,
    };
    const snapshot = stageRunSnapshot(tx, updated, 'auto', 'workflow-step');
    // A run step is someone working on the track: a heartbeat in the same commit.
    tx.put(tx.paths.activityFile(run.track_id), addBeat(await readActivity(ctx, run.track_id).catch(() => null), tx.now));
    updated.last_snapshot = snapshot.snapshot_id;
    tx.putRun(updated);
    return { run: updated, snapshot };
  });
}

export function stageRunSnapshot(tx: Transaction, run: Run, kind: SnapshotKind, source: string): RunSnapshot {
  const snapshot: RunSnapshot = {
    schema_version: SCHEMA_VERSION,
    snapshot_id: makeSnapshotId(kind, Date.parse(tx.now)),
    type: kind === 'auto' ? 'auto' : 'recovery',
    created_at: tx.now,
    track_id: run.track_id,
    run_id: run.run_id,
    trigger: { source, step_number: run.current_step, workflow_id: run.run_id },
    state: {
      version: '1.0.0',
      run: { status: run.status, current_step: run.current_step, total_steps: run.total_steps, state: run.state },
    },
  };
  tx.put(path.join(tx.paths.runSnapshotsDir(run.track_id, run.run_id), `${snapshot.snapshot_id}.json`), snapshot);
  return snapshot;
}

function assertRunOpen(run: Run, doing: string): void {
  if (FINISHED_RUN.includes(run.status)) {
    throw new TrackError(
      'E_INVALID_TRANSITION',
      `Cannot ${doing} run ${run.run_id}: it is ${run.status}. Start a new run with \`track run start --track-id ${run.track_id} --workflow ${run.selected_workflow}\`.`,
      { run_id: run.run_id, status: run.status },
    );
  }
}

export async function finishRun(
  ctx: StoreContext,
  runId: string,
  outcome: 'completed' | 'failed',
  reason?: string,
): Promise<Run> {
  assertId('run', runId, '--run-id');
  const validReason = reason === undefined ? undefined : parseInput(blockText(1000), reason, 'reason');
  return mutate(ctx, `run ${outcome === 'completed' ? 'complete' : 'fail'}`, async (tx) => {
    const run = await tx.run(runId);
    assertRunOpen(run, outcome === 'completed' ? 'complete' : 'fail');
    const finished: Run = {
      ...run,
      status: outcome,
      ...(outcome === 'completed' && run.total_steps !== null ? { current_step: run.total_steps } : {}),
      ...(validReason ? { failure_reason: validReason } : {}),
      heartbeat_at: tx.now,
      updated_at: tx.now,
      completed_at: tx.now,
    };
    tx.putRun(finished);
    return finished;
  });
}

export interface RunFilter {
  trackId?: string;
  status?: RunStatus;
}

export function validateRunFilter(filter: RunFilter): RunFilter {
  if (filter.trackId !== undefined) assertId('track', filter.trackId, '--track-id');
  if (filter.status !== undefined && !RUN_STATUSES.includes(filter.status)) {
    throw new TrackError('E_INVALID_INPUT', `Invalid run status "${filter.status}": expected one of ${RUN_STATUSES.join(', ')}.`, { field: 'status' });
  }
  return filter;
}

export interface RunSnapshotList {
  snapshots: Array<RunSnapshot & { file: string }>;
  problems: Problem[];
}

/** A run's snapshots, newest first. */
export async function readRunSnapshots(ctx: StoreContext, trackId: string, runId: string): Promise<RunSnapshotList> {
  const dir = ctx.paths.runSnapshotsDir(trackId, runId);
  const snapshots: RunSnapshotList['snapshots'] = [];
  const problems: Problem[] = [];
  for (const name of await listFolder(dir)) {
    if (!/^snap-[a-z0-9-]+\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      const snapshot = await readDocument(file, runSnapshotSchema, { kind: 'snapshot', display: (f) => ctx.paths.display(f) });
      if (snapshot) snapshots.push({ ...snapshot, file });
    } catch (error) {
      if (!isTrackError(error)) throw error;
      problems.push(problemFrom(error, file));
    }
  }
  snapshots.sort((a, b) => compareText(b.created_at, a.created_at) || compareText(b.snapshot_id, a.snapshot_id));
  return { snapshots, problems };
}
