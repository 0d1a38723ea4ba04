import { branchNameSchema, DEFAULT_BRANCH_TEMPLATE, deriveBranchName } from './branches';
import { readGitState, type GitState } from './git';
import { findCheckpoint, stageCheckpoint, stageRestoreWithBackup, type SkippedRun } from './checkpoints';
import { pathExists } from './storage/file-info';
import { ensureFolder } from './storage/folders';
import type { StoreContext } from './storage/context';
import { assumptionsDocument, decisionsDocument } from './context-files';
import { TrackError } from './model/errors';
import { assertId, makeTrackId } from './model/ids';
import { blockText, lineText, parseInput, requiredBlockText } from './model/input';
import {
  editorGroupSchema, PRIORITIES, SCHEMA_VERSION, TRACK_TYPES,
  type Checkpoint, type EditorGroup, type Priority, type RunStatus, type Track, type TrackType,
} from './model/schemas';
import { mutate, type Transaction } from './storage/transaction';
import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';

import { applyTransition, canTransition, invalidTransition, type LifecycleAction } from './model/transitions';

// The transition table lives in the model; callers of lifecycle keep finding it here.
export { TRANSITIONS, applyTransition, canTransition, type LifecycleAction } from './model/transitions';

/** Details name both tracks (ids and names) so each face can word the choice for its medium. */
export function anotherActive(active: Track, wanted: Track): TrackError {
  return new TrackError(
    'E_ANOTHER_ACTIVE',
    `Cannot activate track - another track is active: ${active.track_id} ("${active.name}"). Use \`track switch --to ${wanted.track_id}\` to pause it and activate this one, or pause it first.`,
    { active_track: active.track_id, active_track_name: active.name, track_id: wanted.track_id, track_name: wanted.name },
  );
}

// ---------------------------------------------------------------------------------------------
// Operations. Each is one transaction under the store lock.

export interface CreateTrackInput {
  name: string;
  type: TrackType;
  goal: string;
  priority?: Priority;
  description?: string;
  successCriteria?: string[];
  /** Create it ready rather than draft. */
  ready?: boolean;
  tags?: string[];
  /** Who created it (agent or user name). */
  createdBy?: string;
  /** The git branch of its work. */
  branch?: string;
  /** Name the branch from `branchTemplate` (default `{type}/{slug}`). */
  newBranch?: boolean;
  branchTemplate?: string;
}

export const createInputSchema = lazySchema(() => z.strictObject({
  name: lineText(3, 100),
  type: z.enum(TRACK_TYPES),
  goal: requiredBlockText(2000),
  priority: z._default(z.enum(PRIORITIES), 'P2'),
  description: z.optional(blockText(1000)),
  successCriteria: z._default(z.array(lineText(1, 500)).check(z.maxLength(100)), []),
  ready: z._default(z.boolean(), false),
  tags: z.optional(z.array(lineText(1, 50)).check(z.maxLength(50))),
  createdBy: z.optional(lineText(1, 100)),
  branch: z.optional(branchNameSchema),
  newBranch: z.optional(z.boolean()),
  branchTemplate: z.optional(lineText(1, 200)),
}));

export async function createTrack(ctx: StoreContext, input: CreateTrackInput): Promise<Track> {
  const valid = parseInput(createInputSchema, input, 'track');
  if (valid.branch && valid.newBranch) throw new TrackError('E_USAGE', 'Give either --branch NAME or --new-branch, not both.');
  const branch = valid.newBranch ? deriveBranchName(valid.branchTemplate ?? DEFAULT_BRANCH_TEMPLATE, valid) : valid.branch;
  return mutate(ctx, 'create', async (tx) => {
    let epoch = Date.parse(tx.now);
    let trackId = makeTrackId(valid.name, epoch);
    // Same name in the same millisecond (or a folder left by a teammate): take the next free id.
    while (tx.registry.tracks[trackId] || (await folderExists(tx, trackId))) trackId = makeTrackId(valid.name, ++epoch);
    const track: Track = {
      schema_version: SCHEMA_VERSION,
      track_id: trackId,
      name: valid.name,
      ...(valid.description ? { description: valid.description } : {}),
      type: valid.type,
      status: 'draft',
      priority: valid.priority,
      created_at: tx.now,
      updated_at: tx.now,
      source: { type: 'user-created', ...(valid.createdBy ? { created_by: valid.createdBy } : {}) },
      context: { goal: valid.goal, success_criteria: valid.successCriteria },
      steps: [],
      progress: { percentage: 0 },
      metrics: { active_duration_ms: 0, pause_count: 0, snapshots_created: 0 },
      status_history: [{ from: null, to: 'draft', at: tx.now }],
      last_checkpoint: null,
      ...(branch ? { branch } : {}),
      ...(valid.tags ? { metadata: { tags: valid.tags } } : {}),
    };
    const created = valid.ready ? applyTransition(track, 'ready', tx.now) : track;
    tx.putTrack(created);
    tx.put(tx.paths.decisionsFile(trackId), decisionsDocument([]));
    tx.put(tx.paths.assumptionsFile(trackId), assumptionsDocument([]));
    tx.afterCommit.push(() => ensureTrackFolders(tx, trackId));
    return created;
  }, { createsStore: true, oneTrack: true });
}

async function folderExists(tx: Transaction, trackId: string): Promise<boolean> {
  return pathExists(tx.paths.trackDir(trackId));
}

async function ensureTrackFolders(tx: Transaction, trackId: string): Promise<void> {
  for (const dir of [tx.paths.artifactsDir(trackId), tx.paths.workflowsDir(trackId), tx.paths.checkpointsDir(trackId)]) {
    await ensureFolder(dir);
  }
}

/** What to do with a track's unfinished workflow runs when the track itself finishes. */
export type RunsOnFinish = 'complete' | 'fail';
export const RUNS_ON_FINISH: readonly RunsOnFinish[] = ['complete', 'fail'];

const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * A track that finishes must not leave runs behind that still look in progress (they would count
 * as interrupted and could be resumed under a finished track): without a choice, refuse.
 */
async function settleOpenRuns(tx: Transaction, track: Track, action: 'complete' | 'fail' | 'cancel', runs: RunsOnFinish | undefined): Promise<void> {
  const open = Object.entries((await tx.wholeIndex()).runs)
    .filter(([, run]) => run.track_id === track.track_id && !FINISHED_RUN_STATUSES.includes(run.status))
    .map(([runId, run]) => ({ run_id: runId, workflow: run.workflow, status: run.status, current_step: run.current_step, total_steps: run.total_steps }));
  if (open.length === 0) return;
  if (runs === undefined) {
    const list = open.map((run) => run.run_id).join(', ');
    throw new TrackError(
      'E_RUNS_IN_PROGRESS',
      `Cannot ${action} track ${track.track_id}: ${open.length} workflow run(s) are still running (${list}). Pass \`--runs complete\` or \`--runs fail\` to finish them with the track, or finish them first with \`track run complete|fail --run-id ID\`.`,
      { track_id: track.track_id, track_name: track.name, action, runs: open },
    );
  }
  if (!RUNS_ON_FINISH.includes(runs)) {
    throw new TrackError('E_INVALID_INPUT', `Invalid --runs "${String(runs)}": expected one of ${RUNS_ON_FINISH.join(', ')}.`, { field: 'runs' });
  }
  const verb = { complete: 'completed', fail: 'failed', cancel: 'cancelled' }[action];
  for (const { run_id } of open) {
    const run = await tx.run(run_id);
    tx.putRun({
      ...run,
      status: runs === 'complete' ? 'completed' : 'failed',
      ...(runs === 'complete' && run.total_steps !== null ? { current_step: run.total_steps } : {}),
      ...(runs === 'fail' ? { failure_reason: `The track was ${verb} while the run was ${run.status}` } : {}),
      heartbeat_at: tx.now,
      updated_at: tx.now,
      completed_at: tx.now,
    });
  }
}

export interface FinishOptions {
  /** Unfinished workflow runs of the track: complete or fail them with it (default: refuse). */
  runs?: RunsOnFinish;
}

/** The simple transitions: one track, no checkpoint, no other track involved. */
export async function transitionTrack(
  ctx: StoreContext,
  trackId: string,
  action: Extract<LifecycleAction, 'ready' | 'fail' | 'cancel' | 'archive' | 'reopen'>,
  reason?: string,
  options: FinishOptions = {},
): Promise<Track> {
  assertId('track', trackId, '--track-id');
  const validReason = reason === undefined ? undefined : parseInput(blockText(1000), reason, 'reason');
  // Finishing a track settles its open runs, found in the index's run entries: the index is read whole.
  const finishing = action === 'fail' || action === 'cancel';
  return mutate(ctx, action, async (tx) => {
    const current = await tx.track(trackId);
    const track = applyTransition(current, action, tx.now, validReason);
    if (action === 'fail' || action === 'cancel') await settleOpenRuns(tx, current, action, options.runs);
    if (action === 'fail') track.outcomes = { ...track.outcomes, result: 'failed', ...(validReason ? { summary: validReason } : {}) };
    if (action === 'cancel') track.outcomes = { ...track.outcomes, result: 'cancelled', ...(validReason ? { summary: validReason } : {}) };
    tx.putTrack(track);
    return track;
  }, { oneTrack: !finishing });
}

export interface ActivateOptions {
  /** Pause the active track (with a checkpoint) instead of failing with E_ANOTHER_ACTIVE. */
  force?: boolean;
}

export async function activateTrack(ctx: StoreContext, trackId: string, options: ActivateOptions = {}): Promise<Track> {
  assertId('track', trackId, '--track-id');
  return mutate(ctx, 'activate', async (tx) => {
    const track = await tx.track(trackId);
    if (!canTransition(track.status, 'activate')) throw invalidTransition(track, 'activate');
    const other = await tx.otherActiveTrack(trackId);
    if (other) {
      if (!options.force) throw anotherActive(other, track);
      await suspendInTx(tx, other, `Superseded by ${track.name}`, 'activate-force');
    }
    const activated = applyTransition(track, 'activate', tx.now);
    tx.putTrack(activated);
    return activated;
  });
}

/** What the editor had open when a track is left, saved on the track and in its checkpoint. */
export interface LeaveOptions {
  editors?: EditorGroup[];
}

const editorsInput = lazySchema(() => z.optional(z.array(editorGroupSchema).check(z.maxLength(9))));

async function suspendInTx(tx: Transaction, track: Track, reason: string, event: string, leave: LeaveOptions = {}): Promise<{ track: Track; checkpoint: Checkpoint; skipped_runs: SkippedRun[] }> {
  const withEditors = leave.editors ? { ...track, editors: leave.editors } : track;
  const { checkpoint, track: withCheckpoint, skipped_runs } = await stageCheckpoint(tx, withEditors, { event, reason });
  const paused = applyTransition(withCheckpoint, 'pause', tx.now, reason);
  tx.putTrack(paused);
  return { track: paused, checkpoint, skipped_runs };
}

export async function suspendTrack(ctx: StoreContext, trackId: string, reason: string, leave: LeaveOptions = {}): Promise<{ track: Track; checkpoint: Checkpoint; skipped_runs: SkippedRun[] }> {
  assertId('track', trackId, '--track-id');
  const validReason = parseInput(lineText(1, 1000), reason, 'pause reason');
  const editors = parseInput(editorsInput, leave.editors, 'editors');
  return mutate(ctx, 'pause', async (tx) => {
    const track = await tx.track(trackId);
    if (!canTransition(track.status, 'pause')) throw invalidTransition(track, 'pause');
    return suspendInTx(tx, track, validReason, 'pause', { editors });
  }, { oneTrack: true });
}

export interface ResumeOptions {
  /** Restore this checkpoint first (the current state is checkpointed before). */
  checkpointId?: string;
}

export async function resumeTrack(
  ctx: StoreContext,
  trackId: string,
  options: ResumeOptions = {},
): Promise<{ track: Track; checkpoint_restored: string | null; checkpoint_saved: string | null }> {
  assertId('track', trackId, '--track-id');
  if (options.checkpointId !== undefined) assertId('snapshot', options.checkpointId, '--checkpoint');
  const wanted = options.checkpointId ? await findCheckpoint(ctx, trackId, options.checkpointId) : null;
  return mutate(ctx, 'resume', async (tx) => {
    let track = await tx.track(trackId);
    if (!canTransition(track.status, 'resume')) throw invalidTransition(track, 'resume');
    const other = await tx.otherActiveTrack(trackId);
    if (other) throw anotherActive(other, track);
    let saved: string | null = null;
    if (wanted) ({ track, saved } = await stageRestoreWithBackup(tx, track, wanted));
    const resumed = applyTransition(track, 'resume', tx.now);
    tx.putTrack(resumed);
    return { track: resumed, checkpoint_restored: wanted?.snapshot_id ?? null, checkpoint_saved: saved };
  });
}

/**
 * Puts a checkpoint's work state back into an active or paused track without changing its status;
 * the current state is checkpointed first, so the restore can itself be undone.
 */
export async function restoreCheckpoint(
  ctx: StoreContext,
  trackId: string,
  checkpointId: string,
): Promise<{ track: Track; checkpoint_restored: string; checkpoint_saved: string; checkpoint_git: GitState | null; current_git: GitState | null }> {
  assertId('track', trackId, '--track-id');
  assertId('snapshot', checkpointId, '--checkpoint');
  const wanted = await findCheckpoint(ctx, trackId, checkpointId);
  return mutate(ctx, 'checkpoint restore', async (tx) => {
    const track = await tx.track(trackId);
    if (track.status !== 'active' && track.status !== 'paused') {
      throw new TrackError(
        'E_INVALID_TRANSITION',
        `Cannot restore a checkpoint into track ${trackId}: it is ${track.status}; reopen it first with \`track reopen --track-id ${trackId}\`.`,
        { track_id: trackId, track_name: track.name, status: track.status, action: 'restore' },
      );
    }
    const { track: restored, saved } = await stageRestoreWithBackup(tx, track, wanted);
    const updated = { ...restored, updated_at: tx.now };
    tx.putTrack(updated);
    return {
      track: updated, checkpoint_restored: checkpointId, checkpoint_saved: saved,
      checkpoint_git: wanted.state.project.git ?? null, current_git: await readGitState(tx.paths.workspaceRoot),
    };
  });
}

export interface SwitchResult {
  suspended: string | null;
  activated: string;
  checkpoint: string | null;
  /** Present when the checkpoint of the suspended track had to leave runs out. */
  skipped_runs?: SkippedRun[];
}

/** Pauses the active track (with a checkpoint) and activates the target, in one commit. */
export type SwitchOptions = LeaveOptions;

export async function switchTrack(ctx: StoreContext, toTrackId: string, options: SwitchOptions = {}): Promise<SwitchResult> {
  assertId('track', toTrackId, '--to');
  const editors = parseInput(editorsInput, options.editors, 'editors');
  return mutate(ctx, 'switch', async (tx) => {
    const target = await tx.track(toTrackId);
    if (target.status === 'active') return { suspended: null, activated: toTrackId, checkpoint: null };
    const action: LifecycleAction = target.status === 'paused' ? 'resume' : 'activate';
    if (!canTransition(target.status, action)) throw invalidTransition(target, 'activate');
    const other = await tx.otherActiveTrack(toTrackId);
    // Automatic checkpoints are named after tracks, not ids: people read them in lists.
    const suspended = other ? await suspendInTx(tx, other, `Switched to ${target.name}`, 'switch', { editors }) : null;
    tx.putTrack(applyTransition(target, action, tx.now, other ? `Switched from ${other.name}` : undefined));
    return {
      suspended: suspended?.track.track_id ?? null,
      activated: toTrackId,
      checkpoint: suspended?.checkpoint.snapshot_id ?? null,
      ...(suspended && suspended.skipped_runs.length > 0 ? { skipped_runs: suspended.skipped_runs } : {}),
    };
  });
}

export interface CompleteDetails extends FinishOptions {
  summary?: string;
  artifactsCreated?: string[];
  filesModified?: string[];
  lessonsLearned?: string[];
}

export const completeDetailsSchema = lazySchema(() => z.strictObject({
  summary: z.optional(blockText(5000)),
  artifactsCreated: z.optional(z.array(lineText(1, 1000)).check(z.maxLength(1000))),
  filesModified: z.optional(z.array(lineText(1, 1000)).check(z.maxLength(10000))),
  lessonsLearned: z.optional(z.array(blockText(2000)).check(z.maxLength(1000))),
  runs: z.optional(z.enum(RUNS_ON_FINISH)),
}));

export async function completeTrack(ctx: StoreContext, trackId: string, details: CompleteDetails = {}): Promise<Track> {
  assertId('track', trackId, '--track-id');
  const valid = parseInput(completeDetailsSchema, details, 'completion details');
  return mutate(ctx, 'complete', async (tx) => {
    const current = await tx.track(trackId);
    const track = applyTransition(current, 'complete', tx.now);
    await settleOpenRuns(tx, current, 'complete', valid.runs);
    track.progress = { ...track.progress, percentage: 100 };
    track.outcomes = {
      ...track.outcomes,
      result: 'success',
      ...(valid.summary ? { summary: valid.summary } : {}),
      artifacts_created: valid.artifactsCreated ?? [],
      files_modified: valid.filesModified ?? [],
      lessons_learned: valid.lessonsLearned ?? [],
    };
    tx.putTrack(track);
    return track;
  });
}

/**
 * Only an active or paused track holds interrupted work, and a paused one can be resumed only when
 * no other track is active. Shared by recovery from our checkpoints and from the original's.
 */
export async function assertRecoverable(tx: Transaction, track: Track): Promise<void> {
  const trackId = track.track_id;
  if (track.status !== 'active' && !canTransition(track.status, 'resume')) {
    throw new TrackError(
      'E_INVALID_TRANSITION',
      `Cannot recover track ${trackId}: it is ${track.status}; only active or paused tracks hold interrupted work.`,
      { track_id: trackId, track_name: track.name, status: track.status },
    );
  }
  if (track.status !== 'paused') return;
  const other = await tx.otherActiveTrack(trackId);
  if (other) {
    throw new TrackError(
      'E_ANOTHER_ACTIVE',
      `Cannot activate track - another track is active: ${other.track_id}. Pause it first, or use \`track switch --to ${trackId}\` and then recover.`,
      { active_track: other.track_id, active_track_name: other.name, track_id: trackId, track_name: track.name },
    );
  }
}
