/**
 * One upgrade path for every document kind we read. A file without `schema_version` is the
 * original track-manager's format (version 0, see the origin-store reference); each entry of
 * UPGRADES[kind] turns version N into N + 1, so a later format change is one more function.
 *
 * Every step is lossless: it only adds what our format needs (with values derived from what the
 * file says) and keeps every field it was given, known or not. Nothing here touches the disk:
 * a read upgrades in memory, the first write stores the upgraded document.
 */
import { SCHEMA_VERSION } from './schemas';

export const ORIGINAL_FORMAT_VERSION = 0;

/** The kinds of document that have an original (version 0) form. */
export type UpgradableKind = 'track' | 'registry' | 'decisions' | 'assumptions';

type Doc = Record<string, unknown>;
type Step = (doc: Doc) => Doc;

const EPOCH = '1970-01-01T00:00:00.000Z';

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /T/.test(value);
}

/** The original's progress object ({current_step, completed_steps, total_steps, percentage}) kept whole. */
function progressOf(progress: unknown): Doc {
  const given = isObject(progress) ? progress : {};
  if (typeof given.percentage === 'number') return given;
  const done = Number(given.completed_steps);
  const total = Number(given.total_steps);
  const percentage = Number.isFinite(done) && Number.isFinite(total) && total > 0 ? Math.round((done / total) * 100) : 0;
  return { ...given, percentage: Math.min(100, Math.max(0, percentage)) };
}

/**
 * track.json, version 0 → 1: adds `schema_version`, `metrics` and `status_history` (the original
 * kept neither), fills what our schema requires and the original left optional. Fields of the
 * original with no counterpart of ours (execution, paused_at, pause_reason, resumed_at…) stay.
 */
const trackV0toV1: Step = (doc) => {
  const created = isTimestamp(doc.created_at) ? doc.created_at : EPOCH;
  const context = isObject(doc.context) ? doc.context : {};
  return {
    schema_version: 1,
    ...doc,
    priority: doc.priority ?? 'P2',
    created_at: doc.created_at ?? created,
    updated_at: doc.updated_at ?? created,
    context: {
      ...context,
      goal: context.goal ?? '',
      success_criteria: context.success_criteria ?? [],
    },
    steps: doc.steps ?? [],
    progress: progressOf(doc.progress),
    metrics: isObject(doc.metrics) ? doc.metrics : {
      active_duration_ms: 0,
      pause_count: 0,
      snapshots_created: 0,
    },
    status_history: Array.isArray(doc.status_history) ? doc.status_history : [],
  };
};

/**
 * track-registry.json, version 0 → 1. The original's registry is `{version: "1.0", active_track,
 * tracks: {id: {track_id, name, …, progress: {…}}}, metadata: {…}}`. Each entry gains
 * `progress_percentage`; `updated_at` comes from `metadata.last_updated`; `runs` is empty (the
 * original kept its runs elsewhere). Its `version`, `metadata` and each entry's own fields stay.
 */
const registryV0toV1: Step = (doc) => {
  const metadata = isObject(doc.metadata) ? doc.metadata : {};
  const tracks: Doc = {};
  for (const [id, entry] of Object.entries(isObject(doc.tracks) ? doc.tracks : {})) {
    if (!isObject(entry)) {
      tracks[id] = entry;
      continue;
    }
    const progress = progressOf(entry.progress);
    const created = isTimestamp(entry.created_at) ? entry.created_at : EPOCH;
    tracks[id] = {
      ...entry,
      priority: entry.priority ?? 'P2',
      created_at: entry.created_at ?? created,
      updated_at: entry.updated_at ?? created,
      progress_percentage: typeof entry.progress_percentage === 'number' ? entry.progress_percentage : progress.percentage,
    };
  }
  const updated = [metadata.last_updated, doc.updated_at].find(isTimestamp) ?? EPOCH;
  return {
    schema_version: 1,
    ...doc,
    active_track: doc.active_track ?? null,
    updated_at: updated,
    tracks,
    runs: isObject(doc.runs) ? doc.runs : {},
  };
};

/**
 * context/decisions.json and assumptions.json, version 0 → 1: the original wrote a bare array.
 * Each item becomes one of our entries (`id`, `text`, `at`) and keeps its own fields.
 */
function contextV0toV1(field: 'decisions' | 'assumptions'): Step {
  return (doc) => {
    const items = Array.isArray(doc.items) ? doc.items : [];
    const entries = items.map((item, index) => {
      const given: Doc = isObject(item) ? item : { value: item };
      const wording = text(given.text) ?? text(given[field === 'decisions' ? 'decision' : 'assumption'])
        ?? text(given.description) ?? text(given.value) ?? JSON.stringify(item);
      const at = [given.at, given.timestamp, given.created_at, given.made_at].find(isTimestamp) ?? EPOCH;
      return { ...given, id: text(given.id) ?? `${field === 'decisions' ? 'decision' : 'assumption'}-${index + 1}`, text: wording, at };
    });
    const { items: _items, ...rest } = doc;
    return { schema_version: 1, ...rest, [field]: entries };
  };
}

/** UPGRADES[kind][n] upgrades version n to n + 1; its length must equal SCHEMA_VERSION. */
export const UPGRADES: Record<UpgradableKind, Step[]> = {
  track: [trackV0toV1],
  registry: [registryV0toV1],
  decisions: [contextV0toV1('decisions')],
  assumptions: [contextV0toV1('assumptions')],
};

export function isUpgradableKind(kind: string): kind is UpgradableKind {
  return Object.prototype.hasOwnProperty.call(UPGRADES, kind);
}

/** The format version of a parsed document: its `schema_version`, or 0 when it has none. */
export function formatVersionOf(data: unknown): number | null {
  if (Array.isArray(data)) return ORIGINAL_FORMAT_VERSION;
  if (!isObject(data)) return null;
  if (!('schema_version' in data)) return ORIGINAL_FORMAT_VERSION;
  const version = data.schema_version;
  return typeof version === 'number' && Number.isInteger(version) && version >= 0 ? version : null;
}

/**
 * The document in the current format. A document already current (or whose version is not a
 * known older one) is returned as it is, for the schema to judge.
 */
export function upgradeDocument(kind: string, data: unknown): unknown {
  if (!isUpgradableKind(kind)) return data;
  const version = formatVersionOf(data);
  if (version === null || version >= SCHEMA_VERSION) return data;
  let doc: Doc = Array.isArray(data) ? { items: data } : (data as Doc);
  if (version === ORIGINAL_FORMAT_VERSION && !Array.isArray(data) && (kind === 'decisions' || kind === 'assumptions')) {
    // Not a bare array: not the original's context file either; leave it for the schema to report.
    return data;
  }
  for (const step of UPGRADES[kind].slice(version)) doc = step(doc);
  return doc;
}

/** Whether a parsed document is in an older format than ours (what doctor counts). */
export function isOlderFormat(data: unknown): boolean {
  const version = formatVersionOf(data);
  return version !== null && version < SCHEMA_VERSION;
}
