import * as vscode from 'vscode';
import { toTrackError, type TrackError } from '../core/errors';
import type { TrackSummary } from '../core/queries';
import { PRIORITIES, type EditorGroup, type Priority, type TrackStatus } from '../core/schemas';
import type { TrackStore } from '../core/store';
import { STATUS_LABEL, STATUS_ORDER } from './presentation';
import type { PickItem, Prompter } from './prompter';
import type { StoreService } from './storeService';
import type { TreeNode } from './tracksTree';
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
    const multiRoot = this.stores.folders().length > 1;
    const items: Array<PickItem<TrackRef>> = [];
    for (const status of STATUS_ORDER) {
      const inStatus = candidates.filter((ref) => ref.track.status === status);
      if (inStatus.length === 0) continue;
      items.push({ label: STATUS_LABEL[status], kind: vscode.QuickPickItemKind.Separator });
      for (const ref of inStatus) {
        items.push({
          label: `${status === 'active' ? '$(target) ' : ''}${ref.track.name}`,
          description: `${ref.track.priority} · ${ref.track.progress_percentage}%${status === 'active' ? ' · active' : ''}`,
          detail: multiRoot ? `${ref.folder.name} · ${ref.track.track_id}` : ref.track.track_id,
          value: ref,
        });
      }
    }
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

  /** An error as a notification whose buttons are the next step. */
  async report(error: TrackError, folder: vscode.WorkspaceFolder, retry?: () => Promise<unknown>): Promise<void> {
    this.log.error(`${error.code}: ${error.message}`);
    const buttons: string[] = [];
    if (error.code === 'E_ANOTHER_ACTIVE') buttons.push('Switch Instead');
    if (error.code === 'E_CORRUPT_FILE' || error.code === 'E_UNSUPPORTED_SCHEMA') buttons.push('Open File', 'Run Doctor');
    if (error.code === 'E_LOCK_TIMEOUT' || error.code === 'E_LOCK_COMPROMISED' || error.code === 'E_IO') buttons.push('Retry');
    if (error.code === 'E_TRACK_NOT_FOUND') buttons.push('Refresh');
    buttons.push('Show Log');
    const choice = await this.ui().message('error', error.message, ...buttons);
    switch (choice) {
      case 'Switch Instead':
        if (typeof error.details.track_id === 'string') await this.switchTo(folder, error.details.track_id);
        break;
      case 'Open File':
        if (typeof error.details.file === 'string') await vscode.window.showTextDocument(vscode.Uri.file(error.details.file));
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
    return track?.track_id;
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

  async switchTo(folder: vscode.WorkspaceFolder, trackId: string, name = trackId) {
    return this.arrive(folder, trackId, `Switch to "${name}"`, (store, editors) => store.switchTrack(trackId, { editors }));
  }

  async complete(arg?: unknown) {
    const ref = await this.resolve(arg, 'Complete which track?', ['active', 'paused']);
    if (!ref) return;
    const summary = await this.ui().input({ title: `Complete "${ref.track.name}"`, prompt: 'Summary of what was accomplished (optional)', placeHolder: 'e.g. OAuth with Google and GitHub, tests green' });
    if (summary === undefined) return;
    await this.run(`Complete "${ref.track.name}"`, ref.folder, (store) => store.completeTrack(ref.track.track_id, summary.trim() ? { summary } : {}));
  }

  async fail(arg?: unknown) {
    const ref = await this.resolve(arg, 'Mark which track failed?', ['active', 'paused']);
    if (!ref) return;
    const reason = await this.ui().input({ title: `Fail "${ref.track.name}"`, prompt: 'What went wrong?', validateInput: (v) => (v.trim() ? undefined : 'Give a reason') });
    if (reason !== undefined) await this.run(`Fail "${ref.track.name}"`, ref.folder, (store) => store.failTrack(ref.track.track_id, reason));
  }

  async cancel(arg?: unknown) {
    const ref = await this.resolve(arg, 'Cancel which track?', ['draft', 'ready', 'active', 'paused']);
    if (!ref) return;
    const reason = await this.ui().input({ title: `Cancel "${ref.track.name}"`, prompt: 'Why is it cancelled?', validateInput: (v) => (v.trim() ? undefined : 'Give a reason') });
    if (reason !== undefined) await this.run(`Cancel "${ref.track.name}"`, ref.folder, (store) => store.cancelTrack(ref.track.track_id, reason));
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
        checkpoints.map((c) => ({ label: c.name ?? c.description ?? c.event ?? c.snapshot_id, description: new Date(c.created_at).toLocaleString(), detail: c.snapshot_id, value: c.snapshot_id })),
        { placeHolder: 'Restore which checkpoint? (the current state is checkpointed first)' },
      );
      if (!chosen?.value) return;
      snapshotId = chosen.value;
    }
    const track = await this.stores.storeFor(folder).getTrack(trackId).catch(() => null);
    if (track?.status === 'paused') {
      await this.run(`Restore ${snapshotId} and resume`, folder, (store) => store.resumeTrack(trackId, { checkpointId: snapshotId }));
    } else {
      const restored = await this.run(`Restore ${snapshotId}`, folder, (store) => store.restoreCheckpoint(trackId, snapshotId));
      if (restored) await this.workingContext?.offerCheckpointBranch(folder, restored);
    }
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
