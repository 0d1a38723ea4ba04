/**
 * Checkpoints and run snapshots the original track-manager's snapshot-manager wrote, in
 * `<conductor>/context/snapshots/snap-*.json` or gzipped `snap-*.json.gz`. The files name no
 * track or run of their own: a checkpoint belongs to the track whose track.json names it in
 * `last_checkpoint`; an automatic snapshot to the runs its state lists as active.
 */
import { listFolder } from './storage/folders';
import * as path from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import * as z from 'zod/mini';
import { statIfExists } from './storage/file-info';
import { readBytes } from './storage/file-reads';
import { lazySchema } from './model/lazy-schema';
import type { StoreContext } from './storage/context';
import { isTrackError } from './model/errors';
import { corruptFileError, parseDocument } from './storage/files';
import { compareText, isValidId, SNAPSHOT_ID_PATTERN } from './model/ids';
import { problemFrom, readTrackFile, type Problem } from './storage/registry';

const gunzipAsync = promisify(gunzip);
const SNAPSHOT_FILE = /^(snap-[a-z0-9]+(?:-[a-z0-9]+)*)\.json(\.gz)?$/;
/** A gzipped snapshot may not inflate beyond this (a hostile file must not exhaust memory). */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const originSnapshotSchema = lazySchema(() => z.looseObject({
  snapshot_id: z.string().check(z.regex(SNAPSHOT_ID_PATTERN)),
  type: z.string(),
  created_at: z.iso.datetime({ offset: true }),
  description: z.optional(z.string()),
  trigger: z.optional(z.looseObject({})),
  state: z.optional(z.looseObject({})),
}));
export type OriginSnapshot = z.infer<typeof originSnapshotSchema>;

export interface OriginSnapshotRecord {
  snapshot: OriginSnapshot;
  file: string;
  size_bytes: number;
  /** Runs the snapshot's state names (state.workflows.active_runs and run_summaries). */
  run_ids: string[];
}

export function originSnapshotsDir(ctx: StoreContext): string {
  return path.join(ctx.paths.conductorDir, 'context', 'snapshots');
}

async function readOriginSnapshot(ctx: StoreContext, file: string): Promise<OriginSnapshotRecord> {
  const options = { kind: 'snapshot (original track-manager)', display: (f: string) => ctx.paths.display(f) };
  const raw = await readBytes(file);
  let text: string;
  try {
    text = file.endsWith('.gz') ? (await gunzipAsync(raw, { maxOutputLength: MAX_INFLATED_BYTES })).toString('utf8') : raw.toString('utf8');
  } catch (error) {
    throw corruptFileError(file, options, null, `cannot be decompressed (${(error as Error).message})`);
  }
  // parseDocument never quotes the file's text in its messages (the file may not be ours).
  const document = parseDocument(text, file, originSnapshotSchema, options);
  const expected = SNAPSHOT_FILE.exec(path.basename(file))?.[1];
  if (document.snapshot_id !== expected) throw corruptFileError(file, options, 'snapshot_id', `says "${document.snapshot_id}" but the file is named ${path.basename(file)}`);
  return { snapshot: document, file, size_bytes: raw.length, run_ids: runsNamed(document) };
}

function runsNamed(snapshot: OriginSnapshot): string[] {
  const workflows = (snapshot.state as { workflows?: { active_runs?: unknown; run_summaries?: unknown } } | undefined)?.workflows;
  const ids = new Set<string>();
  if (Array.isArray(workflows?.active_runs)) for (const id of workflows.active_runs) if (typeof id === 'string') ids.add(id);
  if (workflows?.run_summaries && typeof workflows.run_summaries === 'object') for (const id of Object.keys(workflows.run_summaries)) ids.add(id);
  const trigger = snapshot.trigger as { run_id?: unknown } | undefined;
  if (typeof trigger?.run_id === 'string') ids.add(trigger.run_id);
  return [...ids];
}

/** Every original snapshot, newest first; an unreadable one is a problem, not a failure. */
export async function readOriginSnapshots(ctx: StoreContext): Promise<{ snapshots: OriginSnapshotRecord[]; problems: Problem[] }> {
  const dir = originSnapshotsDir(ctx);
  const snapshots: OriginSnapshotRecord[] = [];
  const problems: Problem[] = [];
  for (const name of await listFolder(dir)) {
    if (!SNAPSHOT_FILE.test(name)) continue;
    const file = path.join(dir, name);
    const info = await statIfExists(file);
    if (!info?.isFile()) continue;
    try {
      snapshots.push(await readOriginSnapshot(ctx, file));
    } catch (error) {
      if (!isTrackError(error)) throw error;
      problems.push(problemFrom(error, file));
    }
  }
  snapshots.sort((a, b) => compareText(b.snapshot.created_at, a.snapshot.created_at) || compareText(b.snapshot.snapshot_id, a.snapshot.snapshot_id));
  return { snapshots, problems };
}

/** Snapshot id → track id, from each track's `last_checkpoint` (the original's only link). */
export function checkpointOwners(lastCheckpoints: Iterable<[trackId: string, lastCheckpoint: unknown]>): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [trackId, id] of lastCheckpoints) if (isValidId('snapshot', id)) owners.set(id, trackId);
  return owners;
}

export interface OriginSnapshotEntry {
  snapshot_id: string;
  type: string;
  track_id: string | null;
  run_id: string | null;
  created_at: string;
  file: string;
  size_bytes: number;
  origin: 'original';
}

/**
 * The original's snapshots as `snapshot list` shows them, filtered like ours: a checkpoint under
 * the track naming it, a run snapshot under each run it names (once per run).
 */
export async function listOriginSnapshotEntries(
  ctx: StoreContext,
  trackIds: string[],
  filter: { trackId?: string; runId?: string },
): Promise<{ snapshots: OriginSnapshotEntry[]; problems: Problem[] }> {
  const { snapshots, problems } = await readOriginSnapshots(ctx);
  if (snapshots.length === 0) return { snapshots: [], problems };
  const wanted = filter.trackId ? trackIds.filter((id) => id === filter.trackId) : trackIds;
  const owners = checkpointOwners(await Promise.all(wanted.map(async (trackId) => {
    const track = await readTrackFile(ctx.paths, trackId).catch(() => null);
    return [trackId, track?.last_checkpoint] as [string, unknown];
  })));
  const entries: OriginSnapshotEntry[] = [];
  for (const record of snapshots) {
    const { snapshot } = record;
    const base = { snapshot_id: snapshot.snapshot_id, type: snapshot.type, created_at: snapshot.created_at, file: ctx.paths.display(record.file), size_bytes: record.size_bytes, origin: 'original' as const };
    const owner = owners.get(snapshot.snapshot_id) ?? null;
    const runs = record.run_ids.length > 0 ? record.run_ids : [null];
    for (const runId of runs) {
      if (filter.runId && runId !== filter.runId) continue;
      if (filter.trackId && owner !== filter.trackId) continue;
      entries.push({ ...base, track_id: owner, run_id: runId });
    }
  }
  return { snapshots: entries, problems };
}
