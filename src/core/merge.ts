import { isDeepStrictEqual } from 'node:util';
import * as path from 'node:path';
import type * as z from 'zod/mini';
import {
  activitySchema, assumptionsSchema, checkpointSchema, decisionsSchema, runSchema, runSnapshotSchema, trackSchema,
  type MergeConflict,
} from './model/schemas';

/**
 * The three-way merge behind `track merge-file` (git's merge driver for the store's JSON files).
 * Per field: what only one side changed is taken; lists of dated entries (status history,
 * decisions, assumptions, checkpoints, activity) are unions ordered by time; when both sides
 * changed the same scalar, the side with the later `updated_at` wins and the other value is kept
 * in the track's `merge_conflicts`, so nothing is lost silently. Pure: no files, no clock.
 */
export type MergeKind = 'track' | 'decisions' | 'assumptions' | 'activity' | 'run' | 'checkpoint' | 'run-snapshot' | 'json';

export function mergeKindOf(file: string): MergeKind {
  const name = path.basename(file);
  if (name === 'track.json') return 'track';
  if (name === 'decisions.json') return 'decisions';
  if (name === 'assumptions.json') return 'assumptions';
  if (name === 'activity.json') return 'activity';
  if (name === 'run.json') return 'run';
  if (/^checkpoint-\d+(?:-[0-9a-f]{6})?\.json$/.test(name)) return 'checkpoint';
  if (/\/snapshots\/[^/]+\.json$/.test(file.split(path.sep).join('/'))) return 'run-snapshot';
  return 'json';
}

const SCHEMAS: Partial<Record<MergeKind, z.ZodMiniType>> = {
  track: trackSchema,
  decisions: decisionsSchema,
  assumptions: assumptionsSchema,
  activity: activitySchema,
  run: runSchema,
  checkpoint: checkpointSchema,
  'run-snapshot': runSnapshotSchema,
};

export interface MergeResult {
  merged: unknown;
  /** Scalars both sides changed: the value kept and the one set aside. */
  conflicts: MergeConflict[];
  /** Problems that make the result unusable (it is then not written). */
  invalid: string | null;
}

type Json = unknown;
type Side = 'ours' | 'theirs';

interface MergeState {
  winner: Side;
  now: string;
  conflicts: MergeConflict[];
}

/** base is null for an add/add merge (both sides created the file). */
export function mergeDocuments(kind: MergeKind, base: Json, ours: Json, theirs: Json, now: string): MergeResult {
  const winner = laterSide(ours, theirs);
  const state: MergeState = { winner, now, conflicts: [] };
  let merged: Json;
  if (kind === 'track') merged = mergeTrack(base, ours, theirs, state);
  else if (kind === 'activity') merged = mergeActivity(ours, theirs);
  else if ((kind === 'checkpoint' || kind === 'run-snapshot') && differentSnapshots(ours, theirs)) {
    // Two clones numbered different checkpoints alike: a field-wise blend would be neither; keep
    // the later one whole and say so (git shows the message; the other stays in its commit).
    merged = createdAt(theirs) > createdAt(ours) ? theirs : ours;
    const setAside = merged === theirs ? ours : theirs;
    state.conflicts.push({ field: 'snapshot_id', kept: (merged as Record<string, Json>).snapshot_id, discarded: (setAside as Record<string, Json>).snapshot_id, at: now });
  } else merged = mergeValue(base, ours, theirs, '', state);
  if (kind === 'decisions' || kind === 'assumptions') {
    // Entries are resolved whole (below), not field by field.
    state.conflicts = [];
    merged = resolveEntries(base, ours, theirs, merged, kind, state);
  }
  const schema = SCHEMAS[kind];
  let invalid: string | null = null;
  if (schema) {
    const checked = schema.safeParse(merged);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      invalid = `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`;
    }
  }
  return { merged, conflicts: state.conflicts, invalid };
}

function differentSnapshots(ours: Json, theirs: Json): boolean {
  return isObject(ours) && isObject(theirs) && ours.snapshot_id !== theirs.snapshot_id;
}

function createdAt(value: Json): string {
  return isObject(value) && typeof value.created_at === 'string' ? value.created_at : '';
}

function laterSide(ours: Json, theirs: Json): Side {
  const o = isObject(ours) && typeof ours.updated_at === 'string' ? ours.updated_at : '';
  const t = isObject(theirs) && typeof theirs.updated_at === 'string' ? theirs.updated_at : '';
  return t > o ? 'theirs' : 'ours';
}

const LIFECYCLE_GROUP = ['status', 'last_activated_at', 'completed_at', 'outcomes'];
const COUNTERS = ['active_duration_ms', 'pause_count', 'snapshots_created'];
/** Derived fields: the later side's value, never a conflict worth a person's attention. */
const TAKE_LATER = ['updated_at', 'last_checkpoint', 'last_restored', 'editors'];

function mergeTrack(base: Json, ours: Json, theirs: Json, state: MergeState): Json {
  if (!isObject(ours) || !isObject(theirs)) return mergeValue(base, ours, theirs, '', state);
  const b = isObject(base) ? base : {};
  const o: Record<string, Json> = { ...ours };
  const t: Record<string, Json> = { ...theirs };
  const win = state.winner === 'ours' ? o : t;
  const lose = state.winner === 'ours' ? t : o;
  // A status both sides changed moves with its timestamps and outcome, as one decision.
  if (o.status !== t.status && o.status !== b.status && t.status !== b.status) {
    state.conflicts.push({ field: 'status', kept: win.status, discarded: lose.status, at: state.now });
    for (const key of LIFECYCLE_GROUP) copyKey(win, lose, key);
  }
  for (const key of TAKE_LATER) copyKey(win, lose, key);
  if (typeof o.updated_at === 'string' && typeof t.updated_at === 'string') o.updated_at = t.updated_at = o.updated_at > t.updated_at ? o.updated_at : t.updated_at;
  if (typeof o.started_at === 'string' && typeof t.started_at === 'string') o.started_at = t.started_at = o.started_at < t.started_at ? o.started_at : t.started_at;
  // Counters add both sides' increments.
  if (isObject(o.metrics) && isObject(t.metrics)) {
    const bm = isObject(b.metrics) ? b.metrics : {};
    const om = { ...o.metrics };
    const tm = { ...t.metrics };
    for (const key of COUNTERS) {
      const [bv, ov, tv] = [num(bm[key]), num(om[key]), num(tm[key])];
      if (ov === null || tv === null) continue;
      om[key] = tm[key] = Math.max(0, (bv ?? 0) + (ov - (bv ?? 0)) + (tv - (bv ?? 0)));
    }
    o.metrics = om;
    t.metrics = tm;
  }
  const merged = mergeValue(b, o, t, '', state);
  if (isObject(merged) && state.conflicts.length > 0) {
    const earlier = asArray(merged.merge_conflicts);
    merged.merge_conflicts = [...earlier, ...state.conflicts];
  }
  return merged;
}

function copyKey(from: Record<string, Json>, to: Record<string, Json>, key: string): void {
  if (key in from) to[key] = from[key];
  else delete to[key];
}

function mergeActivity(ours: Json, theirs: Json): Json {
  if (!isObject(ours) || !isObject(theirs)) return ours;
  const intervals = [...asArray(ours.intervals), ...asArray(theirs.intervals)]
    .filter((item): item is { start: string; end: string } => isObject(item) && typeof item.start === 'string' && typeof item.end === 'string')
    .sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  const joined: Array<{ start: string; end: string }> = [];
  for (const item of intervals) {
    const last = joined[joined.length - 1];
    if (last && item.start <= last.end) last.end = item.end > last.end ? item.end : last.end;
    else joined.push({ start: item.start, end: item.end });
  }
  return { ...theirs, ...ours, intervals: joined };
}

/** The recursive per-field merge. `undefined` means "absent" (a deleted key). */
export function mergeValue(base: Json, ours: Json, theirs: Json, at: string, state: MergeState): Json {
  if (isDeepStrictEqual(ours, theirs)) return ours;
  if (isDeepStrictEqual(base, ours)) return theirs;
  if (isDeepStrictEqual(base, theirs)) return ours;
  if (isObject(ours) && isObject(theirs)) {
    const b = isObject(base) ? base : {};
    const result: Record<string, Json> = {};
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])];
    for (const key of keys) {
      const value = mergeValue(b[key], ours[key], theirs[key], at ? `${at}.${key}` : key, state);
      if (value !== undefined) result[key] = value;
    }
    return result;
  }
  if (isList(ours) && isList(theirs)) {
    const b = asArray(base);
    return [...ours, ...theirs, ...b].every((item) => !isObject(item))
      ? mergeSet(b, ours, theirs)
      : mergeList(b, ours, theirs, at, state);
  }
  const keepTheirs = state.winner === 'theirs';
  const kept = keepTheirs ? theirs : ours;
  const discarded = keepTheirs ? ours : theirs;
  state.conflicts.push({ field: at || '(document)', kept: kept ?? null, discarded: discarded ?? null, at: state.now });
  return kept;
}

/** Lists of plain values (tags, criteria): additions from both sides, removals from either. */
function mergeSet(base: Json[], ours: Json[], theirs: Json[]): Json[] {
  const has = (list: Json[], item: Json) => list.some((other) => isDeepStrictEqual(other, item));
  const result: Json[] = [];
  for (const item of [...ours, ...theirs]) {
    const removed = has(base, item) && (!has(ours, item) || !has(theirs, item));
    if (!removed && !has(result, item)) result.push(item);
  }
  return result;
}

function identity(item: Json): string {
  if (isObject(item)) {
    for (const key of ['id', 'snapshot_id', 'run_id']) if (typeof item[key] === 'string') return `${key}:${item[key]}`;
  }
  return `json:${JSON.stringify(item)}`;
}

function timeOf(item: Json): string {
  if (!isObject(item)) return '';
  for (const key of ['at', 'created_at', 'start']) if (typeof item[key] === 'string') return item[key];
  return '';
}

/** Lists of records (status history, decisions, conflicts): a union by identity, ordered by time. */
function mergeList(base: Json[], ours: Json[], theirs: Json[], at: string, state: MergeState): Json[] {
  const index = (list: Json[]) => new Map(list.map((item) => [identity(item), item]));
  const [b, o, t] = [index(base), index(ours), index(theirs)];
  const merged: Json[] = [];
  for (const key of new Set([...o.keys(), ...t.keys()])) {
    const inOurs = o.has(key);
    const inTheirs = t.has(key);
    if (b.has(key) && (!inOurs || !inTheirs)) {
      // Removed on one side: removed, unless the other side changed it meanwhile.
      const kept = inOurs ? o.get(key) : t.get(key);
      if (isDeepStrictEqual(kept, b.get(key))) continue;
    }
    merged.push(inOurs && inTheirs ? mergeValue(b.get(key), o.get(key), t.get(key), `${at}[${key}]`, state) : (o.get(key) ?? t.get(key)));
  }
  return merged
    .map((item, position) => ({ item, position }))
    .sort((x, y) => {
      const [tx, ty] = [timeOf(x.item), timeOf(y.item)];
      return tx && ty && tx !== ty ? (tx < ty ? -1 : 1) : x.position - y.position;
    })
    .map(({ item }) => item);
}

/**
 * decisions/assumptions: entries are told apart by id. An id both sides added (absent from the
 * base, e.g. two clones each adding their fourth decision) names two different entries: both are
 * kept, the later renumbered. An entry both sides rewrote differently is one entry: the later
 * rewrite (its `updated_at`, else `at`; ours on a tie) is kept and the other is recorded in the
 * document's `merge_conflicts`, which `doctor` and the tree report with the track's own.
 */
function resolveEntries(base: Json, ours: Json, theirs: Json, merged: Json, kind: 'decisions' | 'assumptions', state: MergeState): Json {
  if (!isObject(merged) || !isObject(ours) || !isObject(theirs)) return merged;
  const list = asArray(merged[kind]);
  const baseList = isObject(base) ? asArray(base[kind]) : [];
  const byId = (items: Json[]) => new Map(items.filter(isObject).map((item) => [String(item.id), item]));
  const [b, o, t] = [byId(baseList), byId(asArray(ours[kind])), byId(asArray(theirs[kind]))];
  const taken = new Set(list.filter(isObject).map((item) => String(item.id)));
  const conflicts = state.conflicts;
  const result: Json[] = [];
  for (const item of list) {
    if (!isObject(item)) {
      result.push(item);
      continue;
    }
    const id = String(item.id);
    const [oi, ti, bi] = [o.get(id), t.get(id), b.get(id)];
    if (!oi || !ti || isDeepStrictEqual(oi, ti) || isDeepStrictEqual(oi, bi) || isDeepStrictEqual(ti, bi)) {
      result.push(item);
      continue;
    }
    if (!bi) {
      // Two additions that happen to share an id: both stay, the later one under a fresh id.
      const theirsLater = changedAt(ti) > changedAt(oi);
      const [first, second] = theirsLater ? [oi, ti] : [ti, oi];
      const fresh = freshId(id, taken);
      taken.add(fresh);
      result.push(first, { ...second, id: fresh });
      continue;
    }
    const theirsWins = changedAt(ti) !== changedAt(oi) ? changedAt(ti) > changedAt(oi) : state.winner === 'theirs';
    const [kept, discarded] = theirsWins ? [ti, oi] : [oi, ti];
    conflicts.push({ field: `${kind}[${id}]`, kept: kept.text ?? null, discarded, at: state.now });
    result.push(kept);
  }
  const ordered = result
    .map((item, position) => ({ item, position }))
    .sort((x, y) => compareTimes(timeOf(x.item), timeOf(y.item)) || x.position - y.position)
    .map(({ item }) => item);
  const earlier = asArray(merged.merge_conflicts);
  return { ...merged, [kind]: ordered, ...(earlier.length + conflicts.length > 0 ? { merge_conflicts: [...earlier, ...conflicts] } : {}) };
}

function changedAt(entry: Record<string, Json>): string {
  return typeof entry.updated_at === 'string' ? entry.updated_at : typeof entry.at === 'string' ? entry.at : '';
}

function compareTimes(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `decision-004` → the next free `decision-NNN`; another id gets a numbered suffix. */
function freshId(id: string, taken: Set<string>): string {
  const numbered = /^(.*-)(\d+)$/.exec(id);
  if (numbered) {
    const width = numbered[2].length;
    let highest = 0;
    for (const other of taken) {
      const match = /^(.*-)(\d+)$/.exec(other);
      if (match && match[1] === numbered[1]) highest = Math.max(highest, Number(match[2]));
    }
    return `${numbered[1]}${String(highest + 1).padStart(width, '0')}`;
  }
  let suffix = 2;
  while (taken.has(`${id}-${suffix}`)) suffix += 1;
  return `${id}-${suffix}`;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isList(value: Json): value is Json[] {
  return Array.isArray(value);
}

function asArray(value: Json): Json[] {
  return Array.isArray(value) ? value : [];
}

function num(value: Json): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
