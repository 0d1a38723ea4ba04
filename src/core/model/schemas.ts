import * as z from 'zod/mini';
import './zod-messages';
import { lazySchema } from './lazy-schema';
import { SNAPSHOT_ID_PATTERN, SLUG_ID_PATTERN, TRACK_ID_PATTERN, MAX_ID_LENGTH } from './ids';

/**
 * Documents on disk are parsed with loose objects: a field written by a newer Track Manager must
 * survive a rewrite by an older one. Input from the CLI or the API is parsed strictly elsewhere.
 */
export const SCHEMA_VERSION = 1;

export const TRACK_TYPES = [
  'onboarding', 'feature', 'bugfix', 'refactor', 'migration', 'testing', 'documentation',
  'security', 'performance', 'maintenance', 'learning', 'exploration', 'custom',
] as const;
export const TRACK_STATUSES = [
  'draft', 'ready', 'active', 'paused', 'completed', 'failed', 'cancelled', 'archived',
] as const;
export const PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export const RUN_STATUSES = [
  'pending', 'in_progress', 'awaiting_approval', 'handoff_pending', 'handed_off', 'paused',
  'completed', 'failed', 'cancelled',
] as const;
export const SNAPSHOT_TYPES = [
  'auto', 'manual', 'checkpoint', 'milestone', 'pre-change', 'post-change', 'recovery', 'session-end',
] as const;

export type TrackType = (typeof TRACK_TYPES)[number];
export type TrackStatus = (typeof TRACK_STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];

export const trackIdSchema = lazySchema(() => z.string().check(z.maxLength(MAX_ID_LENGTH), z.regex(TRACK_ID_PATTERN)));
export const runIdSchema = lazySchema(() => z.string().check(z.maxLength(MAX_ID_LENGTH), z.regex(SLUG_ID_PATTERN)));
export const snapshotIdSchema = lazySchema(() => z.string().check(z.maxLength(MAX_ID_LENGTH), z.regex(SNAPSHOT_ID_PATTERN)));
const timestamp = lazySchema(() => z.iso.datetime({ offset: true }));
const versioned = { schema_version: lazySchema(() => z.literal(SCHEMA_VERSION)) };
const count = lazySchema(() => z.int().check(z.gte(0)));
const percentage = lazySchema(() => z.number().check(z.gte(0), z.lte(100)));

export const statusChangeSchema = lazySchema(() => z.looseObject({
  from: z.nullable(z.enum(TRACK_STATUSES)),
  to: z.enum(TRACK_STATUSES),
  at: timestamp,
  reason: z.optional(z.string()),
}));

export const editorGroupSchema = lazySchema(() => z.looseObject({
  /** The tab group's view column (1 = first group). */
  column: z.int().check(z.gte(1), z.lte(9)),
  files: z.array(z.string().check(z.minLength(1), z.maxLength(4096))).check(z.maxLength(200)),
  active: z.optional(z.nullable(z.string())),
}));
export type EditorGroup = z.infer<typeof editorGroupSchema>;

export const mergeConflictSchema = lazySchema(() => z.looseObject({
  field: z.string(),
  kept: z.unknown(),
  discarded: z.unknown(),
  at: timestamp,
}));
export type MergeConflict = z.infer<typeof mergeConflictSchema>;

export const trackSchema = lazySchema(() => z.looseObject({
  ...versioned,
  track_id: trackIdSchema,
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  description: z.optional(z.string().check(z.maxLength(1000))),
  type: z.enum(TRACK_TYPES),
  status: z.enum(TRACK_STATUSES),
  priority: z.enum(PRIORITIES),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: z.optional(timestamp),
  completed_at: z.optional(timestamp),
  last_activated_at: z.optional(timestamp),
  source: z.optional(z.looseObject({ type: z.string(), created_by: z.optional(z.string()) })),
  context: z.looseObject({
    goal: z.string(),
    success_criteria: z.array(z.string()),
  }),
  steps: z.array(z.looseObject({})),
  progress: z.looseObject({ percentage: percentage }),
  outcomes: z.optional(
    z.looseObject({
      result: z.optional(z.enum(['success', 'partial', 'failed', 'cancelled'])),
      summary: z.optional(z.string()),
      artifacts_created: z.optional(z.array(z.string())),
      files_modified: z.optional(z.array(z.string())),
      lessons_learned: z.optional(z.array(z.string())),
    }),
  ),
  metrics: z.looseObject({
    active_duration_ms: count,
    pause_count: count,
    snapshots_created: count,
  }),
  status_history: z.array(statusChangeSchema),
  last_checkpoint: z.optional(z.nullable(snapshotIdSchema)),
  /** The git branch the track's work lives on (issue 13). */
  branch: z.optional(z.string().check(z.minLength(1), z.maxLength(250))),
  /** Editors open when the track was last left, per tab group (paths relative to the workspace). */
  editors: z.optional(z.array(editorGroupSchema)),
  /** Values a git merge had to choose between; kept until someone looks (see merge.ts). */
  merge_conflicts: z.optional(z.array(mergeConflictSchema)),
  metadata: z.optional(z.looseObject({ tags: z.optional(z.array(z.string())), notes: z.optional(z.string()) })),
}));
export type Track = z.infer<typeof trackSchema>;

export const trackSummarySchema = lazySchema(() => z.looseObject({
  name: z.string(),
  type: z.enum(TRACK_TYPES),
  status: z.enum(TRACK_STATUSES),
  priority: z.enum(PRIORITIES),
  progress_percentage: percentage,
  created_at: timestamp,
  updated_at: timestamp,
  /** Identity of the track.json this entry was built from (see index-freshness.ts). */
  file_stamp: z.optional(z.string()),
}));
export type TrackSummaryEntry = z.infer<typeof trackSummarySchema>;

export const runSummarySchema = lazySchema(() => z.looseObject({
  track_id: trackIdSchema,
  workflow: z.string(),
  status: z.enum(RUN_STATUSES),
  current_step: count,
  total_steps: z.nullable(z.int().check(z.gte(1))),
  updated_at: timestamp,
}));
export type RunSummaryEntry = z.infer<typeof runSummarySchema>;

export const registrySchema = lazySchema(() => z.looseObject({
  ...versioned,
  active_track: z.nullable(trackIdSchema),
  updated_at: timestamp,
  tracks: z.record(trackIdSchema, trackSummarySchema),
  runs: z.record(runIdSchema, runSummarySchema),
}));
export type Registry = z.infer<typeof registrySchema>;

/** The registry without its entries, which registry-file.ts validates one by one (with a memo). */
export const registryEnvelopeSchema = lazySchema(() => z.looseObject({
  ...versioned,
  active_track: z.nullable(trackIdSchema),
  updated_at: timestamp,
  tracks: z.record(z.string(), z.unknown()),
  runs: z.record(z.string(), z.unknown()),
}));

export const ownerSchema = lazySchema(() => z.looseObject({
  pid: z.nullable(z.int().check(z.gte(1))),
  host: z.string(),
  since: timestamp,
}));
export type Owner = z.infer<typeof ownerSchema>;

export const runSchema = lazySchema(() => z.looseObject({
  ...versioned,
  run_id: runIdSchema,
  track_id: trackIdSchema,
  workflow: z.string(),
  selected_workflow: z.string(),
  status: z.enum(RUN_STATUSES),
  current_step: count,
  total_steps: z.nullable(z.int().check(z.gte(1))),
  state: z.record(z.string(), z.unknown()),
  owner: ownerSchema,
  heartbeat_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: z.optional(timestamp),
  last_snapshot: z.nullable(snapshotIdSchema),
}));
export type Run = z.infer<typeof runSchema>;

export const contextEntrySchema = lazySchema(() => z.looseObject({
  id: z.string(),
  text: z.string(),
  rationale: z.optional(z.string()),
  at: timestamp,
}));
export type ContextEntry = z.infer<typeof contextEntrySchema>;

/** merge_conflicts: rewrites of one entry on both sides of a git merge, the one set aside. */
export const decisionsSchema = lazySchema(() => z.looseObject({ ...versioned, decisions: z.array(contextEntrySchema), merge_conflicts: z.optional(z.array(mergeConflictSchema)) }));
export const assumptionsSchema = lazySchema(() => z.looseObject({ ...versioned, assumptions: z.array(contextEntrySchema), merge_conflicts: z.optional(z.array(mergeConflictSchema)) }));

const gitStateSchema = lazySchema(() => z.looseObject({ branch: z.nullable(z.string()), head: z.nullable(z.string()) }));

/** What a listing of checkpoints shows (`show`, the details page): validated alone there, the state when restored. */
const checkpointHeaderShape = {
  ...versioned,
  snapshot_id: snapshotIdSchema,
  type: lazySchema(() => z.enum(SNAPSHOT_TYPES)),
  created_at: timestamp,
  track_id: trackIdSchema,
  name: lazySchema(() => z.optional(z.string().check(z.maxLength(100)))),
  description: lazySchema(() => z.optional(z.string())),
  trigger: lazySchema(() => z.looseObject({ source: z.string(), event: z.optional(z.string()) })),
};
export const checkpointHeaderSchema = lazySchema(() => z.looseObject(checkpointHeaderShape));
export type CheckpointHeader = z.infer<typeof checkpointHeaderSchema>;

export const checkpointSchema = lazySchema(() => z.looseObject({
  ...checkpointHeaderShape,
  state: z.looseObject({
    version: z.string(),
    track: trackSchema,
    context: z.looseObject({
      decisions: z.array(contextEntrySchema),
      assumptions: z.array(contextEntrySchema),
    }),
    runs: z.array(z.looseObject({ run_id: runIdSchema })),
    project: z.looseObject({ root_path: z.string(), git: z.nullable(gitStateSchema) }),
  }),
}));
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const runSnapshotSchema = lazySchema(() => z.looseObject({
  ...versioned,
  snapshot_id: snapshotIdSchema,
  type: z.enum(SNAPSHOT_TYPES),
  created_at: timestamp,
  track_id: trackIdSchema,
  run_id: runIdSchema,
  trigger: z.looseObject({ source: z.string(), step_number: z.optional(count) }),
  state: z.looseObject({
    version: z.string(),
    run: z.looseObject({
      status: z.enum(RUN_STATUSES),
      current_step: count,
      total_steps: z.nullable(z.int().check(z.gte(1))),
      state: z.record(z.string(), z.unknown()),
    }),
  }),
}));
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;

export const journalSchema = lazySchema(() => z.looseObject({
  ...versioned,
  created_at: timestamp,
  entries: z.array(z.looseObject({ target: z.string(), temp: z.string() })),
  /** Bytes appended at an offset (the index's change log): rolled forward by truncating there and writing again. */
  appends: z.optional(z.array(z.looseObject({ target: z.string(), offset: count, data: z.string() }))),
}));
export type Journal = z.infer<typeof journalSchema>;

export const lockOwnerSchema = lazySchema(() => z.looseObject({
  pid: z.int(),
  host: z.string(),
  command: z.string(),
  acquired_at: timestamp,
  /** Older versions tied the owner to the lock directory's inode (which ext4 reuses at once). */
  lock_ino: z.optional(z.number()),
  /** The holder's token: unique per acquisition; the owner file inside the lock is named by it. */
  token: z.optional(z.string()),
}));
export type LockOwner = z.infer<typeof lockOwnerSchema>;

/** A write queued for the lock holder (group commit): its operation's name and JSON arguments. */
export const queuedRequestSchema = lazySchema(() => z.looseObject({
  token: z.string(),
  operation: z.string(),
  args: z.array(z.unknown()),
  pid: z.int(),
  host: z.string(),
  queued_at: z.number(),
}));
export type QueuedRequest = z.infer<typeof queuedRequestSchema>;

/** What a queued write came to, committed with it: its value, or its error as the caller would have seen it. */
export const queuedResultSchema = lazySchema(() => z.looseObject({
  token: z.string(),
  pid: z.int(),
  host: z.string(),
  outcome: z.union([
    z.looseObject({ ok: z.literal(true), value: z.unknown() }),
    z.looseObject({ ok: z.literal(false), error: z.looseObject({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }) }),
  ]),
}));
export type QueuedResult = z.infer<typeof queuedResultSchema>;

/** The results of one group commit, one file per group (each entry checked with queuedResultSchema by whoever reads it). */
export const queuedResultsSchema = lazySchema(() => z.looseObject({
  group: z.string(),
  results: z.array(z.looseObject({ token: z.string(), pid: z.int(), host: z.string() })),
}));
export type QueuedResults = z.infer<typeof queuedResultsSchema>;

/** Heartbeat runs of a track: each run of beats no further apart than the stale threshold. */
export const activitySchema = lazySchema(() => z.looseObject({
  ...versioned,
  intervals: z.array(z.looseObject({ start: timestamp, end: timestamp })),
}));
export type Activity = z.infer<typeof activitySchema>;
