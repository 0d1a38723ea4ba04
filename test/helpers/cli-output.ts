// What each `track` command prints with --json, in the core's own types, keyed by the command's
// words (`src/cli/commands.ts` builds these objects). Tests get typed output from `Workspace.ok`
// without naming a type at the call site; a command not listed here prints `unknown`.
import type { AgentName, CliInvocation } from '../../src/core/agent-setup';
import type { InitResult } from '../../src/core/init';
import type { SwitchResult } from '../../src/core/lifecycle';
import type { MergeConflict } from '../../src/core/model/schemas';
import type { TrackView } from '../../src/core/queries';
import type { TrackStore } from '../../src/core/store';
import type { CheckoutReport } from '../../src/core/track-checkout';

type Result<M extends keyof TrackStore> = TrackStore[M] extends (...args: never[]) => Promise<infer R> ? R : never;

interface SkippedRuns { skipped_runs?: Array<{ run_id: string; problem: string }> }
type WithGit<T> = T & { git?: CheckoutReport };
type Restored = TrackView & { checkpoint_restored: string | null; checkpoint_saved: string | null };
type Details = Result<'getTrackDetails'>;

export interface CliOutputs {
  create: TrackView;
  ready: TrackView;
  archive: TrackView;
  reopen: TrackView;
  fail: TrackView;
  cancel: TrackView;
  update: TrackView;
  complete: TrackView;
  activate: WithGit<TrackView>;
  resume: WithGit<Restored>;
  switch: WithGit<SwitchResult>;
  pause: { track_id: string; status: string; reason: string; checkpoint: string } & SkippedRuns;
  'get-active': TrackView | null;
  list: Result<'listTracks'>['tracks'];
  show: TrackView & {
    decisions: Details['context']['decisions'];
    assumptions: Details['context']['assumptions'];
    checkpoints: Details['checkpoints'];
    runs: Details['runs'];
    artifacts: Details['artifacts'];
    time: Result<'trackTime'>;
  };
  stats: Result<'getStats'> & { time?: Result<'timeReport'> };
  'context add-decision': Result<'addDecision'>;
  'context add-assumption': Result<'addAssumption'>;
  'context add-artifact': Result<'addArtifact'>;
  'checkpoint create': {
    snapshot_id: string; track_id: string; type: string; created_at: string;
    git: Result<'createCheckpoint'>['state']['project']['git'];
  } & SkippedRuns;
  'checkpoint list': Result<'listCheckpoints'>['checkpoints'];
  'checkpoint restore': Restored & {
    checkpoint_git: Result<'restoreCheckpoint'>['checkpoint_git'];
    checkout: Result<'checkoutCheckpointBranch'> | null;
  };
  'run start': Result<'startRun'>;
  'run step': { run_id: string; status: string; current_step: number; total_steps: number | null; snapshot: string };
  'run complete': Result<'completeRun'>;
  'run fail': Result<'failRun'>;
  'run list': Result<'listRuns'>;
  'snapshot list': Result<'listSnapshots'>['snapshots'];
  'snapshot prune': Result<'pruneSnapshots'>;
  'recover detect': Result<'detectInterrupted'>;
  /** `--run-id` first gives the run's result (see CliOutput). */
  'recover resume': Result<'recoverTrack'> | Result<'recoverRun'>;
  'recover damaged': Result<'recoverDamagedTrack'>;
  doctor: Result<'doctor'>;
  heartbeat: Result<'recordHeartbeat'>;
  'merge-file': { merged: boolean; conflicts: MergeConflict[]; message: string };
  brief: { brief: string };
  'hook pre-compact': { checkpoint: string | null; track_id?: string; reason?: string };
  init: InitResult & {
    agents?: { command: CliInvocation; files: Array<{ file: string; agent: AgentName; action: string; note?: string }> };
    git?: Result<'setUpGitMerge'>;
  };
}

/** The output type of the command named by the first one or two words of `args`. */
export type CliOutput<A extends readonly string[]> =
  A extends readonly ['recover', 'resume', '--run-id', ...string[]] ? Result<'recoverRun'>
    : A extends readonly ['recover', 'resume', ...string[]] ? Result<'recoverTrack'>
    : A extends readonly [infer First extends string, infer Second extends string, ...string[]]
      ? `${First} ${Second}` extends keyof CliOutputs ? CliOutputs[`${First} ${Second}`]
        : First extends keyof CliOutputs ? CliOutputs[First] : unknown
      : A extends readonly [infer First extends string, ...string[]]
        ? First extends keyof CliOutputs ? CliOutputs[First] : unknown
        : unknown;
