import { TrackError } from '../core/model/errors';
import { EDITABLE_FIELDS } from '../core/editing';
import { assertJsonTextWithinLimits, MAX_JSON_BYTES, MAX_JSON_DEPTH } from '../core/storage/json-limits';
import { RUNS_ON_FINISH, type RunsOnFinish } from '../core/lifecycle';
import { viewTrack } from '../core/queries';
import { formatDetectReport } from '../core/recovery';
import { PRIORITIES, RUN_STATUSES, TRACK_TYPES, type RunStatus } from '../core/model/schemas';
import type { TrackStore } from '../core/store';
import { initCommand } from './init';
import { AGENT_COMMANDS } from './agent-commands';
import { CONTEXT_COMMANDS } from './context-commands';
import type { CheckoutReport } from '../core/track-checkout';
import { READ_COMMANDS } from './read-commands';
import type { CommandResult, CommandSpec, OptionSpec, Values } from './spec';
import { oneOf, str, trackIdOption as trackId } from './values';

const runId: OptionSpec = { type: 'string', required: true, value: 'ID', description: 'The workflow run id (see `track run list`)' };
const stateOption: OptionSpec = { type: 'string', value: 'JSON', description: `The run state as a JSON object (at most ${MAX_JSON_DEPTH} levels deep and ${MAX_JSON_BYTES / 1024 / 1024} MiB)` };
const totalOption: OptionSpec = { type: 'string', value: 'N', description: 'Total number of steps of the workflow' };

const list = (values: Values, name: string): string[] | undefined => values[name] as string[] | undefined;

function integer(values: Values, name: string): number | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new TrackError('E_INVALID_INPUT', `--${name} takes a whole number, not ${JSON.stringify(raw)}.`, { field: name });
  return Number(raw);
}

function jsonObject(values: Values, name: string): Record<string, unknown> | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  assertJsonTextWithinLimits(raw, `--${name}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new TrackError('E_INVALID_INPUT', `--${name} is not valid JSON (${(error as Error).message}); pass an object such as '{"key":"value"}'.`, { field: name });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TrackError('E_INVALID_INPUT', `--${name} must be a JSON object such as '{"key":"value"}'.`, { field: name });
  }
  return parsed as Record<string, unknown>;
}

/** `skipped_runs` in a result only when a checkpoint had to leave runs out. */
function skippedRuns(skipped: Array<{ run_id: string; problem: string }>): { skipped_runs?: typeof skipped } {
  return skipped.length > 0 ? { skipped_runs: skipped } : {};
}

function skippedWarnings(skipped: Array<{ run_id: string; problem: string }>): string[] {
  return skipped.map((run) => `the checkpoint leaves out run ${run.run_id}: ${run.problem}`);
}

const CHECKOUT_OPTIONS: Record<string, OptionSpec> = {
  checkout: { type: 'boolean', description: "Switch the repository to the track's branch (created from HEAD if missing); refused with E_DIRTY_WORKTREE if local changes would be overwritten" },
  stash: { type: 'boolean', description: 'Stash local changes first, under a message naming the track they belong to' },
  'pop-stash': { type: 'boolean', description: 'Pop the stash saved when this track was left' },
};

function checkoutOptions(values: Values) {
  return { checkout: Boolean(values.checkout), stash: Boolean(values.stash), popStash: Boolean(values['pop-stash']) };
}

function withGit(json: object, git: CheckoutReport | null): CommandResult {
  const warnings = git?.stash_available
    ? [`A stash saved when this track was left is waiting: ${git.stash_available.ref} "${git.stash_available.message}". Pop it with \`git stash pop ${git.stash_available.ref}\` (or resume with --pop-stash).`]
    : [];
  return { json: git ? { ...json, git } : json, warnings };
}

/** Transitions that print the track afterwards and take only --track-id (and maybe --reason). */
const runsOption: OptionSpec = {
  type: 'string',
  value: 'complete|fail',
  description: 'Unfinished workflow runs of the track: complete or fail them with it (without it, the command refuses while runs are running)',
};

function simpleTransition(
  name: 'ready' | 'archive' | 'reopen' | 'fail' | 'cancel',
  summary: string,
  run: (store: TrackStore, id: string, reason?: string, runs?: RunsOnFinish) => Promise<Parameters<typeof viewTrack>[0]>,
  needsReason = false,
): CommandSpec {
  return {
    name,
    summary,
    options: needsReason
      ? { 'track-id': trackId, reason: { type: 'string', required: true, value: 'TEXT', description: 'Why' }, runs: runsOption }
      : { 'track-id': trackId },
    run: async (store, values) => ({
      json: viewTrack(await run(store, str(values, 'track-id')!, str(values, 'reason'), needsReason ? oneOf(values, 'runs', RUNS_ON_FINISH) : undefined)),
    }),
  };
}

export const COMMANDS: CommandSpec[] = [
  initCommand,
  {
    name: 'create',
    summary: 'Create a track (draft, or ready with --ready)',
    options: {
      name: { type: 'string', required: true, value: 'TEXT', description: 'Descriptive name, 3–100 characters' },
      type: { type: 'string', required: true, value: 'TYPE', description: TRACK_TYPES.join(', ') },
      goal: { type: 'string', required: true, value: 'TEXT', description: 'What the track achieves' },
      priority: { type: 'string', value: 'P0-P3', description: 'P0 critical … P3 low (default P2)' },
      criteria: { type: 'string', multiple: true, value: 'TEXT', description: 'A success criterion (repeatable)' },
      description: { type: 'string', value: 'TEXT', description: 'Longer description' },
      tag: { type: 'string', multiple: true, value: 'TAG', description: 'A tag (repeatable)' },
      ready: { type: 'boolean', description: 'Create it ready to activate rather than draft' },
      branch: { type: 'string', value: 'NAME', description: 'The git branch of its work' },
      'new-branch': { type: 'boolean', description: 'Name its branch from the template (default {type}/{slug}; TRACK_BRANCH_TEMPLATE or --branch-template)' },
      'branch-template': { type: 'string', value: 'TEMPLATE', description: 'Template for --new-branch: {type}, {slug}, {id}, {date}' },
    },
    details: 'Example:\n  track create --name "OAuth Authentication" --type feature --goal "Add OAuth 2.0 login" --priority P1',
    run: async (store, values, invocation) => ({
      json: viewTrack(
        await store.createTrack({
          name: str(values, 'name')!,
          type: oneOf(values, 'type', TRACK_TYPES)!,
          goal: str(values, 'goal')!,
          priority: oneOf(values, 'priority', PRIORITIES),
          successCriteria: list(values, 'criteria'),
          description: str(values, 'description'),
          tags: list(values, 'tag'),
          ready: Boolean(values.ready),
          createdBy: 'cli',
          branch: str(values, 'branch'),
          newBranch: values['new-branch'] ? true : undefined,
          branchTemplate: str(values, 'branch-template') ?? (invocation.env.TRACK_BRANCH_TEMPLATE || undefined),
        }),
      ),
    }),
  },
  simpleTransition('ready', 'Mark a draft track ready', (store, id) => store.markReady(id)),
  {
    name: 'activate',
    summary: 'Activate a draft or ready track',
    options: {
      'track-id': trackId,
      force: { type: 'boolean', description: 'Pause the active track (with a checkpoint) instead of failing' },
      ...CHECKOUT_OPTIONS,
    },
    run: async (store, values) => {
      const { result, git } = await store.activateWithCheckout(str(values, 'track-id')!, { force: Boolean(values.force), ...checkoutOptions(values) });
      return withGit(viewTrack(result), git);
    },
  },
  {
    name: 'pause',
    summary: 'Pause the active track; a checkpoint is created first',
    options: { 'track-id': trackId, reason: { type: 'string', required: true, value: 'TEXT', description: 'Why it is paused' } },
    run: async (store, values) => {
      const { track, checkpoint, skipped_runs } = await store.suspendTrack(str(values, 'track-id')!, str(values, 'reason')!);
      return {
        json: { track_id: track.track_id, status: track.status, reason: str(values, 'reason')!.trim(), checkpoint: checkpoint.snapshot_id, ...skippedRuns(skipped_runs) },
        warnings: skippedWarnings(skipped_runs),
      };
    },
  },
  {
    name: 'resume',
    summary: 'Resume a paused track, optionally restoring one of its checkpoints',
    options: {
      'track-id': trackId,
      checkpoint: { type: 'string', value: 'ID', description: 'Restore this checkpoint first (the current state is checkpointed before)' },
      ...CHECKOUT_OPTIONS,
    },
    run: async (store, values) => {
      const { result, git } = await store.resumeWithCheckout(str(values, 'track-id')!, { checkpointId: str(values, 'checkpoint'), ...checkoutOptions(values) });
      return withGit({ ...viewTrack(result.track), checkpoint_restored: result.checkpoint_restored, checkpoint_saved: result.checkpoint_saved }, git);
    },
  },
  {
    name: 'switch',
    summary: 'Pause the active track (with a checkpoint) and activate another, atomically',
    options: { to: { type: 'string', required: true, value: 'ID', description: 'The track to activate' }, ...CHECKOUT_OPTIONS },
    run: async (store, values) => {
      const { result, git } = await store.switchWithCheckout(str(values, 'to')!, checkoutOptions(values));
      const shown = withGit(result, git);
      return { ...shown, warnings: [...(shown.warnings ?? []), ...skippedWarnings(result.skipped_runs ?? [])] };
    },
  },
  {
    name: 'complete',
    summary: 'Complete an active or paused track',
    options: {
      'track-id': trackId,
      summary: { type: 'string', value: 'TEXT', description: 'What was accomplished' },
      artifact: { type: 'string', multiple: true, value: 'FILE', description: 'An artifact created (repeatable)' },
      file: { type: 'string', multiple: true, value: 'FILE', description: 'A file modified (repeatable)' },
      lesson: { type: 'string', multiple: true, value: 'TEXT', description: 'A lesson learned (repeatable)' },
      runs: runsOption,
    },
    run: async (store, values) => ({
      json: viewTrack(
        await store.completeTrack(str(values, 'track-id')!, {
          summary: str(values, 'summary'),
          artifactsCreated: list(values, 'artifact'),
          filesModified: list(values, 'file'),
          lessonsLearned: list(values, 'lesson'),
          runs: oneOf(values, 'runs', RUNS_ON_FINISH),
        }),
      ),
    }),
  },
  simpleTransition('fail', 'Mark an active or paused track failed', (store, id, reason, runs) => store.failTrack(id, reason!, { runs }), true),
  simpleTransition('cancel', 'Cancel a track that has not finished', (store, id, reason, runs) => store.cancelTrack(id, reason!, { runs }), true),
  simpleTransition('archive', 'Archive a completed, failed or cancelled track', (store, id) => store.archiveTrack(id)),
  simpleTransition('reopen', 'Reopen a finished or archived track (it becomes ready)', (store, id) => store.reopenTrack(id)),
  // The read commands are in read-commands.ts, which the launcher runs from a small bundle of their own.
  ...READ_COMMANDS,
  {
    name: 'update',
    summary: 'Change one editable field of a track',
    options: {
      'track-id': trackId,
      field: { type: 'string', required: true, value: 'FIELD', description: EDITABLE_FIELDS.join(', ') },
      value: { type: 'string', required: true, value: 'VALUE', description: 'New value (lists: comma-separated or a JSON array)' },
    },
    details: 'Status is not editable: it changes only through lifecycle commands.',
    run: async (store, values) => ({ json: viewTrack(await store.updateTrack(str(values, 'track-id')!, str(values, 'field')!, str(values, 'value')!)) }),
  },
  {
    name: 'context add-decision',
    summary: "Record a decision in the track's context",
    options: { 'track-id': trackId, text: { type: 'string', required: true, value: 'TEXT', description: 'The decision' }, rationale: { type: 'string', value: 'TEXT', description: 'Why' } },
    run: async (store, values) => ({ json: await store.addDecision(str(values, 'track-id')!, { text: str(values, 'text')!, rationale: str(values, 'rationale') }) }),
  },
  {
    name: 'context add-assumption',
    summary: "Record a working assumption in the track's context",
    options: { 'track-id': trackId, text: { type: 'string', required: true, value: 'TEXT', description: 'The assumption' }, rationale: { type: 'string', value: 'TEXT', description: 'Why' } },
    run: async (store, values) => ({ json: await store.addAssumption(str(values, 'track-id')!, { text: str(values, 'text')!, rationale: str(values, 'rationale') }) }),
  },
  {
    name: 'context add-artifact',
    summary: "Store an artifact in the track's context/artifacts folder",
    options: {
      'track-id': trackId,
      name: { type: 'string', required: true, value: 'FILE', description: 'File name (no folders)' },
      content: { type: 'string', value: 'TEXT', description: 'The content' },
      from: { type: 'string', value: 'PATH', description: 'Copy this file instead' },
    },
    run: async (store, values) => ({
      json: await store.addArtifact(str(values, 'track-id')!, { name: str(values, 'name')!, content: str(values, 'content'), fromFile: str(values, 'from') }),
    }),
  },
  {
    name: 'checkpoint create',
    summary: 'Checkpoint a track: its record, context, runs and git position',
    options: { 'track-id': trackId, name: { type: 'string', value: 'TEXT', description: 'A short name' }, reason: { type: 'string', value: 'TEXT', description: 'Why' } },
    run: async (store, values) => {
      const checkpoint = await store.createCheckpoint(str(values, 'track-id')!, { name: str(values, 'name'), reason: str(values, 'reason') });
      return {
        json: { snapshot_id: checkpoint.snapshot_id, track_id: checkpoint.track_id, type: checkpoint.type, created_at: checkpoint.created_at, git: checkpoint.state.project.git, ...skippedRuns(checkpoint.skipped_runs) },
        warnings: skippedWarnings(checkpoint.skipped_runs),
      };
    },
  },
  {
    name: 'checkpoint list',
    summary: "List a track's checkpoints, newest first",
    options: { 'track-id': trackId },
    run: async (store, values) => {
      const { checkpoints, problems } = await store.listCheckpoints(str(values, 'track-id')!);
      return { json: checkpoints, warnings: problems.map((problem) => problem.message) };
    },
  },
  {
    name: 'checkpoint restore',
    summary: 'Restore a checkpoint into an active or paused track (the current state is checkpointed first)',
    options: {
      'track-id': trackId,
      checkpoint: { type: 'string', required: true, value: 'ID', description: 'The checkpoint to restore' },
      checkout: { type: 'boolean', description: "Also check out the checkpoint's branch (never a detached reset)" },
    },
    details: "The output's `checkpoint_git` shows the branch and commit the checkpoint was taken at; git is left alone unless --checkout is given.",
    run: async (store, values) => {
      const trackIdValue = str(values, 'track-id')!;
      const checkpointId = str(values, 'checkpoint')!;
      const result = await store.restoreCheckpoint(trackIdValue, checkpointId);
      const checkpointGit = result.checkpoint_git;
      const warnings: string[] = [];
      let checkedOut: unknown = null;
      if (values.checkout && checkpointGit?.branch) checkedOut = await store.checkoutCheckpointBranch(checkpointGit.branch, checkpointGit.head);
      else if (checkpointGit?.branch && checkpointGit.branch !== result.current_git?.branch) {
        warnings.push(`The checkpoint was taken on branch ${checkpointGit.branch} (commit ${checkpointGit.head ?? 'unknown'}); the repository is on ${result.current_git?.branch ?? 'a detached HEAD'}. Add --checkout to switch to ${checkpointGit.branch}.`);
      }
      return {
        json: { ...viewTrack(result.track), checkpoint_restored: result.checkpoint_restored, checkpoint_saved: result.checkpoint_saved, checkpoint_git: checkpointGit, checkout: checkedOut },
        warnings,
      };
    },
  },
  {
    name: 'run start',
    summary: 'Start a workflow run in the active track',
    options: {
      'track-id': trackId,
      workflow: { type: 'string', required: true, value: 'NAME', description: 'Workflow name or file, e.g. greenfield-fullstack.yaml' },
      total: totalOption,
      state: stateOption,
      'owner-pid': { type: 'string', value: 'PID', description: 'Process that owns the run (recovery flags it when that process dies); default TRACK_OWNER_PID' },
    },
    run: async (store, values) => ({
      json: await store.startRun(str(values, 'track-id')!, { workflow: str(values, 'workflow')!, totalSteps: integer(values, 'total'), state: jsonObject(values, 'state') }),
    }),
  },
  {
    name: 'run step',
    summary: 'Record a completed step (writes an automatic snapshot)',
    options: {
      'run-id': runId,
      step: { type: 'string', required: true, value: 'N', description: 'The step just completed' },
      total: totalOption,
      state: stateOption,
      'owner-pid': { type: 'string', value: 'PID', description: 'Process that owns the run; default TRACK_OWNER_PID' },
    },
    run: async (store, values) => {
      const { run, snapshot } = await store.recordRunStep(str(values, 'run-id')!, { step: integer(values, 'step')!, totalSteps: integer(values, 'total'), state: jsonObject(values, 'state') });
      return { json: { run_id: run.run_id, status: run.status, current_step: run.current_step, total_steps: run.total_steps, snapshot: snapshot.snapshot_id } };
    },
  },
  {
    name: 'run complete',
    summary: 'Mark a workflow run completed',
    options: { 'run-id': runId },
    run: async (store, values) => ({ json: await store.completeRun(str(values, 'run-id')!) }),
  },
  {
    name: 'run fail',
    summary: 'Mark a workflow run failed',
    options: { 'run-id': runId, reason: { type: 'string', value: 'TEXT', description: 'Why' } },
    run: async (store, values) => ({ json: await store.failRun(str(values, 'run-id')!, str(values, 'reason')) }),
  },
  {
    name: 'run list',
    summary: 'List workflow runs',
    options: {
      'track-id': { ...trackId, required: false, description: 'Only runs of this track' },
      status: { type: 'string', value: 'STATUS', description: RUN_STATUSES.join(', ') },
    },
    run: async (store, values) => ({ json: await store.listRuns({ trackId: str(values, 'track-id'), status: oneOf<RunStatus>(values, 'status', RUN_STATUSES) }) }),
  },
  {
    name: 'snapshot list',
    summary: 'List checkpoints and run snapshots, newest first',
    options: {
      'track-id': { ...trackId, required: false, description: 'Only this track' },
      'run-id': { ...runId, required: false, description: 'Only this run' },
    },
    run: async (store, values) => {
      const { snapshots, problems } = await store.listSnapshots({ trackId: str(values, 'track-id'), runId: str(values, 'run-id') });
      return { json: snapshots, warnings: problems.map((problem) => problem.message) };
    },
  },
  {
    name: 'snapshot prune',
    summary: "Keep the newest N snapshots of each track and run (never a track's last checkpoint)",
    options: {
      'keep-count': { type: 'string', required: true, value: 'N', description: 'How many to keep per track and per run' },
      'track-id': { ...trackId, required: false, description: 'Only this track' },
      'dry-run': { type: 'boolean', description: 'Report what would be removed, remove nothing' },
    },
    run: async (store, values) => ({
      json: await store.pruneSnapshots({ keepCount: integer(values, 'keep-count')!, trackId: str(values, 'track-id'), dryRun: Boolean(values['dry-run']) }),
    }),
  },
  {
    name: 'recover detect',
    summary: 'Detect interrupted tracks and workflow runs',
    textByDefault: true,
    options: { 'stale-after': { type: 'string', value: 'MINUTES', description: 'Untouched for this long counts as interrupted (default 30)' } },
    run: async (store, values) => {
      const result = await store.detectInterrupted(integer(values, 'stale-after'));
      return { json: result, text: formatDetectReport(result, store.ctx.now()) };
    },
  },
  {
    name: 'recover resume',
    summary: 'Resume interrupted work from its newest checkpoint or snapshot',
    options: {
      'track-id': { ...trackId, required: false, description: 'The interrupted track' },
      'run-id': { ...runId, required: false, description: 'The interrupted workflow run' },
      'owner-pid': { type: 'string', value: 'PID', description: 'Process that takes over the run; default TRACK_OWNER_PID' },
    },
    details: 'Give exactly one of --track-id and --run-id. The current state is saved first, so nothing is lost.',
    run: async (store, values) => {
      const track = str(values, 'track-id');
      const run = str(values, 'run-id');
      if ((track === undefined) === (run === undefined)) {
        throw new TrackError('E_USAGE', 'Give exactly one of --track-id and --run-id. See `track recover resume --help`.');
      }
      return { json: track !== undefined ? await store.recoverTrack(track) : await store.recoverRun(run!) };
    },
  },
  {
    name: 'recover damaged',
    summary: 'Rewrite a damaged track.json from the track\'s newest checkpoint',
    options: { 'track-id': { ...trackId, description: 'The track whose track.json cannot be read' } },
    details: 'The damaged file is kept beside it as track.json.damaged-<time>; status and priority stay as the index last recorded them.',
    run: async (store, values) => ({ json: await store.recoverDamagedTrack(str(values, 'track-id')!) }),
  },
  {
    name: 'doctor',
    summary: 'Check the store (registry, files, temp files, locks); --repair fixes what it safely can',
    options: { repair: { type: 'boolean', description: 'Repair what can be repaired without losing data' } },
    run: async (store, values) => {
      const report = await store.doctor({ repair: Boolean(values.repair) });
      return { json: report, exitCode: report.healthy ? 0 : 15 };
    },
  },
  ...AGENT_COMMANDS,
  ...CONTEXT_COMMANDS,
];
