import * as path from 'node:path';
import * as vscode from 'vscode';
import { readGitState } from '../core/git';
import type { EditorGroup, Track } from '../core/model/schemas';
import { checkoutBranch, repositoryFor, type GitRepository } from './gitApi';
import { showStatus, type Prompter } from './prompter';
import type { StoreService } from './storeService';

type Mode = 'ask' | 'always' | 'never';

/** What was captured before a track change, for after it. */
export interface Arrival {
  proceed: boolean;
  /** The editors open when the previous track was left (saved with its checkpoint). */
  editors?: EditorGroup[];
  leaving: Track | null;
}

/**
 * A track's working context in the editor (issue 13): its git branch, the editors open in each tab
 * group, and heartbeats for time. TrackActions calls beforeArrive/afterArrive around a change.
 */
export class WorkingContext implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly branchItem = vscode.window.createStatusBarItem('trackManager.trackBranch', vscode.StatusBarAlignment.Left, 49);
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stores: StoreService,
    private readonly ui: () => Prompter,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.branchItem.name = 'Track Branch';
    this.branchItem.command = 'trackManager.checkoutTrackBranch';
    this.disposables.push(this.branchItem, vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) void this.heartbeat();
    }));
    // A beat every 5 minutes while the window has focus: time counts only near beats.
    this.heartbeatTimer = setInterval(() => { if (vscode.window.state.focused) void this.heartbeat(); }, 5 * 60_000);
  }

  private setting<T extends string>(folder: vscode.WorkspaceFolder, key: string, fallback: T): T {
    return vscode.workspace.getConfiguration('trackManager', folder.uri).get<T>(key, fallback);
  }

  async heartbeat(): Promise<void> {
    for (const folder of this.stores.folders()) await this.stores.storeFor(folder).recordHeartbeat().catch(() => undefined);
  }

  /** The text editors open in each tab group, as paths relative to the folder. */
  captureEditors(folder: vscode.WorkspaceFolder): EditorGroup[] {
    const groups: EditorGroup[] = [];
    for (const group of vscode.window.tabGroups.all) {
      const files: string[] = [];
      for (const tab of group.tabs) {
        const relative = this.relativePath(folder, tab.input);
        if (relative && !files.includes(relative)) files.push(relative);
      }
      if (files.length === 0) continue;
      const active = this.relativePath(folder, group.activeTab?.input);
      groups.push({ column: Math.min(9, Math.max(1, group.viewColumn)), files: files.slice(0, 200), active: active ?? null });
    }
    return groups.slice(0, 9);
  }

  private relativePath(folder: vscode.WorkspaceFolder, input: unknown): string | null {
    if (!(input instanceof vscode.TabInputText) || input.uri.scheme !== 'file') return null;
    const relative = path.relative(folder.uri.fsPath, input.uri.fsPath);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : null;
  }

  /**
   * Before activating/resuming/switching to a track: checks out its branch (per
   * trackManager.git.checkoutOnSwitch, asking once) and captures the editors of the track left.
   * A refused checkout stops the change: nothing is changed.
   */
  async beforeArrive(folder: vscode.WorkspaceFolder, trackId: string): Promise<Arrival> {
    const store = this.stores.storeFor(folder);
    const [target, leaving] = await Promise.all([store.getTrack(trackId).catch(() => null), store.getActiveTrack().catch(() => null)]);
    const left = leaving && leaving.track_id !== trackId ? leaving : null;
    if (target?.branch && !(await this.checkoutFor(folder, target))) return { proceed: false, leaving: left };
    return { proceed: true, leaving: left, editors: left ? this.captureEditors(folder) : undefined };
  }

  /** After the change: reopens the arrived track's editors and closes the unmodified ones left. */
  async afterArrive(folder: vscode.WorkspaceFolder, trackId: string, arrival: Arrival): Promise<void> {
    await this.offerStashRestore(folder, trackId);
    const mode = this.setting<Mode>(folder, 'restoreEditors', 'ask');
    if (mode === 'never') return;
    const target = await this.stores.storeFor(folder).getTrack(trackId).catch(() => null);
    const saved = target?.editors ?? [];
    const leavingEditors = arrival.editors ?? [];
    if (saved.length === 0 && leavingEditors.length === 0) return;
    // Asking only makes sense when there is something to reopen: a first visit stays quiet.
    if (mode === 'ask' && saved.length === 0) return;
    if (mode === 'ask') {
      const count = saved.reduce((sum, group) => sum + group.files.length, 0);
      const answer = await this.ui().message('info', `Reopen the ${count} editor(s) of "${target?.name ?? trackId}"${arrival.leaving ? ` and close the unchanged ones of "${arrival.leaving.name}"` : ''}?`, 'Restore Editors', 'Not Now');
      if (answer !== 'Restore Editors') return;
    }
    if (arrival.leaving) await this.closeUnmodified(folder);
    await this.openEditors(folder, saved);
  }

  /** Closes the folder's text editors that have no unsaved change: an unsaved edit is never lost. */
  private async closeUnmodified(folder: vscode.WorkspaceFolder): Promise<void> {
    const closable = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => !tab.isDirty && this.relativePath(folder, tab.input) !== null);
    if (closable.length > 0) await vscode.window.tabGroups.close(closable, true);
  }

  private async openEditors(folder: vscode.WorkspaceFolder, groups: EditorGroup[]): Promise<void> {
    for (const group of groups) {
      const ordered = group.active ? [...group.files.filter((f) => f !== group.active), group.active] : group.files;
      for (const file of ordered) {
        const uri = vscode.Uri.file(path.join(folder.uri.fsPath, ...file.split('/')));
        try {
          await vscode.window.showTextDocument(uri, { viewColumn: group.column as vscode.ViewColumn, preview: false, preserveFocus: file !== group.active });
        } catch (error) {
          this.log.info(`Not reopening ${file}: ${(error as Error).message}`);
        }
      }
    }
  }

  /** Returns false when the change must stop (the checkout was refused). */
  private async checkoutFor(folder: vscode.WorkspaceFolder, track: Track): Promise<boolean> {
    const mode = this.setting<Mode>(folder, 'git.checkoutOnSwitch', 'ask');
    if (mode === 'never' || !track.branch) return true;
    const repository = await repositoryFor(folder);
    if (!repository || repository.state.HEAD?.name === track.branch) return true;
    if (mode === 'ask') {
      const answer = await this.ui().message('info', `"${track.name}" works on branch ${track.branch}. Check it out now?`, 'Check Out', 'Not Now');
      if (answer !== 'Check Out') return true;
    }
    return this.checkout(folder, track.branch, track.name, track.track_id);
  }

  /**
   * `arrivingTrackId`: the checkout is part of arriving on that track, so local changes that would
   * be overwritten may be stashed (under the name of the track they belong to) to let it proceed.
   */
  private async checkout(folder: vscode.WorkspaceFolder, branch: string, trackName: string, arrivingTrackId?: string): Promise<boolean> {
    const repository = await repositoryFor(folder);
    if (!repository) {
      await this.ui().message('warning', `Git is not available for ${folder.name}; check out ${branch} yourself.`);
      return false;
    }
    try {
      const created = await checkoutBranch(repository, branch);
      this.log.info(`${created ? 'Created and checked out' : 'Checked out'} ${branch} for "${trackName}"`);
      return true;
    } catch (error) {
      this.log.warn(`Checkout of ${branch} failed: ${(error as Error).message}`);
      if (arrivingTrackId && wouldOverwriteLocalChanges(error)) return this.offerStash(folder, repository, branch, trackName, arrivingTrackId);
      await this.ui().message('warning', `Could not check out ${branch} for "${trackName}": local changes would be overwritten, or git refused (${(error as Error).message}). Commit or stash your changes, then try again. The track was not changed.`);
      return false;
    }
  }

  /** A checkout refused because of local changes: stash them, switch without checking out, or stop. */
  private async offerStash(folder: vscode.WorkspaceFolder, repository: GitRepository, branch: string, trackName: string, arrivingTrackId: string): Promise<boolean> {
    const answer = await this.ui().message('warning',
      `Checking out ${branch} for "${trackName}" would overwrite local changes. Stash them under the name of the track they belong to, then switch? Resuming that track offers them back.`,
      'Stash Changes and Switch', 'Switch Without Checking Out', 'Cancel');
    if (answer === 'Switch Without Checking Out') return true;
    if (answer !== 'Stash Changes and Switch') return false;
    const store = this.stores.storeFor(folder);
    let stashed: Awaited<ReturnType<typeof store.stashLocalChanges>>;
    try {
      stashed = await store.stashLocalChanges(arrivingTrackId);
    } catch (error) {
      this.log.warn(`Stash before checking out ${branch} failed: ${(error as Error).message}`);
      await this.ui().message('warning', `Could not stash the local changes (${gitWords(error)}). The track was not changed.`);
      return false;
    }
    const owner = stashed.owner ? `"${stashed.owner.name}"` : 'no track';
    this.log.info(`Stashed local changes${stashed.stash ? ` as ${stashed.stash.ref} (${stashed.stash.message})` : ' (none left to stash)'} for ${owner}`);
    try {
      const created = await checkoutBranch(repository, branch);
      this.log.info(`${created ? 'Created and checked out' : 'Checked out'} ${branch} for "${trackName}"`);
      if (stashed.stash) showStatus(this.ui(), `Local changes stashed for ${owner}; ${branch} checked out`);
      return true;
    } catch (error) {
      this.log.warn(`Checkout of ${branch} failed after stashing: ${(error as Error).message}`);
      if (stashed.stash) await store.popStash(stashed.stash).catch((popError: unknown) => this.log.error(`Could not put the stash back: ${(popError as Error).message}`));
      await this.ui().message('warning', `Could not check out ${branch} for "${trackName}" even after stashing (${gitWords(error)}); your changes were put back. The track was not changed.`);
      return false;
    }
  }

  /** Arriving on a track whose uncommitted work was stashed when it was left: offer it back. */
  private async offerStashRestore(folder: vscode.WorkspaceFolder, trackId: string): Promise<void> {
    const store = this.stores.storeFor(folder);
    const stash = await store.findTrackStash(trackId).catch(() => null);
    if (!stash) return;
    const track = await store.getTrack(trackId).catch(() => null);
    const answer = await this.ui().message('info', `Local changes were stashed when you left "${track?.name ?? 'this track'}". Restore them now?`, 'Restore Stashed Changes', 'Not Now');
    if (answer !== 'Restore Stashed Changes') return;
    try {
      await store.popTrackStash(trackId);
      this.log.info(`Restored ${stash.ref} (${stash.message})`);
      showStatus(this.ui(), `Stashed changes of "${track?.name ?? 'the track'}" restored`);
    } catch (error) {
      this.log.warn(`Could not pop ${stash.ref}: ${(error as Error).message}`);
      await this.ui().message('warning', `Could not restore the stashed changes (${gitWords(error)}). They stay in git's stash list (Source Control view, Stashes).`);
    }
  }

  /** Status bar: the active track's branch when the repository is elsewhere; a click fixes it. */
  async refresh(): Promise<void> {
    for (const folder of this.stores.folders()) {
      const active = await this.stores.storeFor(folder).getActiveTrack().catch(() => null);
      if (!active?.branch) continue;
      const head = await readGitState(folder.uri.fsPath).catch(() => null);
      if (!head || head.branch === active.branch) continue;
      this.branchItem.text = `$(git-branch) ${active.branch} ≠ ${head.branch ?? 'detached'}`;
      this.branchItem.tooltip = `"${active.name}" works on ${active.branch}; the repository is on ${head.branch ?? 'a detached HEAD'}. Click to check out ${active.branch}.`;
      this.branchItem.show();
      return;
    }
    this.branchItem.hide();
  }

  /**
   * After a checkpoint restore: the checkpoint remembers its branch and commit; when the repository
   * is elsewhere, offer to check that branch out (never a detached reset of the user's work).
   */
  async offerCheckpointBranch(folder: vscode.WorkspaceFolder, restored: { checkpoint_git: { branch: string | null; head: string | null } | null; current_git: { branch: string | null } | null }): Promise<void> {
    const branch = restored.checkpoint_git?.branch;
    if (!branch || branch === restored.current_git?.branch) return;
    const commit = restored.checkpoint_git?.head?.slice(0, 7) ?? 'unknown';
    const answer = await this.ui().message('info', `This checkpoint was taken on branch ${branch} (commit ${commit}); the repository is on ${restored.current_git?.branch ?? 'a detached HEAD'}. Check out ${branch}?`, 'Check Out', 'Not Now');
    if (answer !== 'Check Out') return;
    const repository = await repositoryFor(folder);
    const exists = repository ? await repository.getBranch(branch).then(() => true, () => false) : false;
    if (!exists) {
      await this.ui().message('warning', `Branch ${branch} no longer exists; it can be recreated at commit ${commit} from the Source Control view.`);
      return;
    }
    await this.checkout(folder, branch, 'the checkpoint');
  }

  /** The status bar's click-to-fix. */
  async checkoutActiveBranch(): Promise<void> {
    for (const folder of this.stores.folders()) {
      const active = await this.stores.storeFor(folder).getActiveTrack().catch(() => null);
      if (active?.branch) {
        await this.checkout(folder, active.branch, active.name);
        await this.refresh();
        return;
      }
    }
  }

  dispose(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** The git extension reports "local changes would be overwritten" as DirtyWorkTree (stderr says it too). */
function wouldOverwriteLocalChanges(error: unknown): boolean {
  const details = error as { gitErrorCode?: unknown; stderr?: unknown; message?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return details.gitErrorCode === 'DirtyWorkTree' || /would be overwritten/.test(`${text(details.stderr)} ${text(details.message)}`);
}

/** git's own reason, without the command line the core quotes. */
function gitWords(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.replace(/^`git [^`]*` failed: /, '').split('\n')[0].slice(0, 300);
}
