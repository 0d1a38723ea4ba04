import * as vscode from 'vscode';
import type { TrackActions } from './actions';
import type { TrackDetailsPanels } from './detailsPanel';
import { askFilter } from './filter';
import type { Prompter } from './prompter';
import { openProblemAt } from './recoveryCommands';
import type { RecoveryMonitor } from './recoveryMonitor';
import type { StoreService } from './storeService';
import type { TrackFilter, TracksTreeProvider, TreeNode } from './tracksTree';

export interface CommandDeps {
  actions: TrackActions;
  recovery: RecoveryMonitor;
  stores: StoreService;
  tree: TracksTreeProvider;
  log: vscode.LogOutputChannel;
  ui: () => Prompter;
  refresh: () => Promise<void>;
  /** The Refresh command: re-reads everything (drops every cache). */
  refreshAll?: () => Promise<void>;
  setFilter: (filter: TrackFilter) => void;
  details: TrackDetailsPanels;
}

/** Every command of package.json's `contributes.commands`, and nothing else. */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { actions, recovery, tree, log, ui } = deps;
  const folderOf = (node: unknown): vscode.WorkspaceFolder | undefined =>
    node && typeof node === 'object' && 'folder' in node ? (node as { folder: vscode.WorkspaceFolder }).folder : undefined;
  return [
    vscode.commands.registerCommand('trackManager.createTrack', () => actions.createTrack()),
    vscode.commands.registerCommand('trackManager.markReady', (node?: TreeNode) => actions.markReady(node)),
    vscode.commands.registerCommand('trackManager.activate', (node?: TreeNode) => actions.activate(node)),
    vscode.commands.registerCommand('trackManager.pause', (node?: TreeNode) => actions.pause(node)),
    vscode.commands.registerCommand('trackManager.resume', (node?: TreeNode) => actions.resume(node)),
    vscode.commands.registerCommand('trackManager.switchTrack', (node?: TreeNode) => actions.switchTrack(node)),
    vscode.commands.registerCommand('trackManager.complete', (node?: TreeNode) => actions.complete(node)),
    vscode.commands.registerCommand('trackManager.fail', (node?: TreeNode) => actions.fail(node)),
    vscode.commands.registerCommand('trackManager.cancel', (node?: TreeNode) => actions.cancel(node)),
    vscode.commands.registerCommand('trackManager.archive', (node?: TreeNode) => actions.archive(node)),
    vscode.commands.registerCommand('trackManager.reopen', (node?: TreeNode) => actions.reopen(node)),
    vscode.commands.registerCommand('trackManager.setPriority', (node?: TreeNode) => actions.setPriority(node)),
    vscode.commands.registerCommand('trackManager.openTrackJson', (node?: TreeNode) => actions.openTrackJson(node)),
    vscode.commands.registerCommand('trackManager.createCheckpoint', (node?: TreeNode) => actions.createCheckpoint(node)),
    vscode.commands.registerCommand('trackManager.restoreCheckpoint', (node?: TreeNode) => actions.restoreCheckpoint(node)),
    vscode.commands.registerCommand('trackManager.detectInterrupted', () => recovery.detectNow()),
    vscode.commands.registerCommand('trackManager.pruneSnapshots', () => actions.pruneSnapshots()),
    vscode.commands.registerCommand('trackManager.runDoctor', (node?: TreeNode) => actions.doctor(folderOf(node))),
    vscode.commands.registerCommand('trackManager.openProblemFile', (node?: TreeNode) => openProblemAt(node)),
    vscode.commands.registerCommand('trackManager.filter', async () => {
      const filter = await askFilter(ui(), tree.filter, deps.setFilter);
      if (filter) deps.setFilter(filter);
    }),
    vscode.commands.registerCommand('trackManager.clearFilter', () => deps.setFilter({})),
    vscode.commands.registerCommand('trackManager.refresh', () => deps.refreshAll?.() ?? deps.refresh()),
    vscode.commands.registerCommand('trackManager.showLog', () => log.show()),
    vscode.commands.registerCommand('trackManager.showTrackDetails', async (node?: TreeNode | string) => {
      if (node && typeof node === 'object' && node.kind === 'run') return deps.details.show(node.folder, node.trackId, `run-${node.run.run_id}`);
      const ref = await actions.resolve(node, 'Show the details of which track?');
      return ref ? deps.details.show(ref.folder, ref.track.track_id) : undefined;
    }),
  ];
}
