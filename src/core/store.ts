import * as checkpoints from './checkpoints';
import * as damage from './damage';
import { isFolder } from './storage/file-info';
import { runDoctor } from './doctor';
import { grouped } from './group-operations';
import * as lifecycle from './lifecycle';
import { listRunsWithOriginal } from './origin-runs';
import { forgetCachedIndex, indexRevision, recheckTracks } from './reads';
import * as queries from './queries';
import * as recovery from './recovery';
import * as runs from './runs';
import * as snapshots from './snapshots';
import { TrackReader } from './reader';
import { surface } from './surface';
import * as gitSetup from './git-setup';
import type { MergeConflict, Track } from './model/schemas';
import { readContextConflicts } from './context-files';
import * as time from './time';
import * as trackCheckout from './track-checkout';
import type { StashEntry } from './git-process';
import * as trackContext from './track-context';

/**
 * The store of one workspace: every operation of the CLI and the extension goes through here.
 * It holds no state of its own beyond where the store is; each call reads what it needs. The reads
 * (list, stats, a track, the active track, time worked) are TrackReader's, which the CLI's read
 * commands load alone.
 */
export class TrackStore extends TrackReader {
  get conductorDir(): string { return this.ctx.paths.conductorDir; }
  get workspaceRoot(): string { return this.ctx.paths.workspaceRoot; }
  /** Whether this workspace has a store yet (its conductor folder exists). */
  exists(): Promise<boolean> { return isFolder(this.ctx.paths.conductorDir); }

  // Lifecycle
  createTrack(input: lifecycle.CreateTrackInput) { return surface(() => grouped(this.ctx, 'create', input)); }
  markReady(trackId: string) { return surface(() => grouped(this.ctx, 'transition', trackId, 'ready')); }
  activateTrack(trackId: string, options?: lifecycle.ActivateOptions) { return surface(() => grouped(this.ctx, 'activate', trackId, options)); }
  suspendTrack(trackId: string, reason: string, leave?: lifecycle.LeaveOptions) { return surface(() => grouped(this.ctx, 'suspend', trackId, reason, leave)); }
  pauseTrack(trackId: string, reason: string, leave?: lifecycle.LeaveOptions) { return surface(() => grouped(this.ctx, 'suspend', trackId, reason, leave)); }
  resumeTrack(trackId: string, options?: lifecycle.ResumeOptions) { return surface(() => grouped(this.ctx, 'resume', trackId, options)); }
  switchTrack(toTrackId: string, options?: lifecycle.SwitchOptions) { return surface(() => grouped(this.ctx, 'switch', toTrackId, options)); }
  completeTrack(trackId: string, details?: lifecycle.CompleteDetails) { return surface(() => grouped(this.ctx, 'complete', trackId, details)); }
  failTrack(trackId: string, reason: string, options?: lifecycle.FinishOptions) { return surface(() => grouped(this.ctx, 'transition', trackId, 'fail', reason, options)); }
  cancelTrack(trackId: string, reason: string, options?: lifecycle.FinishOptions) { return surface(() => grouped(this.ctx, 'transition', trackId, 'cancel', reason, options)); }
  archiveTrack(trackId: string) { return surface(() => grouped(this.ctx, 'transition', trackId, 'archive')); }
  reopenTrack(trackId: string) { return surface(() => grouped(this.ctx, 'transition', trackId, 'reopen')); }
  updateTrack(trackId: string, field: string, value: unknown) { return surface(() => grouped(this.ctx, 'update', trackId, field, value)); }

  // Working context (issue 13): the repository's branch, saved editors, time, merges
  activateWithCheckout(trackId: string, options?: lifecycle.ActivateOptions & trackCheckout.CheckoutOptions) { return trackCheckout.activateWithCheckout(this.ctx, trackId, options); }
  resumeWithCheckout(trackId: string, options?: lifecycle.ResumeOptions & trackCheckout.CheckoutOptions) { return trackCheckout.resumeWithCheckout(this.ctx, trackId, options); }
  switchWithCheckout(toTrackId: string, options?: lifecycle.SwitchOptions & trackCheckout.CheckoutOptions) { return trackCheckout.switchWithCheckout(this.ctx, toTrackId, options); }
  recordHeartbeat(trackId?: string) { return time.recordHeartbeat(this.ctx, trackId); }
  /** A track's merge conflicts: its own and those recorded in its decisions and assumptions. */
  async mergeConflicts(track: Track): Promise<MergeConflict[]> {
    const context = await readContextConflicts(this.ctx.paths, track.track_id).catch(() => ({ decisions: [], assumptions: [] }));
    return [...(track.merge_conflicts ?? []), ...context.decisions, ...context.assumptions];
  }

  setUpGitMerge(options: { driverCommand: string; dryRun?: boolean }) { return gitSetup.setUpGitMerge(this.ctx, options); }
  workspaceMergeDriver() { return gitSetup.workspaceMergeDriver(this.ctx); }
  stashLocalChanges(targetTrackId: string) { return trackCheckout.stashLocalChanges(this.ctx, targetTrackId); }
  popStash(stash: StashEntry) { return trackCheckout.popStash(this.ctx, stash); }
  findTrackStash(trackId: string) { return trackCheckout.findTrackStash(this.ctx.paths.workspaceRoot, trackId); }
  popTrackStash(trackId: string) { return trackCheckout.popTrackStash(this.ctx, trackId); }
  checkoutCheckpointBranch(branch: string, head: string | null) { return trackCheckout.checkoutCheckpointBranch(this.ctx, branch, head); }

  // Registry queries (listTracks, getStats, getTrack, getTrackDetails, getActiveTrack): see TrackReader.

  // Track context
  addDecision(trackId: string, input: trackContext.ContextEntryInput) { return surface(() => trackContext.addDecision(this.ctx, trackId, input)); }
  addAssumption(trackId: string, input: trackContext.ContextEntryInput) { return surface(() => trackContext.addAssumption(this.ctx, trackId, input)); }
  addArtifact(trackId: string, input: trackContext.ArtifactInput) { return surface(() => trackContext.addArtifact(this.ctx, trackId, input)); }
  listArtifacts(trackId: string) { return surface(() => trackContext.listArtifacts(this.ctx, trackId)); }

  // Checkpoints
  createCheckpoint(trackId: string, options: { name?: string; reason?: string } = {}) { return surface(() => checkpoints.createCheckpoint(this.ctx, trackId, options)); }
  getCheckpoint(trackId: string, checkpointId: string) { return surface(() => checkpoints.findCheckpoint(this.ctx, trackId, checkpointId)); }
  restoreCheckpoint(trackId: string, checkpointId: string) { return surface(() => lifecycle.restoreCheckpoint(this.ctx, trackId, checkpointId)); }
  listCheckpoints(trackId: string) {
    return surface(async () => {
      await queries.getTrack(this.ctx, trackId);
      const list = await checkpoints.listCheckpoints(this.ctx, trackId);
      return { checkpoints: list.checkpoints.map((entry) => checkpoints.checkpointEntry(this.ctx, entry)), problems: list.problems };
    });
  }

  // Workflow runs
  startRun(trackId: string, input: runs.StartRunInput) { return surface(() => runs.startRun(this.ctx, trackId, input)); }
  recordRunStep(runId: string, input: runs.StepInput) { return surface(() => runs.recordRunStep(this.ctx, runId, input)); }
  completeRun(runId: string) { return surface(() => runs.finishRun(this.ctx, runId, 'completed')); }
  failRun(runId: string, reason?: string) { return surface(() => runs.finishRun(this.ctx, runId, 'failed', reason)); }
  listRuns(filter?: runs.RunFilter) { return surface(() => listRunsWithOriginal(this.ctx, filter)); }

  // Snapshots and recovery
  listSnapshots(filter?: snapshots.SnapshotFilter) { return surface(() => snapshots.listSnapshots(this.ctx, filter)); }
  pruneSnapshots(options: snapshots.PruneOptions) { return surface(() => snapshots.pruneSnapshots(this.ctx, options)); }
  detectInterrupted(staleAfterMinutes?: number) { return surface(() => recovery.detectInterrupted(this.ctx, staleAfterMinutes)); }
  recoverTrack(trackId: string) { return surface(() => recovery.recoverTrack(this.ctx, trackId)); }
  recoverRun(runId: string) { return surface(() => recovery.recoverRun(this.ctx, runId)); }
  detectInterruptedWithWatch(staleAfterMinutes?: number) { return surface(() => recovery.detectInterruptedWithWatch(this.ctx, staleAfterMinutes)); }
  inspectTrackFiles(trackIds: Iterable<string>) { return surface(() => damage.inspectTrackFiles(this.ctx, trackIds)); }
  recoverDamagedTrack(trackId: string) { return surface(() => damage.recoverDamagedTrack(this.ctx, trackId)); }

  // Maintenance
  doctor(options?: { repair?: boolean }) { return surface(() => runDoctor(this.ctx, options)); }
  /** Track files changed outside this process (a watcher saw them): the next read re-checks them. */
  recheckTracks(trackIds: Iterable<string>) { recheckTracks(this.ctx, trackIds); }
  /**
   * A token that is the same object for as long as the index a read returns is unchanged: a watcher
   * compares two to tell a change it has already shown from a new one. Compare with ===, nothing else.
   */
  indexRevision() { return surface(() => indexRevision(this.ctx)); }
  /** Drops every memo of what was read (a manual Refresh): the next reads go to the files. */
  forgetCaches() {
    forgetCachedIndex(this.ctx);
    damage.forgetTrackFileVerdicts();
  }
}
