import { compareText } from './model/ids';
import type { Priority, Registry, TrackStatus, TrackSummaryEntry, TrackType } from './model/schemas';
import { viewChangeOf } from './storage/index-files';

export interface TrackSummary {
  track_id: string;
  name: string;
  type: TrackType;
  status: TrackStatus;
  priority: Priority;
  progress_percentage: number;
  created_at: string;
  updated_at: string;
}

/**
 * What `list` and `stats` derive from an index view: the rows in list order and the counts.
 * Kept per view (views are never mutated once returned), and for a view extended from the log
 * (a warm reader after another process's write) updated from the previous view's for the touched
 * tracks only, instead of building and sorting every row again.
 */
export interface DerivedIndex {
  /** Every track, sorted by created_at then id. Shared: callers copy before handing it out. */
  rows: readonly TrackSummary[];
  byStatus: Map<TrackStatus, number>;
  /** In order of first appearance in the index, as a pass over its entries counts them. */
  byType: Map<TrackType, number>;
  byPriority: Map<Priority, number>;
}

const derived = new WeakMap<Registry, DerivedIndex>();

export function derivedIndexOf(registry: Registry): DerivedIndex {
  const known = derived.get(registry);
  if (known) return known;
  const change = viewChangeOf(registry);
  const previous = change?.previous.deref();
  const before = previous ? derived.get(previous) : undefined;
  const result = (before && change && updated(before, previous!, registry, change.touchedTracks)) || built(registry);
  derived.set(registry, result);
  return result;
}

function rowOf(trackId: string, entry: TrackSummaryEntry): TrackSummary {
  return {
    track_id: trackId,
    name: entry.name,
    type: entry.type,
    status: entry.status,
    priority: entry.priority,
    progress_percentage: entry.progress_percentage,
    created_at: entry.created_at,
    updated_at: entry.updated_at,
  };
}

function compareRows(a: TrackSummary, b: TrackSummary): number {
  return compareText(a.created_at, b.created_at) || compareText(a.track_id, b.track_id);
}

function add<K>(counts: Map<K, number>, key: K, delta: number): void {
  counts.set(key, (counts.get(key) ?? 0) + delta);
}

function built(registry: Registry): DerivedIndex {
  const rows: TrackSummary[] = [];
  const byStatus = new Map<TrackStatus, number>();
  const byType = new Map<TrackType, number>();
  const byPriority = new Map<Priority, number>();
  for (const trackId in registry.tracks) {
    const entry = registry.tracks[trackId];
    rows.push(rowOf(trackId, entry));
    add(byStatus, entry.status, 1);
    add(byType, entry.type, 1);
    add(byPriority, entry.priority, 1);
  }
  rows.sort(compareRows);
  return { rows, byStatus, byType, byPriority };
}

/** Position of the first row not before `row` (binary search in list order). */
function lowerBound(rows: readonly TrackSummary[], row: TrackSummary): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareRows(rows[middle], row) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The previous view's derived data with the touched tracks replaced. Null (build afresh) when a
 * track was removed or changed type: the order of first appearance of the types could change.
 */
function updated(before: DerivedIndex, previous: Registry, registry: Registry, touched: ReadonlySet<string>): DerivedIndex | null {
  const rows = before.rows.slice();
  const byStatus = new Map(before.byStatus);
  const byType = new Map(before.byType);
  const byPriority = new Map(before.byPriority);
  for (const trackId of touched) {
    const old = Object.hasOwn(previous.tracks, trackId) ? previous.tracks[trackId] : undefined;
    const now = Object.hasOwn(registry.tracks, trackId) ? registry.tracks[trackId] : undefined;
    if (!now || (old && old.type !== now.type)) return null;
    if (old) {
      const oldRow = rowOf(trackId, old);
      const at = lowerBound(rows, oldRow);
      if (rows[at]?.track_id !== trackId) return null; // Not where it should be: rebuild rather than guess.
      rows.splice(at, 1);
      add(byStatus, old.status, -1);
      add(byType, old.type, -1);
      add(byPriority, old.priority, -1);
    }
    const row = rowOf(trackId, now);
    rows.splice(lowerBound(rows, row), 0, row);
    add(byStatus, now.status, 1);
    add(byType, now.type, 1);
    add(byPriority, now.priority, 1);
  }
  return { rows, byStatus, byType, byPriority };
}
