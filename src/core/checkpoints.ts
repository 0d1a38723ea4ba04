import * as path from 'node:path';
import { listFolder } from './storage/folders';
import type { StoreContext } from './storage/context';
import { assumptionsDocument, decisionsDocument, readContextConflicts, readContextFilesNow } from './context-files';
import { isTrackError, toTrackError, TrackError } from './model/errors';
import { readDocument, readDocumentNow, type ReadOptions } from './storage/files';
import { CheckpointListing, type ListedCheckpoint } from './storage/checkpoint-listing';
import type { FileIdentity } from './storage/index-verdicts';
import { readGitState } from './git';
import { assertId, compareText, isValidId, makeSnapshotId } from './model/ids';
import { problemFrom, readRunFile, type Problem } from './storage/registry';
import { checkpointHeaderSchema, checkpointSchema, SCHEMA_VERSION, type Checkpoint, type CheckpointHeader, type Track } from './model/schemas';
import type * as z from 'zod/mini';
import { mutate, type Transaction } from './storage/transaction';

/**
 * checkpoint-NNN.json (the guide's layout, and stores written before) or checkpoint-NNN-<hex>.json:
 * new files carry their snapshot id's random suffix, so two clones that each take checkpoint 3 of a
 * track write two files, not one name with two contents (a git add/add conflict that would lose one).
 */
export const CHECKPOINT_FILE = /^checkpoint-(\d+)(?:-[0-9a-f]{6})?\.json$/;

export interface CheckpointRequest {
  /** What caused it: pause, switch, manual, pre-restore, … */
  event: string;
  reason?: string;
  name?: string;
  type?: 'checkpoint' | 'recovery' | 'manual';
  source?: string;
}

/** One checkpoint as listings show it, with its file. */
export interface CheckpointEntry extends ListedCheckpoint {
  file: string;
}

/**
 * Captures the track record, its context files, its runs' state and the git position, and stages
 * it as the track's next checkpoint file. Returns the track with `last_checkpoint` updated.
 */
export async function stageCheckpoint(
  tx: Transaction,
  track: Track,
  request: CheckpointRequest,
): Promise<{ checkpoint: Checkpoint; track: Track; skipped_runs: SkippedRun[] }> {
  const { paths } = tx;
  const trackId = track.track_id;
  const skipped: SkippedRun[] = [];
  const context = readContextFilesNow(paths, trackId);
  const [git, runs] = await Promise.all([
    tx.once('git-state', () => readGitState(paths.workspaceRoot)),
    // The track's runs from its own folder (as `show` lists them, track-runs.ts), not from the
    // index: a pause then reads no other track's entries (MutateOptions.oneTrack).
    listTrackRunIds(paths.workflowsDir(trackId)).then((runIds) => Promise.all(
      runIds.map(async (runId) => {
        const run = await readRunFile(paths, trackId, runId).catch((error: unknown) => {
          // Left out of the checkpoint, and said so in the result: a silent gap would surprise a restore.
          skipped.push({ run_id: runId, problem: toTrackError(error).message });
          return null;
        });
        return run && run.track_id === trackId
          ? { run_id: runId, status: run.status, current_step: run.current_step, total_steps: run.total_steps, state: run.state }
          : null;
      }),
    )),
  ]);
  const checkpoint: Checkpoint = {
    schema_version: SCHEMA_VERSION,
    snapshot_id: makeSnapshotId('checkpoint', Date.parse(tx.now)),
    type: request.type ?? 'checkpoint',
    created_at: tx.now,
    track_id: trackId,
    ...(request.name ? { name: request.name } : {}),
    ...(request.reason ? { description: request.reason } : {}),
    trigger: { source: request.source ?? 'user', event: request.event },
    state: {
      version: '1.0.0',
      track,
      context,
      runs: runs.filter((run) => run !== null),
      project: { root_path: paths.workspaceRoot, git },
    },
  };
  const number = await nextCheckpointNumber(tx, trackId);
  tx.put(path.join(paths.checkpointsDir(trackId), checkpointFileName(number, checkpoint.snapshot_id)), checkpoint);
  const updated: Track = {
    ...track,
    last_checkpoint: checkpoint.snapshot_id,
    metrics: { ...track.metrics, snapshots_created: track.metrics.snapshots_created + 1 },
  };
  return { checkpoint, track: updated, skipped_runs: skipped.sort((a, b) => compareText(a.run_id, b.run_id)) };
}

/** The number first, so names sort by it; then the snapshot id's random part. */
/** The run folders of a track (an unreadable folder lists none, as readTrackRuns treats it), in id order. */
async function listTrackRunIds(dir: string): Promise<string[]> {
  const names = await listFolder(dir).catch(() => [] as string[]);
  return names.filter((name) => isValidId('run', name)).sort(compareText);
}

export function checkpointFileName(number: number, snapshotId: string): string {
  const unique = /-([0-9a-f]{6})$/.exec(snapshotId)?.[1];
  return `checkpoint-${String(number).padStart(3, '0')}${unique ? `-${unique}` : ''}.json`;
}

/** A run a checkpoint could not capture (its run.json unreadable or corrupt). */
export interface SkippedRun {
  run_id: string;
  problem: string;
}

async function nextCheckpointNumber(tx: Transaction, trackId: string): Promise<number> {
  const dir = tx.paths.checkpointsDir(trackId);
  const onDisk = await tx.once(`names:${dir}`, () => listFolder(dir));
  const staged = [...tx.files.keys()].filter((file) => path.dirname(file) === dir).map((file) => path.basename(file));
  let highest = 0;
  for (const name of [...onDisk, ...staged]) {
    const match = CHECKPOINT_FILE.exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}

/** Puts the work state of a checkpoint back: progress, steps, goal and criteria, decisions, assumptions. */
export async function stageRestore(tx: Transaction, track: Track, checkpoint: Checkpoint): Promise<Track> {
  const saved = checkpoint.state.track;
  // The notes git merges left in the context files are about the files' history, not their state: they stay.
  const conflicts = await readContextConflicts(tx.paths, track.track_id).catch(() => ({ decisions: [], assumptions: [] }));
  tx.put(tx.paths.decisionsFile(track.track_id), decisionsDocument(checkpoint.state.context.decisions, conflicts.decisions));
  tx.put(tx.paths.assumptionsFile(track.track_id), assumptionsDocument(checkpoint.state.context.assumptions, conflicts.assumptions));
  return {
    ...track,
    ...(saved.description !== undefined ? { description: saved.description } : {}),
    context: saved.context,
    steps: saved.steps,
    progress: saved.progress,
    last_restored: { snapshot_id: checkpoint.snapshot_id, at: tx.now },
  };
}

/** `track checkpoint create`: a manual checkpoint of one track. */
export async function createCheckpoint(
  ctx: StoreContext,
  trackId: string,
  options: { name?: string; reason?: string } = {},
): Promise<Checkpoint & { skipped_runs: SkippedRun[] }> {
  assertId('track', trackId, '--track-id');
  return mutate(ctx, 'checkpoint create', async (tx) => {
    const { checkpoint, track, skipped_runs } = await stageCheckpoint(tx, await tx.track(trackId), {
      event: 'manual', type: 'checkpoint', name: options.name, reason: options.reason,
    });
    tx.putTrack({ ...track, updated_at: tx.now });
    return { ...checkpoint, skipped_runs };
  }, { oneTrack: true });
}

/** Checkpoints the current state, then restores `checkpoint`: a restore can always be undone. */
export async function stageRestoreWithBackup(
  tx: Transaction,
  track: Track,
  checkpoint: Checkpoint,
): Promise<{ track: Track; saved: string }> {
  const before = await stageCheckpoint(tx, track, { event: 'pre-restore', type: 'recovery', reason: `Before restoring ${checkpointLabel(checkpoint)}` });
  return { track: await stageRestore(tx, before.track, checkpoint), saved: before.checkpoint.snapshot_id };
}

/** How a checkpoint is named to people: its name, else what caused it, else when it was taken. */
export function checkpointLabel(checkpoint: Pick<Checkpoint, 'name' | 'description' | 'created_at'>): string {
  return checkpoint.name ?? checkpoint.description ?? `the checkpoint of ${checkpoint.created_at.replace(/\.\d+Z$/, 'Z')}`;
}

export interface CheckpointList {
  checkpoints: Array<CheckpointEntry & { document: Checkpoint }>;
  problems: Problem[];
}

/** A track's checkpoints, newest first; a corrupt checkpoint file is reported, not fatal. */
export async function readCheckpoints(ctx: StoreContext, trackId: string): Promise<CheckpointList> {
  return readCheckpointFiles(ctx, trackId, checkpointSchema);
}

/**
 * A track's checkpoints as a listing shows them (`show`, the details page), newest first: only
 * the fields listed are validated, not the saved state (the track, its context, its runs), which
 * is validated when the checkpoint is restored (findCheckpoint). A file whose listed fields are
 * damaged is reported, as by readCheckpoints.
 */
export async function listCheckpoints(ctx: StoreContext, trackId: string): Promise<{ checkpoints: CheckpointEntry[]; problems: Problem[] }> {
  const dir = ctx.paths.checkpointsDir(trackId);
  const names = await checkpointNames(dir);
  // What earlier listings read from these files, across processes (checkpoint-listing.ts).
  const listing = new CheckpointListing(ctx.paths, trackId);
  const problems: Problem[] = [];
  const checkpoints: CheckpointEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const recorded = listing.find(name, file);
    if (recorded) {
      checkpoints.push({ ...recorded, file });
      continue;
    }
    let identity: FileIdentity | null = null;
    const read = readCheckpointFile(ctx, file, checkpointHeaderSchema, (bytes) => { identity = bytes; });
    if (read.problem) problems.push(read.problem);
    if (!read.document) continue;
    const listed = listedFields(read.document);
    if (identity) listing.record(name, identity, listed);
    checkpoints.push({ ...listed, file });
  }
  listing.save(new Set(names));
  return { checkpoints: newestFirst(checkpoints), problems };
}

async function checkpointNames(dir: string): Promise<string[]> {
  return (await listFolder(dir).catch(() => [] as string[])).filter((name) => CHECKPOINT_FILE.test(name));
}

/**
 * One checkpoint file validated with `schema`: a damaged one is a problem to report, not an error.
 * `onValid` is given the identity of the bytes validated (none when the file changed while read).
 */
function readCheckpointFile<T extends CheckpointHeader>(
  ctx: StoreContext,
  file: string,
  schema: z.ZodMiniType<T>,
  onValid?: (identity: FileIdentity) => void,
): { document?: T | null; problem?: Problem } {
  // Never trusted (every file read is validated), only told the identity of the bytes validated.
  const known: ReadOptions['known'] = onValid && { has: () => false, note: (_file, identity) => onValid(identity) };
  try {
    return { document: readDocumentNow(file, schema, { kind: 'checkpoint', display: (f) => ctx.paths.display(f), known }) };
  } catch (error) {
    if (!isTrackError(error)) throw error;
    return { problem: problemFrom(error, file) };
  }
}

function listedFields(document: CheckpointHeader): ListedCheckpoint {
  return {
    snapshot_id: document.snapshot_id,
    type: document.type,
    created_at: document.created_at,
    name: document.name ?? null,
    description: document.description ?? null,
    event: typeof document.trigger.event === 'string' ? document.trigger.event : null,
  };
}

/** Newest first; checkpoints of the same instant by their number, highest first. */
function newestFirst<E extends { created_at: string; file: string }>(entries: E[]): E[] {
  const numberOf = (file: string) => Number(CHECKPOINT_FILE.exec(path.basename(file))?.[1] ?? 0);
  return entries.sort((a, b) => compareText(b.created_at, a.created_at) || numberOf(b.file) - numberOf(a.file));
}

async function readCheckpointFiles<T extends CheckpointHeader>(
  ctx: StoreContext,
  trackId: string,
  schema: z.ZodMiniType<T>,
): Promise<{ checkpoints: Array<CheckpointEntry & { document: T }>; problems: Problem[] }> {
  const dir = ctx.paths.checkpointsDir(trackId);
  const problems: Problem[] = [];
  const checkpoints: Array<CheckpointEntry & { document: T }> = [];
  for (const name of await checkpointNames(dir)) {
    const file = path.join(dir, name);
    const { document, problem } = readCheckpointFile(ctx, file, schema);
    if (problem) problems.push(problem);
    if (document) checkpoints.push({ ...listedFields(document), file, document });
  }
  return { checkpoints: newestFirst(checkpoints), problems };
}

/** The checkpoint to restore, its saved state validated: a damaged one is E_CORRUPT_FILE naming the file and field. */
export async function findCheckpoint(ctx: StoreContext, trackId: string, snapshotId: string): Promise<Checkpoint> {
  const { checkpoints } = await listCheckpoints(ctx, trackId);
  const found = checkpoints.find((entry) => entry.snapshot_id === snapshotId);
  const document = found ? await readDocument(found.file, checkpointSchema, { kind: 'checkpoint', display: (f) => ctx.paths.display(f) }) : null;
  // The listing may come from its record (checkpoint-listing.ts): restore only the checkpoint asked for.
  if (!document || document.snapshot_id !== snapshotId) {
    throw new TrackError(
      'E_CHECKPOINT_NOT_FOUND',
      `Checkpoint ${snapshotId} not found for track ${trackId}. List its checkpoints with \`track checkpoint list --track-id ${trackId}\`.`,
      { track_id: trackId, snapshot_id: snapshotId },
    );
  }
  return document;
}

/** The newest checkpoint worth restoring: not one saved automatically just before a restore. */
export async function newestRestorableCheckpoint(ctx: StoreContext, trackId: string): Promise<Checkpoint> {
  const { checkpoints } = await readCheckpoints(ctx, trackId);
  const found = checkpoints.find((entry) => entry.type !== 'recovery');
  if (!found) {
    throw new TrackError(
      'E_NO_SNAPSHOT',
      `No snapshots found for recovery of track ${trackId}: it has no checkpoint. Resume it without restoring (\`track resume --track-id ${trackId}\`) or restore its state by hand.`,
      { track_id: trackId },
    );
  }
  return found.document;
}

export function checkpointEntry(ctx: StoreContext, entry: CheckpointEntry): CheckpointEntry {
  return { ...entry, file: ctx.paths.display(entry.file) };
}
