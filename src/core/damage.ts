import { checkpointLabel, readCheckpoints } from './checkpoints';
import { statIfExists } from './storage/file-info';
import { readBytesIfExists } from './storage/file-reads';
import type { StoreContext } from './storage/context';
import { isTrackError, TrackError } from './model/errors';
import { parseDocument } from './storage/files';
import { assertId } from './model/ids';
import { readTrackFile } from './storage/registry';
import { trackSchema, type Track, type TrackStatus } from './model/schemas';
import { mutate } from './storage/transaction';

/** A track whose track.json cannot be read, and where in the file the problem is (when known). */
export interface DamagedTrack {
  track_id: string;
  file: string;
  code: string;
  message: string;
  line: number | null;
  column: number | null;
}

function damagedFrom(trackId: string, file: string, error: TrackError): DamagedTrack {
  const line = typeof error.details.line === 'number' ? error.details.line : null;
  const column = typeof error.details.column === 'number' ? error.details.column : null;
  return { track_id: trackId, file, code: error.code, message: error.message, line, column };
}

/** Verdicts per file, keyed on its identity (inode, size, mtime): an unchanged file is not re-read. */
const verdicts = new Map<string, { key: string; damaged: DamagedTrack | null }>();

export function forgetTrackFileVerdicts(): void {
  verdicts.clear();
}

/**
 * Reads the track.json of each given track and reports those that are damaged (unparsable,
 * invalid, or of a newer schema). A missing file is not damage: the index reconciles that.
 * Files unchanged since the last call are only stat'ed.
 */
export async function inspectTrackFiles(ctx: StoreContext, trackIds: Iterable<string>): Promise<DamagedTrack[]> {
  const damaged: DamagedTrack[] = [];
  for (const trackId of trackIds) {
    assertId('track', trackId, '--track-id');
    const file = ctx.paths.trackFile(trackId);
    const info = await statIfExists(file);
    if (!info) continue;
    const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const known = verdicts.get(file);
    if (known?.key === key) {
      if (known.damaged) damaged.push(known.damaged);
      continue;
    }
    let verdict: DamagedTrack | null = null;
    try {
      const track = await readTrackFile(ctx.paths, trackId);
      if (track && track.track_id !== trackId) {
        verdict = { track_id: trackId, file, code: 'E_CORRUPT_FILE', message: `${ctx.paths.display(file)} says track_id "${track.track_id}" but lives in folder "${trackId}".`, line: null, column: null };
      }
    } catch (error) {
      if (!isTrackError(error)) throw error;
      verdict = damagedFrom(trackId, file, error);
    }
    verdicts.set(file, { key, damaged: verdict });
    if (verdict) damaged.push(verdict);
  }
  return damaged;
}

export interface DamagedTrackRecovery {
  track_id: string;
  track_name: string;
  status: TrackStatus;
  checkpoint_restored: string;
  checkpoint_name: string;
  /** Where the damaged bytes were kept (never deleted). */
  damaged_copy: string;
}

/**
 * Rewrites a damaged track.json from the track's newest checkpoint, under the store lock. The
 * damaged file is kept beside it (`track.json.damaged-<time>`) in the same commit, so nothing is
 * lost. The status is the one the index last recorded (newer than the checkpoint's); a track that
 * would make a second active one is restored paused.
 */
export async function recoverDamagedTrack(ctx: StoreContext, trackId: string): Promise<DamagedTrackRecovery> {
  assertId('track', trackId, '--track-id');
  return mutate(ctx, 'recover damaged', async (tx) => {
    const file = tx.paths.trackFile(trackId);
    const bytes = await readBytesIfExists(file);
    if (bytes !== null) {
      let readable = true;
      try {
        parseDocument(bytes.toString('utf8'), file, trackSchema, { kind: 'track' });
      } catch (error) {
        if (!isTrackError(error)) throw error;
        readable = false;
      }
      if (readable) {
        throw new TrackError('E_INVALID_INPUT', `The track file ${tx.paths.display(file)} is not damaged; nothing to restore. Restore a checkpoint instead (\`track checkpoint restore\`).`, { track_id: trackId, field: 'track' });
      }
    }
    const { checkpoints } = await readCheckpoints(ctx, trackId);
    const newest = checkpoints.find((entry) => entry.document.state.track.track_id === trackId);
    if (!newest) {
      throw new TrackError(
        'E_NO_SNAPSHOT',
        `Track ${trackId} has no readable checkpoint to restore its track.json from. Restore the file from version control, or fix it by hand.`,
        { track_id: trackId, file },
      );
    }
    const saved = newest.document.state.track;
    const indexed = tx.registry.tracks[trackId];
    let status: TrackStatus = indexed?.status ?? saved.status;
    if (status === 'active' && tx.registry.active_track && tx.registry.active_track !== trackId) status = 'paused';
    const restored: Track = {
      ...saved,
      status,
      priority: indexed?.priority ?? saved.priority,
      updated_at: tx.now,
      last_checkpoint: newest.snapshot_id,
      last_restored: { snapshot_id: newest.snapshot_id, at: tx.now, reason: 'damaged track.json' },
    };
    if (status !== saved.status) {
      restored.status_history = [...saved.status_history, { from: saved.status, to: status, at: tx.now, reason: 'Restored from a checkpoint after track.json was damaged' }];
    }
    const damagedCopy = `${file}.damaged-${Date.parse(tx.now)}`;
    if (bytes !== null) tx.putRaw(damagedCopy, bytes);
    tx.putTrack(restored);
    return {
      track_id: trackId,
      track_name: restored.name,
      status,
      checkpoint_restored: newest.snapshot_id,
      checkpoint_name: checkpointLabel({ name: newest.name ?? undefined, description: newest.description ?? undefined, created_at: newest.created_at }),
      damaged_copy: tx.paths.display(damagedCopy),
    };
  });
}
