/**
 * The tool catalogue coding agents use: one list, served by `track mcp` (Model Context Protocol)
 * and by the VS Code extension's language-model tools. Input schemas are the core's own zod
 * schemas (the ones every write validates with), so a tool accepts exactly what the CLI accepts;
 * their JSON Schema form is derived, never written by hand.
 */
import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';
import { toTrackError, TrackError, type ErrorCode } from './model/errors';
import { MAX_ID_LENGTH } from './model/ids';
import { ORIGIN_RUN_ID_PATTERN } from './origin-runs';
import { blockText, lineText, parseInput } from './model/input';
import { completeDetailsSchema, createInputSchema } from './lifecycle';
import { startRunSchema, stepSchema } from './runs';
import { PRIORITIES, TRACK_STATUSES, TRACK_TYPES, runIdSchema, snapshotIdSchema, trackIdSchema, type Track } from './model/schemas';
import type { TrackStore } from './store';
import { entryInputSchema } from './track-context';

/** Recovery also takes the original track-manager's run ids, which detect_interrupted reports. */
const recoverableRunIdSchema = lazySchema(() => z.string().check(z.maxLength(MAX_ID_LENGTH), z.regex(ORIGIN_RUN_ID_PATTERN)));
const optionalTrackId = { trackId: z.optional(trackIdSchema) };

/** A track as a model needs it: who, what, how far, and the newest checkpoint. */
export function compactTrack(track: Track) {
  return {
    track_id: track.track_id,
    name: track.name,
    type: track.type,
    status: track.status,
    priority: track.priority,
    progress_percentage: track.progress.percentage,
    goal: track.context.goal,
    last_checkpoint: track.last_checkpoint ?? null,
    updated_at: track.updated_at,
  };
}

export interface ToolDefinition<S extends z.ZodMiniObject = z.ZodMiniObject> {
  /** verb_noun, as MCP clients and VS Code show it. */
  name: string;
  /** A short human title (VS Code's tool picker, MCP's `title`). */
  title: string;
  /** Written for a model: what it does, when to use it, what it returns. */
  description: string;
  input: S;
  /** Reads only: no confirmation needed, safe to retry. */
  readOnly: boolean;
  run(store: TrackStore, input: z.infer<S>): Promise<unknown>;
  /** For writes: the change in words, given the track's name (never a raw id). */
  describe?(input: z.infer<S>, track: string): string;
}

function tool<S extends z.ZodMiniObject>(definition: ToolDefinition<S>): ToolDefinition {
  return definition;
}

/** The track a write aims at: the one named, else the active track. */
async function targetTrackId(store: TrackStore, trackId: string | undefined): Promise<string> {
  if (trackId !== undefined) return trackId;
  const active = await store.getActiveTrack();
  if (!active) {
    throw new TrackError('E_INVALID_INPUT', 'No track is active, so trackId is required. Call list_tracks to find one, or activate_track first.', { field: 'trackId' });
  }
  return active.track_id;
}

export const TOOLS: ToolDefinition[] = [
  tool({
    name: 'get_active_track',
    title: 'Get the active track',
    description: 'Returns the track being worked on now (at most one is active), or null when none is. Call this at the start of a task to learn the goal and progress before you change anything. Returns {track_id, name, type, status, priority, progress_percentage, goal, last_checkpoint, updated_at} or null.',
    input: lazySchema(() => z.strictObject({})),
    readOnly: true,
    run: async (store) => {
      const active = await store.getActiveTrack();
      return active ? compactTrack(active) : null;
    },
  }),
  tool({
    name: 'list_tracks',
    title: 'List tracks',
    description: 'Lists the tracks of this workspace (features, fixes, refactors…), optionally filtered by status, type or priority. Use it to find a track id. Returns {tracks: [{track_id, name, type, status, priority, progress_percentage, updated_at}], problems: [unreadable files]}.',
    input: lazySchema(() => z.strictObject({
      status: z.optional(z.enum(TRACK_STATUSES)),
      type: z.optional(z.enum(TRACK_TYPES)),
      priority: z.optional(z.enum(PRIORITIES)),
    })),
    readOnly: true,
    run: async (store, input) => {
      const { tracks, problems } = await store.listTracks(input);
      return {
        tracks: tracks.map(({ created_at: _created, ...summary }) => summary),
        problems: problems.map((problem) => problem.message),
      };
    },
  }),
  tool({
    name: 'show_track',
    title: 'Show a track',
    description: 'Returns one track in full: goal, success criteria, progress, decisions and assumptions recorded so far, its checkpoints (newest first) and workflow runs. Omit trackId for the active track. Use it before resuming work on a track.',
    input: lazySchema(() => z.strictObject({ ...optionalTrackId })),
    readOnly: true,
    run: async (store, input) => {
      const details = await store.getTrackDetails(await targetTrackId(store, input.trackId));
      const track = details.track;
      return {
        ...compactTrack(track),
        description: track.description ?? null,
        success_criteria: track.context.success_criteria,
        decisions: details.context.decisions.map(({ id, text, rationale }) => ({ id, text, ...(rationale ? { rationale } : {}) })),
        assumptions: details.context.assumptions.map(({ id, text, rationale }) => ({ id, text, ...(rationale ? { rationale } : {}) })),
        checkpoints: details.checkpoints.slice(0, 10).map(({ snapshot_id, name, created_at }) => ({ snapshot_id, name, created_at })),
        runs: details.runs.map(({ run_id, workflow, status, current_step, total_steps }) => ({ run_id, workflow, status, current_step, total_steps })),
        outcomes: track.outcomes ?? null,
        problems: details.problems.map((problem) => problem.message),
      };
    },
  }),
  tool({
    name: 'create_track',
    title: 'Create a track',
    description: 'Creates a track for a new piece of work (draft, or ready with ready=true); it does not activate it — call activate_track next to start working on it. name: 3–100 characters; type: the kind of work; goal: what it achieves; priority P0 (critical) … P3 (low), default P2. Returns the new track with its track_id.',
    input: createInputSchema,
    readOnly: false,
    run: async (store, input) => compactTrack(await store.createTrack({ ...input, createdBy: input.createdBy ?? 'agent' })),
    describe: (input) => `Create the ${input.priority ?? 'P2'} ${input.type} track “${input.name}”.`,
  }),
  tool({
    name: 'activate_track',
    title: 'Activate a track',
    description: 'Makes a draft or ready track the active one. Fails with E_ANOTHER_ACTIVE if another track is active, unless force=true (which pauses that one with a checkpoint). To move between existing tracks prefer switch_track. Returns the activated track.',
    input: lazySchema(() => z.strictObject({ trackId: trackIdSchema, force: z.optional(z.boolean()) })),
    readOnly: false,
    run: async (store, input) => compactTrack(await store.activateTrack(input.trackId, { force: input.force })),
    describe: (input, track) => `Activate ${track}${input.force ? ', pausing the track that is active now' : ''}.`,
  }),
  tool({
    name: 'switch_track',
    title: 'Switch to a track',
    description: 'Pauses the active track (saving a checkpoint) and activates trackId (draft, ready or paused) in one atomic step. Use it when the user changes what to work on. Returns {suspended, activated, checkpoint}.',
    input: lazySchema(() => z.strictObject({ trackId: trackIdSchema })),
    readOnly: false,
    run: (store, input) => store.switchTrack(input.trackId),
    describe: (_input, track) => `Switch to ${track}; the active track is paused with a checkpoint.`,
  }),
  tool({
    name: 'pause_track',
    title: 'Pause a track',
    description: 'Pauses the active track; a checkpoint of its state is saved first so the work can be resumed later. reason: why (one line). Omit trackId for the active track. Returns {track_id, status, reason, checkpoint}.',
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, reason: lineText(1, 1000) })),
    readOnly: false,
    run: async (store, input) => {
      const { track, checkpoint } = await store.pauseTrack(await targetTrackId(store, input.trackId), input.reason);
      return { track_id: track.track_id, status: track.status, reason: input.reason, checkpoint: checkpoint.snapshot_id };
    },
    describe: (input, track) => `Pause ${track} (reason: ${input.reason}); a checkpoint is saved first.`,
  }),
  tool({
    name: 'resume_track',
    title: 'Resume a track',
    description: 'Makes a paused track active again, optionally restoring one of its checkpoints first (checkpointId; the current state is checkpointed before, so nothing is lost). Fails with E_ANOTHER_ACTIVE if another track is active — use switch_track then. Returns the track.',
    input: lazySchema(() => z.strictObject({ trackId: trackIdSchema, checkpointId: z.optional(snapshotIdSchema) })),
    readOnly: false,
    run: async (store, input) => {
      const result = await store.resumeTrack(input.trackId, { checkpointId: input.checkpointId });
      return { ...compactTrack(result.track), checkpoint_restored: result.checkpoint_restored, checkpoint_saved: result.checkpoint_saved };
    },
    describe: (input, track) => `Resume ${track}${input.checkpointId ? ' from an earlier checkpoint' : ''}.`,
  }),
  tool({
    name: 'complete_track',
    title: 'Complete a track',
    description: 'Marks an active or paused track completed (progress 100%) and records the outcome: summary of what was accomplished, artifactsCreated and filesModified (paths), lessonsLearned. Omit trackId for the active track. Call it only when the goal is met. Returns the track.',
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, ...completeDetailsSchema.shape })),
    readOnly: false,
    run: async (store, input) => {
      const { trackId, ...details } = input;
      const track = await store.completeTrack(await targetTrackId(store, trackId), details);
      return { ...compactTrack(track), outcomes: track.outcomes ?? null };
    },
    describe: (input, track) => `Mark ${track} completed${input.summary ? `: ${input.summary}` : ''}.`,
  }),
  tool({
    name: 'create_checkpoint',
    title: 'Create a checkpoint',
    description: 'Saves a checkpoint of a track (its record, decisions, assumptions, runs and git position) so the work can be restored after an interruption. Do this before risky changes and at milestones. Omit trackId for the active track. Returns {snapshot_id, track_id, created_at, git}.',
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, name: z.optional(lineText(1, 100)), reason: z.optional(blockText(1000)) })),
    readOnly: false,
    run: async (store, input) => {
      const checkpoint = await store.createCheckpoint(await targetTrackId(store, input.trackId), { name: input.name, reason: input.reason });
      return { snapshot_id: checkpoint.snapshot_id, track_id: checkpoint.track_id, created_at: checkpoint.created_at, git: checkpoint.state.project.git };
    },
    describe: (input, track) => `Save a checkpoint of ${track}${input.name ? ` named “${input.name}”` : ''}.`,
  }),
  tool({
    name: 'add_decision',
    title: 'Record a decision',
    description: "Records a decision in a track's context (text, optional rationale) so whoever resumes the track — you or another agent — knows what was decided and why. Omit trackId for the active track. Returns the entry with its id.",
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, ...entryInputSchema.shape })),
    readOnly: false,
    run: async (store, input) => store.addDecision(await targetTrackId(store, input.trackId), { text: input.text, rationale: input.rationale }),
    describe: (input, track) => `Record a decision in ${track}: ${input.text}`,
  }),
  tool({
    name: 'add_assumption',
    title: 'Record an assumption',
    description: "Records a working assumption in a track's context (text, optional rationale), so it can be checked later. Omit trackId for the active track. Returns the entry with its id.",
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, ...entryInputSchema.shape })),
    readOnly: false,
    run: async (store, input) => store.addAssumption(await targetTrackId(store, input.trackId), { text: input.text, rationale: input.rationale }),
    describe: (input, track) => `Record an assumption in ${track}: ${input.text}`,
  }),
  tool({
    name: 'start_run',
    title: 'Start a workflow run',
    description: 'Starts a multi-step workflow run in the active track (workflow: its name; totalSteps: how many steps; state: any JSON object to resume from). Record each finished step with record_run_step and end with finish_run. Returns the run with its run_id.',
    input: lazySchema(() => z.strictObject({ ...optionalTrackId, ...startRunSchema.shape })),
    readOnly: false,
    run: async (store, input) => {
      const { trackId, ...run } = input;
      const started = await store.startRun(await targetTrackId(store, trackId), run);
      return { run_id: started.run_id, track_id: started.track_id, workflow: started.workflow, status: started.status, current_step: started.current_step, total_steps: started.total_steps };
    },
    describe: (input, track) => `Start the workflow “${input.workflow}” in ${track}.`,
  }),
  tool({
    name: 'record_run_step',
    title: 'Record a workflow step',
    description: 'Records that step number `step` of a run is done (optionally the new totalSteps and the state to resume from); an automatic snapshot is written, which recover uses after an interruption. Returns {run_id, status, current_step, total_steps, snapshot}.',
    input: lazySchema(() => z.strictObject({ runId: runIdSchema, ...stepSchema.shape })),
    readOnly: false,
    run: async (store, input) => {
      const { runId, ...step } = input;
      const { run, snapshot } = await store.recordRunStep(runId, step);
      return { run_id: run.run_id, status: run.status, current_step: run.current_step, total_steps: run.total_steps, snapshot: snapshot.snapshot_id };
    },
    describe: (input) => `Record step ${input.step} of the workflow run.`,
  }),
  tool({
    name: 'finish_run',
    title: 'Finish a workflow run',
    description: 'Ends a workflow run as completed or failed (with a reason). Returns the run summary.',
    input: lazySchema(() => z.strictObject({ runId: runIdSchema, outcome: z.enum(['completed', 'failed']), reason: z.optional(blockText(1000)) })),
    readOnly: false,
    run: async (store, input) => (input.outcome === 'completed' ? store.completeRun(input.runId) : store.failRun(input.runId, input.reason)),
    describe: (input) => `Mark the workflow run ${input.outcome}${input.reason ? ` (${input.reason})` : ''}.`,
  }),
  tool({
    name: 'detect_interrupted',
    title: 'Detect interrupted work',
    description: 'Finds interrupted work: the active track or a running workflow untouched for staleAfterMinutes (default 30), or a run whose owner process died. Call it at the start of a session; resume what it finds with recover. Returns {stale_after_minutes, count, interrupted: [...]}.',
    input: lazySchema(() => z.strictObject({ staleAfterMinutes: z.optional(z.number().check(z.gte(0), z.lte(525_600))) })),
    readOnly: true,
    run: (store, input) => store.detectInterrupted(input.staleAfterMinutes),
  }),
  tool({
    name: 'recover',
    title: 'Recover interrupted work',
    description: 'Resumes interrupted work from its newest checkpoint (trackId) or automatic snapshot (runId); give exactly one. The current state is saved first, so nothing is lost. Returns what was restored, for a run also the step and state to continue from.',
    input: lazySchema(() => z.strictObject({ trackId: z.optional(trackIdSchema), runId: z.optional(recoverableRunIdSchema) })),
    readOnly: false,
    run: async (store, input) => {
      if ((input.trackId === undefined) === (input.runId === undefined)) {
        throw new TrackError('E_INVALID_INPUT', 'Give exactly one of trackId and runId; detect_interrupted lists both kinds.', { field: 'trackId' });
      }
      return input.trackId !== undefined ? store.recoverTrack(input.trackId) : store.recoverRun(input.runId!);
    },
    describe: (input, track) => (input.runId ? 'Recover the interrupted workflow run from its newest snapshot.' : `Recover ${track} from its newest checkpoint.`),
  }),
];

export function findTool(name: string): ToolDefinition | undefined {
  return TOOLS.find((candidate) => candidate.name === name);
}

/** The JSON Schema of a tool's arguments (draft 2020-12, as MCP and VS Code take it). */
export function toolJsonSchema(definition: ToolDefinition): Record<string, unknown> {
  const schema = z.toJSONSchema(definition.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

/** What to do next after each error, worded for a model calling tools rather than a person typing commands. */
const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  E_INVALID_INPUT: 'Fix the named field and call the tool again.',
  E_TRACK_NOT_FOUND: 'Call list_tracks to find the right trackId.',
  E_ANOTHER_ACTIVE: 'Only one track can be active: call switch_track to move to this one (the active one is paused with a checkpoint), or pause_track first.',
  E_INVALID_TRANSITION: 'Call show_track to see the track\'s status; only the allowed transitions work from it.',
  E_LOCK_TIMEOUT: 'Another writer holds the store lock; wait a few seconds and retry.',
  E_LOCK_COMPROMISED: 'The write was aborted and the store left unchanged; retry.',
  E_CORRUPT_FILE: 'A store file is unreadable; tell the user to run `track doctor` (and `track doctor --repair`).',
  E_UNSUPPORTED_SCHEMA: 'The store was written by a newer Track Manager; tell the user to upgrade.',
  E_NO_SNAPSHOT: 'There is nothing to restore from; continue the work from its current state.',
  E_RUN_NOT_FOUND: 'Call show_track to list the runs of a track.',
  E_CHECKPOINT_NOT_FOUND: 'Call show_track to list the track\'s checkpoints.',
  E_IO: 'Retry; if it persists, tell the user to run `track doctor`.',
};

export type ToolOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: ErrorCode; message: string; next?: string; details?: Record<string, unknown> } };

/** Validates the arguments and runs the tool; never throws, so a bad call is a value, not a crash. */
export async function callTool(store: TrackStore, name: string, args: unknown): Promise<ToolOutcome> {
  try {
    const definition = findTool(name);
    if (!definition) {
      throw new TrackError('E_USAGE', `Unknown tool "${name}". Tools: ${TOOLS.map((t) => t.name).join(', ')}.`);
    }
    const input = parseInput(definition.input, args ?? {}, `${name} argument`);
    return { ok: true, result: await definition.run(store, input) };
  } catch (error) {
    const trackError = toTrackError(error);
    const next = NEXT_STEP[trackError.code];
    return {
      ok: false,
      error: {
        code: trackError.code,
        message: trackError.message,
        ...(next ? { next } : {}),
        ...(Object.keys(trackError.details).length ? { details: trackError.details } : {}),
      },
    };
  }
}

/**
 * The confirmation an editor shows before a write: the change in words, naming the track. Reads
 * need none (null). Input that does not validate is described plainly; the call itself reports it.
 */
export async function describeToolCall(store: TrackStore, name: string, args: unknown): Promise<{ title: string; message: string } | null> {
  const definition = findTool(name);
  if (!definition || definition.readOnly || !definition.describe) return null;
  const parsed = definition.input.safeParse(args ?? {});
  if (!parsed.success) return { title: definition.title, message: `${definition.title} (the arguments look invalid; the call will report why).` };
  const input = parsed.data as Record<string, unknown>;
  const trackId = typeof input.trackId === 'string' ? input.trackId : undefined;
  let track: string;
  try {
    const name = trackId !== undefined ? (await store.getTrack(trackId)).name : (await store.getActiveTrack())?.name;
    track = name ? `“${name}”` : 'the active track (none is active now)';
  } catch {
    track = trackId !== undefined ? 'a track that cannot be read (the call will say why)' : 'the active track';
  }
  return { title: definition.title, message: definition.describe(input, track) };
}
