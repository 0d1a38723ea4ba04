import * as fs from 'node:fs';
import { fileIdentityKey, type FileIdentity } from './index-verdicts';
import { VALIDATORS } from './known-valid';
import type { StorePaths } from './paths';
import { userCacheFile, writeUserCacheFile } from './user-cache';

/** What a listing shows of one checkpoint (`show`, the details page), as validated from its file. */
export interface ListedCheckpoint {
  snapshot_id: string;
  type: string;
  created_at: string;
  name: string | null;
  description: string | null;
  event: string | null;
}

/**
 * A track's checkpoint listing across processes. A track keeps a checkpoint per pause and switch,
 * each a few KB with the saved state, so reading and validating every file on each `show` (and
 * each expansion of the track in the editor) grew with the track's age (a CLI `show` of a track
 * with 300 checkpoints: 93 ms, 76 ms with this record; `node -e 0`: 62 ms). A checkpoint file is
 * written once and never changed by the tool; the
 * listed fields of a file are recorded with its identity (inode, size, modification and change
 * times), and a later listing takes them from the record after one stat. Any change to a file (a
 * hand edit, a checkout, a restore from version control) changes its identity: it is read and
 * validated again. One file per track in the user's cache folder, never in the store; losing it
 * costs only time.
 */
export class CheckpointListing {
  private readonly files = new Map<string, { identity: string; listed: ListedCheckpoint }>();
  private changed = false;
  private readonly cacheFile: string;

  constructor(private readonly paths: StorePaths, private readonly trackId: string) {
    this.cacheFile = userCacheFile('checkpoint-listings', `${paths.conductorDir}\0${trackId}`);
    this.load();
  }

  /** The listed fields recorded for this file, if it is still the file they were read from (one stat). */
  find(name: string, file: string): ListedCheckpoint | null {
    const recorded = this.files.get(name);
    if (!recorded) return null;
    const info = fs.statSync(file, { throwIfNoEntry: false });
    return info?.isFile() && fileIdentityKey(info) === recorded.identity ? recorded.listed : null;
  }

  /** Records what was validated from the bytes with this identity. */
  record(name: string, identity: FileIdentity, listed: ListedCheckpoint): void {
    this.files.set(name, { identity: fileIdentityKey(identity), listed });
    this.changed = true;
  }

  /** Forgets the files no longer there (pruned, deleted) and writes the record if it changed. */
  save(present: ReadonlySet<string>): void {
    for (const name of this.files.keys()) {
      if (present.has(name)) continue;
      this.files.delete(name);
      this.changed = true;
    }
    if (!this.changed) return;
    this.changed = false;
    writeUserCacheFile(this.cacheFile, JSON.stringify({
      conductor: this.paths.conductorDir,
      track: this.trackId,
      validators: VALIDATORS,
      files: Object.fromEntries(this.files),
    }));
  }

  /**
   * Checked field by field rather than by a zod schema: the record of a long-lived track holds
   * hundreds of entries, and building and running a schema over them cost more than reading the
   * files it saves (measured: 2.5 ms of a 300-checkpoint `show`).
   */
  private load(): void {
    let doc: { conductor?: unknown; track?: unknown; validators?: unknown; files?: unknown };
    try {
      doc = JSON.parse(fs.readFileSync(this.cacheFile, 'utf8')) as typeof doc;
    } catch {
      return; // None yet, or unreadable: the files are read.
    }
    if (doc?.conductor !== this.paths.conductorDir || doc.track !== this.trackId || doc.validators !== VALIDATORS) return;
    if (!isRecord(doc.files)) return;
    for (const [name, recorded] of Object.entries(doc.files)) {
      if (!isRecord(recorded) || typeof recorded.identity !== 'string') continue;
      const listed = listedFrom(recorded.listed);
      if (listed) this.files.set(name, { identity: recorded.identity, listed });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The listed fields of a recorded entry, and only those; null when one is not what it should be. */
function listedFrom(value: unknown): ListedCheckpoint | null {
  if (!isRecord(value)) return null;
  const { snapshot_id, type, created_at, name, description, event } = value;
  const textOrNull = (field: unknown) => field === null || typeof field === 'string';
  if (typeof snapshot_id !== 'string' || typeof type !== 'string' || typeof created_at !== 'string') return null;
  if (!textOrNull(name) || !textOrNull(description) || !textOrNull(event)) return null;
  return { snapshot_id, type, created_at, name, description, event };
}
