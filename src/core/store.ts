import * as checkpoints from './checkpoints';
import { createContext, type StoreContext, type StoreOptions } from './context';
import { runDoctor } from './doctor';
import { updateTrack } from './editing';
import * as lifecycle from './lifecycle';
import * as queries from './queries';
import * as recovery from './recovery';
import * as runs from './runs';
import * as snapshots from './snapshots';
import * as gitSetup from './git-setup';
import type { Track } from './schemas';
import * as time from './time';
import * as trackCheckout from './track-checkout';
import * as trackContext from './track-context';

/**
 * The store of one workspace: every operation of the CLI and the extension goes through here.
 * It holds no state of its own beyond where the store is; each call reads what it needs.
 */
export class TrackStore {
  readonly ctx: StoreContext;

  constructor(options: StoreOptions = {}) {
    this.ctx = createContext(options);
  }

  get conductorDir(): string { return this.ctx.paths.conductorDir; }
  get workspaceRoot(): string { return this.ctx.paths.workspaceRoot; }
  get paths() { return this.ctx.paths; }

  // Lifecycle
  createTrack(input: lifecycle.CreateTrackInput) { return lifecycle.createTrack(this.ctx, input); }
  markReady(trackId: string) { return lifecycle.transitionTrack(this.ctx, trackId, 'ready'); }
  activateTrack(trackId: string, options?: lifecycle.ActivateOptions) { return lifecycle.activateTrack(this.ctx, trackId, options); }
  suspendTrack(trackId: string, reason: string, leave?: lifecycle.LeaveOptions) { return lifecycle.suspendTrack(this.ctx, trackId, reason, leave); }
  pauseTrack(trackId: string, reason: string, leave?: lifecycle.LeaveOptions) { return lifecycle.suspendTrack(this.ctx, trackId, reason, leave); }
  resumeTrack(trackId: string, options?: lifecycle.ResumeOptions) { return lifecycle.resumeTrack(this.ctx, trackId, options); }
  switchTrack(toTrackId: string, options?: lifecycle.SwitchOptions) { return lifecycle.switchTrack(this.ctx, toTrackId, options); }
  completeTrack(trackId: string, details?: lifecycle.CompleteDetails) { return lifecycle.completeTrack(this.ctx, trackId, details); }
  failTrack(trackId: string, reason: string) { return lifecycle.transitionTrack(this.ctx, trackId, 'fail', reason); }
  cancelTrack(trackId: string, reason: string) { return lifecycle.transitionTrack(this.ctx, trackId, 'cancel', reason); }
  archiveTrack(trackId: string) { return lifecycle.transitionTrack(this.ctx, trackId, 'archive'); }
  reopenTrack(trackId: string) { return lifecycle.transitionTrack(this.ctx, trackId, 'reopen'); }
  updateTrack(trackId: string, field: string, value: unknown) { return updateTrack(this.ctx, trackId, field, value); }

  // Working context (issue 13): the repository's branch, saved editors, time, merges
  activateWithCheckout(trackId: string, options?: lifecycle.ActivateOptions & trackCheckout.CheckoutOptions) { return trackCheckout.activateWithCheckout(this.ctx, trackId, options); }
  resumeWithCheckout(trackId: string, options?: lifecycle.ResumeOptions & trackCheckout.CheckoutOptions) { return trackCheckout.resumeWithCheckout(this.ctx, trackId, options); }
  switchWithCheckout(toTrackId: string, options?: lifecycle.SwitchOptions & trackCheckout.CheckoutOptions) { return trackCheckout.switchWithCheckout(this.ctx, toTrackId, options); }
  recordHeartbeat(trackId?: string) { return time.recordHeartbeat(this.ctx, trackId); }
  timeReport(options?: { since?: string; staleMs?: number }) { return time.timeReport(this.ctx, options); }
  trackTime(track: Track, staleMs?: number) { return time.trackTime(this.ctx, track, staleMs); }
  setUpGitMerge(options: { driverCommand: string; dryRun?: boolean }) { return gitSetup.setUpGitMerge(this.ctx, options); }
  checkoutCheckpointBranch(branch: string, head: string | null) { return trackCheckout.checkoutCheckpointBranch(this.ctx, branch, head); }

  // Registry queries
  listTracks(filter?: queries.TrackFilter) { return queries.listTracks(this.ctx, filter); }
  getStats() { return queries.getStats(this.ctx); }
  getTrack(trackId: string) { return queries.getTrack(this.ctx, trackId); }
  getTrackDetails(trackId: string) { return queries.getTrackDetails(this.ctx, trackId); }
  getActiveTrack() { return queries.getActiveTrack(this.ctx); }

  // Track context
  addDecision(trackId: string, input: trackContext.ContextEntryInput) { return trackContext.addDecision(this.ctx, trackId, input); }
  addAssumption(trackId: string, input: trackContext.ContextEntryInput) { return trackContext.addAssumption(this.ctx, trackId, input); }
  addArtifact(trackId: string, input: trackContext.ArtifactInput) { return trackContext.addArtifact(this.ctx, trackId, input); }
  listArtifacts(trackId: string) { return trackContext.listArtifacts(this.ctx, trackId); }

  // Checkpoints
  createCheckpoint(trackId: string, options: { name?: string; reason?: string } = {}) { return checkpoints.createCheckpoint(this.ctx, trackId, options); }
  restoreCheckpoint(trackId: string, checkpointId: string) { return lifecycle.restoreCheckpoint(this.ctx, trackId, checkpointId); }
  async listCheckpoints(trackId: string) {
    await queries.getTrack(this.ctx, trackId);
    const list = await checkpoints.readCheckpoints(this.ctx, trackId);
    return { checkpoints: list.checkpoints.map(({ document: _document, ...entry }) => checkpoints.checkpointEntry(this.ctx, entry)), problems: list.problems };
  }

  // Workflow runs
  startRun(trackId: string, input: runs.StartRunInput) { return runs.startRun(this.ctx, trackId, input); }
  recordRunStep(runId: string, input: runs.StepInput) { return runs.recordRunStep(this.ctx, runId, input); }
  completeRun(runId: string) { return runs.finishRun(this.ctx, runId, 'completed'); }
  failRun(runId: string, reason?: string) { return runs.finishRun(this.ctx, runId, 'failed', reason); }
  listRuns(filter?: runs.RunFilter) { return queries.listRuns(this.ctx, filter); }

  // Snapshots and recovery
  listSnapshots(filter?: snapshots.SnapshotFilter) { return snapshots.listSnapshots(this.ctx, filter); }
  pruneSnapshots(options: snapshots.PruneOptions) { return snapshots.pruneSnapshots(this.ctx, options); }
  detectInterrupted(staleAfterMinutes?: number) { return recovery.detectInterrupted(this.ctx, staleAfterMinutes); }
  recoverTrack(trackId: string) { return recovery.recoverTrack(this.ctx, trackId); }
  recoverRun(runId: string) { return recovery.recoverRun(this.ctx, runId); }

  // Maintenance
  doctor(options?: { repair?: boolean }) { return runDoctor(this.ctx, options); }
}
