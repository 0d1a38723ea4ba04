import type { Registry } from '../model/schemas';

/**
 * The entries of a writer's registry that changed since it was read or last committed, recorded
 * where they change (indexTrack, indexRun, the removal of a track), so a commit writes those
 * entries alone instead of copying and comparing every entry of the store.
 *
 * Only registries read from the split index for a write are recorded (recordChangesOf); any other
 * registry (a rebuild, format 1, the original's) is written whole, as a new generation.
 *
 * The same records keep the set of tracks whose entry says `active`, so the checks every write
 * makes on the active tracks do not scan every entry.
 */
export interface EntryChanges {
  tracks: Set<string>;
  runs: Set<string>;
  /** Tracks whose entry says active; computed on first use (one scan), then kept up to date. */
  active: Set<string> | null;
}
const recorded = new WeakMap<Registry, EntryChanges>();

/** Starts recording; `active` when the set of tracks whose entry says active is known without a scan. */
export function recordChangesOf(registry: Registry, active: Set<string> | null = null): void {
  recorded.set(registry, { tracks: new Set(), runs: new Set(), active });
}

/** Moves the records to a new registry object standing for the same entries (a head re-read). */
export function moveChanges(from: Registry, to: Registry): void {
  const changes = recorded.get(from);
  if (!changes) return;
  recorded.delete(from);
  recorded.set(to, changes);
}

/** Call after the track's entry was set or removed. */
export function trackEntryChanged(registry: Registry, trackId: string, record = true): void {
  const changes = recorded.get(registry);
  if (!changes) return;
  if (record) changes.tracks.add(trackId);
  if (!changes.active) return;
  if (Object.hasOwn(registry.tracks, trackId) && registry.tracks[trackId].status === 'active') changes.active.add(trackId);
  else changes.active.delete(trackId);
}

/** Call after the run's entry was set or removed. */
export function runEntryChanged(registry: Registry, runId: string): void {
  recorded.get(registry)?.runs.add(runId);
}

/** The ids changed since the last commit; undefined when this registry is not recorded. */
export function changedEntries(registry: Registry): { tracks: ReadonlySet<string>; runs: ReadonlySet<string> } | undefined {
  return recorded.get(registry);
}

/** After a commit wrote them: the next commit starts from an empty record. */
export function forgetChangedEntries(registry: Registry): void {
  const changes = recorded.get(registry);
  if (!changes) return;
  changes.tracks.clear();
  changes.runs.clear();
}

export function isRecorded(registry: Registry): boolean {
  return recorded.has(registry);
}

/** The tracks whose entry says active, when this registry keeps them (else undefined: scan). */
export function recordedActive(registry: Registry): ReadonlySet<string> | undefined {
  const changes = recorded.get(registry);
  if (!changes) return undefined;
  if (!changes.active) {
    changes.active = new Set();
    for (const id in registry.tracks) if (registry.tracks[id].status === 'active') changes.active.add(id);
  }
  return changes.active;
}

/** A copy of the records, for a savepoint (group commit): undoing a step must undo what it recorded. */
export interface ChangesSnapshot {
  readonly changes: EntryChanges | null;
}

export function snapshotChanges(registry: Registry): ChangesSnapshot {
  const changes = recorded.get(registry);
  if (!changes) return { changes: null };
  return { changes: { tracks: new Set(changes.tracks), runs: new Set(changes.runs), active: changes.active && new Set(changes.active) } };
}

export function restoreChanges(registry: Registry, snapshot: ChangesSnapshot): void {
  const { changes } = snapshot;
  if (!changes) return;
  recorded.set(registry, { tracks: new Set(changes.tracks), runs: new Set(changes.runs), active: changes.active && new Set(changes.active) });
}
