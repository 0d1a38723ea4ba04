import { z } from 'zod';
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

export const trackIdSchema = z.string().max(MAX_ID_LENGTH).regex(TRACK_ID_PATTERN);
const runIdSchema = z.string().max(MAX_ID_LENGTH).regex(SLUG_ID_PATTERN);
const snapshotIdSchema = z.string().max(MAX_ID_LENGTH).regex(SNAPSHOT_ID_PATTERN);
const timestamp = z.iso.datetime({ offset: true });
const versioned = { schema_version: z.literal(SCHEMA_VERSION) };

export const statusChangeSchema = z.looseObject({
  from: z.enum(TRACK_STATUSES).nullable(),
  to: z.enum(TRACK_STATUSES),
  at: timestamp,
  reason: z.string().optional(),
});

export const trackSchema = z.looseObject({
  ...versioned,
  track_id: trackIdSchema,
  name: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  type: z.enum(TRACK_TYPES),
  status: z.enum(TRACK_STATUSES),
  priority: z.enum(PRIORITIES),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: timestamp.optional(),
  completed_at: timestamp.optional(),
  last_activated_at: timestamp.optional(),
  source: z.looseObject({ type: z.string(), created_by: z.string().optional() }).optional(),
  context: z.looseObject({
    goal: z.string(),
    success_criteria: z.array(z.string()),
  }),
  steps: z.array(z.looseObject({})),
  progress: z.looseObject({ percentage: z.number().min(0).max(100) }),
  outcomes: z
    .looseObject({
      result: z.enum(['success', 'partial', 'failed', 'cancelled']).optional(),
      summary: z.string().optional(),
      artifacts_created: z.array(z.string()).optional(),
      files_modified: z.array(z.string()).optional(),
      lessons_learned: z.array(z.string()).optional(),
    })
    .optional(),
  metrics: z.looseObject({
    active_duration_ms: z.number().int().min(0),
    pause_count: z.number().int().min(0),
    snapshots_created: z.number().int().min(0),
  }),
  status_history: z.array(statusChangeSchema),
  last_checkpoint: snapshotIdSchema.nullable().optional(),
  metadata: z.looseObject({ tags: z.array(z.string()).optional(), notes: z.string().optional() }).optional(),
});
export type Track = z.infer<typeof trackSchema>;

export const trackSummarySchema = z.looseObject({
  name: z.string(),
  type: z.enum(TRACK_TYPES),
  status: z.enum(TRACK_STATUSES),
  priority: z.enum(PRIORITIES),
  progress_percentage: z.number().min(0).max(100),
  created_at: timestamp,
  updated_at: timestamp,
});
export type TrackSummaryEntry = z.infer<typeof trackSummarySchema>;

export const runSummarySchema = z.looseObject({
  track_id: trackIdSchema,
  workflow: z.string(),
  status: z.enum(RUN_STATUSES),
  current_step: z.number().int().min(0),
  total_steps: z.number().int().min(1).nullable(),
  updated_at: timestamp,
});
export type RunSummaryEntry = z.infer<typeof runSummarySchema>;

export const registrySchema = z.looseObject({
  ...versioned,
  active_track: trackIdSchema.nullable(),
  updated_at: timestamp,
  tracks: z.record(trackIdSchema, trackSummarySchema),
  runs: z.record(runIdSchema, runSummarySchema),
});
export type Registry = z.infer<typeof registrySchema>;

export const ownerSchema = z.looseObject({
  pid: z.number().int().positive().nullable(),
  host: z.string(),
  since: timestamp,
});
export type Owner = z.infer<typeof ownerSchema>;

export const runSchema = z.looseObject({
  ...versioned,
  run_id: runIdSchema,
  track_id: trackIdSchema,
  workflow: z.string(),
  selected_workflow: z.string(),
  status: z.enum(RUN_STATUSES),
  current_step: z.number().int().min(0),
  total_steps: z.number().int().min(1).nullable(),
  state: z.record(z.string(), z.unknown()),
  owner: ownerSchema,
  heartbeat_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.optional(),
  last_snapshot: snapshotIdSchema.nullable(),
});
export type Run = z.infer<typeof runSchema>;

export const contextEntrySchema = z.looseObject({
  id: z.string(),
  text: z.string(),
  rationale: z.string().optional(),
  at: timestamp,
});
export type ContextEntry = z.infer<typeof contextEntrySchema>;

export const decisionsSchema = z.looseObject({ ...versioned, decisions: z.array(contextEntrySchema) });
export const assumptionsSchema = z.looseObject({ ...versioned, assumptions: z.array(contextEntrySchema) });

const gitStateSchema = z.looseObject({ branch: z.string().nullable(), head: z.string().nullable() });

export const checkpointSchema = z.looseObject({
  ...versioned,
  snapshot_id: snapshotIdSchema,
  type: z.enum(SNAPSHOT_TYPES),
  created_at: timestamp,
  track_id: trackIdSchema,
  name: z.string().max(100).optional(),
  description: z.string().optional(),
  trigger: z.looseObject({ source: z.string(), event: z.string().optional() }),
  state: z.looseObject({
    version: z.string(),
    track: trackSchema,
    context: z.looseObject({
      decisions: z.array(contextEntrySchema),
      assumptions: z.array(contextEntrySchema),
    }),
    runs: z.array(z.looseObject({ run_id: runIdSchema })),
    project: z.looseObject({ root_path: z.string(), git: gitStateSchema.nullable() }),
  }),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const runSnapshotSchema = z.looseObject({
  ...versioned,
  snapshot_id: snapshotIdSchema,
  type: z.enum(SNAPSHOT_TYPES),
  created_at: timestamp,
  track_id: trackIdSchema,
  run_id: runIdSchema,
  trigger: z.looseObject({ source: z.string(), step_number: z.number().int().min(0).optional() }),
  state: z.looseObject({
    version: z.string(),
    run: z.looseObject({
      status: z.enum(RUN_STATUSES),
      current_step: z.number().int().min(0),
      total_steps: z.number().int().min(1).nullable(),
      state: z.record(z.string(), z.unknown()),
    }),
  }),
});
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;

export const journalSchema = z.looseObject({
  ...versioned,
  created_at: timestamp,
  entries: z.array(z.looseObject({ target: z.string(), temp: z.string() })),
});
export type Journal = z.infer<typeof journalSchema>;

export const lockOwnerSchema = z.looseObject({
  pid: z.number().int(),
  host: z.string(),
  command: z.string(),
  acquired_at: timestamp,
  lock_ino: z.number(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;
