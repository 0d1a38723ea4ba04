import * as vscode from 'vscode';
import { checkpointLabel } from '../core/checkpoints';
import { toTrackError, type TrackError } from '../core/model/errors';
import type { TrackSummary } from '../core/queries';
import { PRIORITIES, type EditorGroup, type Priority, type TrackStatus } from '../core/model/schemas';
import type { TrackStore } from '../core/store';
import { STATUS_LABEL } from './presentation';
import type { Prompter } from './prompter';
import type { StoreService } from './storeService';
import type { TreeNode } from './tracksTree';
import type { RunsOnFinish } from '../core/lifecycle';
import { editorMessage } from './messages';
import { askModal, showStatus } from './prompter';
import { trackPickItems } from './trackPicker';
import type { WorkingContext } from './workingContext';

export interface TrackRef {
  folder: vscode.WorkspaceFolder;
  track: TrackSummary;
}

/**
 * Every command's behaviour: find the track (from the row it was run on, or by asking), run the
 * core operation with progress and logging, turn errors into notifications with a next step.
 */
export class TrackActions {
  constructor(
    private readonly stores: StoreService,
    private readonly log: vscode.LogOutputChannel,
    private readonly ui: () => Prompter,
    /** Called after every change the extension makes, so views refresh at once. */
    private readonly changed: (folder: vscode.WorkspaceFolder) => void,
  ) {}

  /** Branch checkout and editors around track changes (workingContext.ts); set by activate(). */
  workingContext?: WorkingContext;

  /** Runs a change that arrives on `trackId`, with its branch and editors around it. */
  private async arrive<T>(folder: vscode.WorkspaceFolder, trackId: string, title: string, change: (store: TrackStore, editors?: EditorGroup[]) => Promise<T>): Promise<T | undefined> {
    const context = this.workingContext;
    const arrival = context ? await context.beforeArrive(folder, trackId) : undefined;
    if (arrival && !arrival.proceed) return undefined;
    const result = await this.run(title, folder, (store) => change(store, arrival?.editors));
    if (result !== undefined && context && arrival) await context.afterArrive(folder, trackId, arrival);
    return result;
  }

  // ----------------------------------------------------------------------------------------------
  // Finding the track a command applies to.

  async allTracks(): Promise<TrackRef[]> {
    const refs: TrackRef[] = [];
    for (const folder of this.stores.folders()) {
      const { tracks } = await this.stores.storeFor(folder).listTracks().catch(() => ({ tracks: [] as TrackSummary[] }));
      refs.push(...tracks.map((track) => ({ folder, track })));
    }
    return refs;
  }

  /** The track of a tree row, a track id, or — from the palette — the one the user picks. */
  async resolve(arg: unknown, placeHolder: string, statuses?: TrackStatus[]): Promise<TrackRef | undefined> {
    const node = arg as TreeNode | undefined;
    if (node && typeof node === 'object' && node.kind === 'track') return { folder: node.folder, track: node.track };
    const all = await this.allTracks();
    if (typeof arg === 'string') return all.find((ref) => ref.track.track_id === arg);
    const candidates = all.filter((ref) => !statuses || statuses.includes(ref.track.status));
    if (candidates.length === 0) {
      await this.ui().message('info', statuses ? `No ${statuses.map((s) => STATUS_LABEL[s].toLowerCase()).join(' or ')} track to choose from.` : 'There are no tracks yet.');
      return undefined;
    }
    return this.pickTrack(candidates, placeHolder);
  }

  async pickTrack(candidates: TrackRef[], placeHolder: string): Promise<TrackRef | undefined> {
    const items = trackPickItems(candidates, this.stores.folders().length > 1);
    const chosen = await this.ui().pick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
    return chosen?.value;
  }

  async pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = this.stores.folders();
    if (folders.length <= 1) return folders[0];
    const chosen = await this.ui().pick(folders.map((folder) => ({ label: folder.name, description: folder.uri.fsPath, value: folder })), { placeHolder: 'Which workspace folder?' });
    return chosen?.value;
  }

  // ----------------------------------------------------------------------------------------------
  // Running an operation.

  async run<T>(title: string, folder: vscode.WorkspaceFolder, operation: (store: TrackStore) => Promise<T>): Promise<T | undefined> {
    const store = this.stores.storeFor(folder);
    this.log.info(`${title} (${folder.name})`);
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Track Manager: ${title}` }, () => operation(store));
      this.log.info(`${title}: done`);
      this.changed(folder);
      return result;
    } catch (error) {
      void this.report(toTrackError(error), folder, () => this.run(title, folder, operation));
      return undefined;
    }
  }

  /**
   * An error worded for the editor (editorMessage), with the next step as buttons. Another active
   * track is not an error to the user but a question: switch to the wanted one?
   */
  async report(error: TrackError, folder: vscode.WorkspaceFolder, retry?: () => Promise<unknown>): Promise<void> {
    this.log.error(`${error.code}: ${error.message}`);
    const text = editorMessage(error);
    if (error.code === 'E_ANOTHER_ACTIVE' && typeof error.details.track_id === 'string') {
      const choice = await askModal(this.ui(), text, 'A checkpoint of the active track is taken before it is paused.', 'Switch');
      if (choice === 'Switch') await this.switchTo(folder, error.details.track_id, typeof error.details.track_name === 'string' ? error.details.track_name : 'the track');
      return;
    }
    const buttons: string[] = [];
    if (error.code === 'E_CORRUPT_FILE' || error.code === 'E_UNSUPPORTED_SCHEMA') buttons.push('Open File', 'Run Doctor');
    if (error.code === 'E_LOCK_TIMEOUT' || error.code === 'E_LOCK_COMPROMISED' || error.code === 'E_IO') buttons.push('Retry');
    if (error.code === 'E_TRACK_NOT_FOUND') buttons.push('Refresh');
    buttons.push('Show Log');
    const choice = await this.ui().message('error', text, ...buttons);
    switch (choice) {
      case 'Open File':
        if (typeof error.details.file === 'string') await openAt(error.details.file, error.details.line, error.details.column);
        break;
      case 'Run Doctor':
        await this.doctor(folder);
        break;
      case 'Retry':
        await retry?.();
        break;
      case 'Refresh':
        this.changed(folder);
        break;
      case 'Show Log':
        this.log.show();
        break;
    }
  }

  // ----------------------------------------------------------------------------------------------
  // The commands.

  async createTrack(): Promise<string | undefined> {
    const folder = await this.pickFolder();
    if (!folder) {
      await this.ui().message('info', 'Open a folder first: tracks live in a workspace folder.');
      return undefined;
    }
    const input = await this.ui().createTrack();
    if (!input) return undefined;
    const track = await this.run(`Create track "${input.name}"`, folder, (store) => store.createTrack({ ...input, createdBy: 'vscode' }));
    if (track) {
      await this.revealTrack?.(folder, track.track_id).catch((error: unknown) => this.log.warn(`Could not reveal the new track: ${(error as Error).message}`));
      void this.offerActivation(track.track_id, track.name);
    }
    return track?.track_id;
  }

  /** Set by activate(): selects a track's row in the view. */
  revealTrack?: (folder: vscode.WorkspaceFolder, trackId: string) => Promise<void>;

  /** After Create: the new row is selected, and the next step is one click away. */
  private async offerActivation(trackId: string, name: string): Promise<void> {
    const choice = await this.ui().message('info', `Created "${name}" as a draft.`, 'Activate Now');
    if (choice === 'Activate Now') await this.activate(trackId);
  }

  async markReady(arg?: unknown) {
    const ref = await this.resolve(arg, 'Mark which track ready?', ['draft']);
    if (ref) await this.run(`Mark "${ref.track.name}" ready`, ref.folder, (store) => store.markReady(ref.track.track_id));
  }

  async activate(arg?: unknown) {
    const ref = await this.resolve(arg, 'Activate which track?', ['draft', 'ready']);
    if (ref) await this.arrive(ref.folder, ref.track.track_id, `Activate "${ref.track.name}"`, (store) => store.activateTrack(ref.track.track_id));
  }

  async pause(arg?: unknown) {
    if (arg === undefined && !(await this.allTracks()).some((ref) => ref.track.status === 'active')) {
      const choice = await this.ui().message('info', 'No track is active, so there is nothing to pause.', 'Activate a Track…');
      if (choice === 'Activate a Track…') await this.activate();
      return;
    }
    const ref = await this.resolve(arg, 'Pause which track?', ['active']);
    if (!ref) return;
    const reason = await this.ui().input({
      title: `Pause "${ref.track.name}"`,
      prompt: 'Why is it paused? (a checkpoint is created first)',
      placeHolder: 'e.g. Waiting for security review',
      validateInput: (value) => (value.trim() ? undefined : 'A reason helps whoever resumes it'),
    });
    if (reason === undefined) return;
    const editors = this.workingContext?.captureEditors(ref.folder);
    await this.run(`Pause "${ref.track.name}"`, ref.folder, (store) => store.suspendTrack(ref.track.track_id, reason, { editors }));
  }

  async resume(arg?: unknown) {
    const ref = await this.resolve(arg, 'Resume which track?', ['paused']);
    if (ref) await this.arrive(ref.folder, ref.track.track_id, `Resume "${ref.track.name}"`, (store) => store.resumeTrack(ref.track.track_id));
  }

  async switchTrack(arg?: unknown) {
    const ref = await this.resolve(arg, 'Switch to which track? (the active one is paused with a checkpoint)', ['active', 'paused', 'ready', 'draft']);
    if (ref) await this.switchTo(ref.folder, ref.track.track_id, ref.track.name);
  }

  async switchTo(folder: vscode.WorkspaceFolder, trackId: string, name = 'the track') {
    const result = await this.arrive(folder, trackId, `Switch to "${name}"`, (store, editors) => store.switchTrack(trackId, { editors }));
    if (result) showStatus(this.ui(), `$(arrow-swap) Switched to ${name}${result.suspended ? ' · the previous track was paused with a checkpoint' : ''}`);
    return result;
  }

  async complete(arg?: unknown) {
    const ref = await this.resolve(arg, 'Complete which track?', ['active', 'paused']);
    if (!ref) return;
    const runs = await this.askAboutRuns(ref, 'Complete');
    if (runs === null) return;
    const summary = await this.ui().input({ title: `Complete "${ref.track.name}"`, prompt: 'Summary of what was accomplished (optional)', placeHolder: 'e.g. OAuth with Google and GitHub, tests green' });
    if (summary === undefined) return;
    await this.run(`Complete "${ref.track.name}"`, ref.folder, (store) => store.completeTrack(ref.track.track_id, { ...(summary.trim() ? { summary } : {}), ...(runs ? { runs } : {}) }));
  }

  async fail(arg?: unknown) {
    const ref = await this.resolve(arg, 'Mark which track failed?', ['active', 'paused']);
    if (!ref) return;
    const runs = await this.askAboutRuns(ref, 'Fail');
    if (runs === null) return;
    const reason = await this.ui().input({ title: `Fail "${ref.track.name}"`, prompt: 'What went wrong?', validateInput: (v) => (v.trim() ? undefined : 'Give a reason') });
    if (reason !== undefined) await this.run(`Fail "${ref.track.name}"`, ref.folder, (store) => store.failTrack(ref.track.track_id, reason, runs ? { runs } : {}));
  }

  async cancel(arg?: unknown) {
    const ref = await this.resolve(arg, 'Cancel which track?', ['draft', 'ready', 'active', 'paused']);
    if (!ref) return;
    const runs = await this.askAboutRuns(ref, 'Cancel');
    if (runs === null) return;
    const reason = await this.ui().input({ title: `Cancel "${ref.track.name}"`, prompt: 'Why is it cancelled?', validateInput: (v) => (v.trim() ? undefined : 'Give a reason') });
    if (reason !== undefined) await this.run(`Cancel "${ref.track.name}"`, ref.folder, (store) => store.cancelTrack(ref.track.track_id, reason, runs ? { runs } : {}));
  }

  async archive(arg?: unknown) {
    const ref = await this.resolve(arg, 'Archive which track?', ['completed', 'failed', 'cancelled']);
    if (ref) await this.run(`Archive "${ref.track.name}"`, ref.folder, (store) => store.archiveTrack(ref.track.track_id));
  }

  async reopen(arg?: unknown) {
    const ref = await this.resolve(arg, 'Reopen which track?', ['completed', 'failed', 'cancelled', 'archived']);
    if (ref) await this.run(`Reopen "${ref.track.name}"`, ref.folder, (store) => store.reopenTrack(ref.track.track_id));
  }

  async setPriority(arg?: unknown) {
    const ref = await this.resolve(arg, 'Set the priority of which track?');
    if (!ref) return;
    const chosen = await this.ui().pick(
      PRIORITIES.map((p, i) => ({ label: p, description: `${['critical', 'high', 'normal', 'low'][i]}${p === ref.track.priority ? ' · current' : ''}`, value: p })),
      { placeHolder: `Priority of "${ref.track.name}"` },
    );
    if (chosen?.value) await this.run(`Set priority of "${ref.track.name}" to ${chosen.value}`, ref.folder, (store) => store.updateTrack(ref.track.track_id, 'priority', chosen.value as Priority));
  }

  async openTrackJson(arg?: unknown) {
    const ref = await this.resolve(arg, 'Open the track.json of which track?');
    if (ref) await vscode.window.showTextDocument(vscode.Uri.file(this.stores.storeFor(ref.folder).paths.trackFile(ref.track.track_id)));
  }

  async createCheckpoint(arg?: unknown) {
    const ref = await this.resolve(arg, 'Checkpoint which track?', ['draft', 'ready', 'active', 'paused', 'completed', 'failed', 'cancelled']);
    if (!ref) return;
    const name = await this.ui().input({ title: `Checkpoint "${ref.track.name}"`, prompt: 'A name for the checkpoint (optional)', placeHolder: 'e.g. Before the risky refactor' });
    if (name === undefined) return;
    await this.run(`Checkpoint "${ref.track.name}"`, ref.folder, (store) => store.createCheckpoint(ref.track.track_id, name.trim() ? { name: name.trim() } : {}));
  }

  async restoreCheckpoint(arg?: unknown) {
    const node = arg as TreeNode | undefined;
    let folder: vscode.WorkspaceFolder;
    let trackId: string;
    let snapshotId: string;
    if (node && typeof node === 'object' && node.kind === 'checkpoint') {
      ({ folder, trackId } = node);
      snapshotId = node.checkpoint.snapshot_id;
    } else {
      const ref = await this.resolve(arg, 'Restore a checkpoint of which track?', ['active', 'paused']);
      if (!ref) return;
      ({ folder } = ref);
      trackId = ref.track.track_id;
      const { checkpoints } = await this.stores.storeFor(folder).listCheckpoints(trackId);
      if (checkpoints.length === 0) {
        await this.ui().message('info', `"${ref.track.name}" has no checkpoint yet.`);
        return;
      }
      const chosen = await this.ui().pick(
        checkpoints.map((c) => ({
          label: c.name ?? c.description ?? c.event ?? `Checkpoint of ${new Date(c.created_at).toLocaleString()}`,
          description: new Date(c.created_at).toLocaleString(),
          detail: c.type === 'recovery' ? 'Saved automatically before a restore' : undefined,
          value: c.snapshot_id,
        })),
        { placeHolder: 'Restore which checkpoint? (the current state is checkpointed first)' },
      );
      if (!chosen?.value) return;
      snapshotId = chosen.value;
    }
    await this.confirmAndRestore(folder, trackId, snapshotId);
  }

  /**
   * Says what a restore changes (status, progress, which files) and that the current state is
   * checkpointed first; after it, offers Undo (restoring that checkpoint). The status is kept.
   */
  async confirmAndRestore(folder: vscode.WorkspaceFolder, trackId: string, snapshotId: string): Promise<boolean> {
    const store = this.stores.storeFor(folder);
    let plan: Awaited<ReturnType<typeof restorePlan>>;
    try {
      plan = await restorePlan(store, trackId, snapshotId);
    } catch (error) {
      await this.report(toTrackError(error), folder);
      return false;
    }
    if (!(await this.ui().confirm(plan.question, 'Restore', plan.detail))) return false;
    const result = await this.run(`Restore "${plan.checkpointName}" into "${plan.trackName}"`, folder, (s) => s.restoreCheckpoint(trackId, snapshotId));
    if (!result) return false;
    showStatus(this.ui(), `$(history) Restored "${plan.checkpointName}" into ${plan.trackName}`);
    const choice = await this.ui().message('info', `Restored "${plan.checkpointName}" into ${plan.trackName}. The state before it was saved as a checkpoint.`, 'Undo');
    if (choice === 'Undo') {
      const undone = await this.run(`Undo the restore of "${plan.checkpointName}"`, folder, (s) => s.restoreCheckpoint(trackId, result.checkpoint_saved));
      if (undone) showStatus(this.ui(), `$(discard) Undid the restore: ${plan.trackName} is back as it was`);
    }
    return true;
  }

  /**
   * Before complete, fail or cancel: when the track has workflow runs still running, asks what
   * happens to them. Undefined: there are none; null: the user cancelled the action.
   */
  async askAboutRuns(ref: TrackRef, verb: 'Complete' | 'Fail' | 'Cancel'): Promise<RunsOnFinish | undefined | null> {
    const runs = (await this.stores.storeFor(ref.folder).listRuns({ trackId: ref.track.track_id }).catch(() => []))
      .filter((run) => !['completed', 'failed', 'cancelled'].includes(run.status));
    if (runs.length === 0) return undefined;
    const list = runs.map((run) => `${run.workflow} (step ${run.current_step}${run.total_steps ? ` of ${run.total_steps}` : ''})`).join(', ');
    const choice = await askModal(
      this.ui(),
      `"${ref.track.name}" has ${runs.length} workflow run${runs.length === 1 ? '' : 's'} still running. ${verb} the track and…`,
      `Running: ${list}. A finished track's runs cannot be resumed later.`,
      'Complete the Runs', 'Fail the Runs',
    );
    if (choice === 'Complete the Runs') return 'complete';
    if (choice === 'Fail the Runs') return 'fail';
    return null;
  }

  /** A damaged track.json: rewrite it from the newest checkpoint (the damaged bytes are kept aside). */
  async restoreDamaged(arg?: unknown): Promise<void> {
    const node = arg as TreeNode | undefined;
    if (!node || typeof node !== 'object' || node.kind !== 'track') return;
    const { folder, track } = node;
    const ok = await this.ui().confirm(
      `Restore the track file of "${track.name}" from its last checkpoint?`,
      'Restore',
      'track.json is rewritten from the newest checkpoint (goal, criteria, steps, progress as saved then); status and priority stay as last recorded. The damaged file is kept beside it as track.json.damaged-….',
    );
    if (!ok) return;
    const result = await this.run(`Restore "${track.name}" from its last checkpoint`, folder, (store) => store.recoverDamagedTrack(track.track_id));
    if (result) showStatus(this.ui(), `$(history) Restored ${result.track_name} from "${result.checkpoint_name}"`);
  }

  /** Opens a damaged file at the error's line and column. */
  async openDamagedFile(arg: unknown, position?: { line: number | null; column: number | null }): Promise<void> {
    const node = arg as TreeNode | undefined;
    if (!node || typeof node !== 'object' || node.kind !== 'track') return;
    await openAt(this.stores.storeFor(node.folder).paths.trackFile(node.track.track_id), position?.line, position?.column);
  }

  async pruneSnapshots() {
    const folder = await this.pickFolder();
    if (!folder) return;
    const keepCount = vscode.workspace.getConfiguration('trackManager', folder.uri).get<number>('snapshotKeepCount', 10);
    const preview = await this.run('Count snapshots to prune', folder, (store) => store.pruneSnapshots({ keepCount, dryRun: true }));
    if (!preview) return;
    if (preview.removed_count === 0) {
      await this.ui().message('info', `Nothing to prune: every track and run has at most ${keepCount} snapshots.`);
      return;
    }
    const ok = await this.ui().confirm(`Remove ${preview.removed_count} old snapshot(s) (${Math.round(preview.freed_bytes / 1024)} KiB), keeping the newest ${keepCount} of each track and run? A track's last checkpoint is always kept.`, 'Prune');
    if (!ok) return;
    const result = await this.run('Prune snapshots', folder, (store) => store.pruneSnapshots({ keepCount }));
    if (result) await this.ui().message('info', `Removed ${result.removed_count} snapshot(s).`);
  }

  async doctor(folder?: vscode.WorkspaceFolder) {
    const target = folder ?? (await this.pickFolder());
    if (!target) return;
    const report = await this.run('Check the store', target, (store) => store.doctor());
    if (!report) return;
    for (const problem of report.problems) this.log.warn(`${problem.code} ${problem.file}: ${problem.message}`);
    if (report.problems.length === 0) {
      await this.ui().message('info', 'The track store is healthy.');
      return;
    }
    const repairable = report.problems.filter((p) => p.repairable).length;
    const choice = await this.ui().message(
      report.healthy ? 'warning' : 'error',
      `The track store has ${report.problems.length} problem(s)${repairable ? `, ${repairable} repairable` : ''}. Details are in the log.`,
      ...(repairable ? ['Repair'] : []),
      'Show Log',
    );
    if (choice === 'Show Log') this.log.show();
    if (choice === 'Repair') {
      const repaired = await this.run('Repair the store', target, (store) => store.doctor({ repair: true }));
      for (const line of repaired?.repaired ?? []) this.log.info(line);
      if (repaired) await this.ui().message(repaired.healthy ? 'info' : 'warning', repaired.healthy ? 'The track store was repaired.' : 'Some problems need a hand: see the log.');
    }
  }
}

/** Opens a file with the cursor at a 1-based line and column (when known). */
export async function openAt(file: string, line?: unknown, column?: unknown): Promise<void> {
  const options: vscode.TextDocumentShowOptions = {};
  if (typeof line === 'number') {
    const at = new vscode.Position(Math.max(0, line - 1), Math.max(0, (typeof column === 'number' ? column : 1) - 1));
    options.selection = new vscode.Range(at, at);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file), options);
}

const STORE_FILES_RESTORED = ['track.json (goal, success criteria, steps, progress)', 'context/decisions.json', 'context/assumptions.json'];

/** What restoring a checkpoint will change, in words, for the confirmation. */
async function restorePlan(store: TrackStore, trackId: string, snapshotId: string) {
  const [track, checkpoint] = await Promise.all([store.getTrack(trackId), store.getCheckpoint(trackId, snapshotId)]);
  const saved = checkpoint.state.track;
  const checkpointName = checkpointLabel(checkpoint);
  const status = STATUS_LABEL[track.status];
  const lines = [
    `Status: stays ${status}.`,
    `Progress: ${track.progress.percentage}% → ${saved.progress.percentage}%.`,
    `Success criteria: ${track.context.success_criteria.length} → ${saved.context.success_criteria.length}; decisions and assumptions as saved then.`,
    `Files rewritten: ${STORE_FILES_RESTORED.join(', ')}.`,
    'The current state is saved as a checkpoint first, so the restore can be undone.',
  ];
  return {
    trackName: track.name,
    checkpointName,
    question: `Restore "${checkpointName}" into "${track.name}"?`,
    detail: lines.join('\n'),
  };
}
