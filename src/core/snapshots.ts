import { readCheckpoints } from './checkpoints';
import { statIfExists } from './storage/file-info';
import { removeFilesDurably } from './storage/store-cleanup';
import type { StoreContext } from './storage/context';
import { assertId, compareText } from './model/ids';
import { parseInput } from './model/input';
import { readIndex } from './reads';
import type { Problem } from './storage/registry';
import type { Registry } from './model/schemas';
import { assertWritableTargets } from './storage/write-safety';
import { readRunSnapshots } from './runs';
import { mutate } from './storage/transaction';
import { assertOriginRunId } from './origin-runs';
import { listOriginSnapshotEntries } from './origin-snapshots';
import * as z from 'zod/mini';

export interface SnapshotEntry {
  snapshot_id: string;
  type: string;
  /** null: a snapshot of the original track-manager that no track names. */
  track_id: string | null;
  run_id: string | null;
  created_at: string;
  file: string;
  size_bytes: number;
  /** Present on snapshots the original track-manager wrote. */
  origin?: 'original';
}

export interface SnapshotFilter {
  trackId?: string;
  runId?: string;
}

interface SnapshotGroup {
  /** Newest first. */
  entries: SnapshotEntry[];
}

/** Every snapshot of the store, grouped: one group per track's checkpoints, one per run. */
async function collectGroups(ctx: StoreContext, filter: SnapshotFilter, underLock?: Registry): Promise<{ groups: SnapshotGroup[]; problems: Problem[] }> {
  if (filter.trackId !== undefined) assertId('track', filter.trackId, '--track-id');
  if (filter.runId !== undefined) assertOriginRunId(filter.runId, '--run-id');
  // Under the lock, the transaction's registry: readIndex may re-index, which takes the lock again.
  const registry = underLock ?? (await readIndex(ctx)).registry;
  const groups: SnapshotGroup[] = [];
  const problems: Problem[] = [];
  // Newest first, as both readers return them; sizes read in parallel.
  const group = async (trackId: string, runId: string | null, items: Array<{ snapshot_id: string; type: string; created_at: string; file: string }>) => ({
    entries: await Promise.all(items.map(async (item) => ({
      snapshot_id: item.snapshot_id,
      type: item.type,
      track_id: trackId,
      run_id: runId,
      created_at: item.created_at,
      file: item.file,
      size_bytes: (await statIfExists(item.file))?.size ?? 0,
    }))),
  });
  for (const trackId of Object.keys(registry.tracks).sort()) {
    if (filter.trackId && trackId !== filter.trackId) continue;
    if (!filter.runId) {
      const list = await readCheckpoints(ctx, trackId);
      problems.push(...list.problems);
      groups.push(await group(trackId, null, list.checkpoints));
    }
    for (const [runId, run] of Object.entries(registry.runs)) {
      if (run.track_id !== trackId || (filter.runId && runId !== filter.runId)) continue;
      const list = await readRunSnapshots(ctx, trackId, runId);
      problems.push(...list.problems);
      groups.push(await group(trackId, runId, list.snapshots));
    }
  }
  return { groups, problems };
}

export async function listSnapshots(ctx: StoreContext, filter: SnapshotFilter = {}): Promise<{ snapshots: SnapshotEntry[]; problems: Problem[] }> {
  const { groups, problems } = await collectGroups(ctx, filter);
  const { registry } = await readIndex(ctx);
  const original = await listOriginSnapshotEntries(ctx, Object.keys(registry.tracks), filter);
  problems.push(...original.problems);
  const snapshots: SnapshotEntry[] = groups
    .flatMap((group) => group.entries)
    .map((entry) => ({ ...entry, file: ctx.paths.display(entry.file) }))
    .concat(original.snapshots)
    .sort((a, b) => compareText(b.created_at, a.created_at));
  return { snapshots, problems };
}

export interface PruneOptions extends SnapshotFilter {
  keepCount: number;
  dryRun?: boolean;
}

export interface PruneResult {
  keep_count: number;
  dry_run: boolean;
  removed: string[];
  removed_count: number;
  kept_count: number;
  freed_bytes: number;
}

/**
 * Keeps the newest N checkpoints of each track and the newest N snapshots of each run. The newest
 * one of each is always kept, whatever N: a track never loses its last checkpoint, a run the
 * snapshot its recovery needs.
 */
export async function pruneSnapshots(ctx: StoreContext, options: PruneOptions): Promise<PruneResult> {
  const keepCount = parseInput(z.int().check(z.gte(0), z.lte(1_000_000)), options.keepCount, '--keep-count');
  return mutate(ctx, 'snapshot prune', async (tx) => {
    const { groups } = await collectGroups(ctx, options, tx.registry);
    const keep = Math.max(1, keepCount);
    const doomed = groups.flatMap((group) => group.entries.slice(keep));
    const result: PruneResult = {
      keep_count: keepCount,
      dry_run: Boolean(options.dryRun),
      removed: doomed.map((entry) => entry.snapshot_id),
      removed_count: doomed.length,
      kept_count: groups.reduce((sum, group) => sum + Math.min(keep, group.entries.length), 0),
      freed_bytes: doomed.reduce((sum, entry) => sum + entry.size_bytes, 0),
    };
    if (!options.dryRun && doomed.length > 0) {
      tx.lock.assertHeld();
      // Never through a symbolic link: that would delete files outside the store.
      await assertWritableTargets(ctx.paths, doomed.map((entry) => entry.file));
      await removeFilesDurably(doomed.map((entry) => entry.file));
    }
    return result;
  });
}
