import * as vscode from 'vscode';
import type { TrackActions } from './actions';
import type { RecoveryMonitor } from './recoveryMonitor';
import type { StoreHealth } from './storeHealth';
import type { StoreService } from './storeService';
import type { TracksTreeProvider, TreeNode } from './tracksTree';
import { positionIn } from './treeMarks';

export interface RecoveryCommandDeps {
  actions: TrackActions;
  recovery: RecoveryMonitor;
  tree: TracksTreeProvider;
}

/** The commands of interrupted and damaged rows. */
export function registerRecoveryCommands(deps: RecoveryCommandDeps): vscode.Disposable[] {
  const { actions, recovery, tree } = deps;
  return [
    vscode.commands.registerCommand('trackManager.resumeInterrupted', (node?: TreeNode) => recovery.resumeNode(node)),
    vscode.commands.registerCommand('trackManager.restoreDamagedTrack', (node?: TreeNode) => actions.restoreDamaged(node)),
    vscode.commands.registerCommand('trackManager.openDamagedFile', (node?: TreeNode) => {
      if (node?.kind !== 'track') return;
      const damaged = tree.marks.damagedTrack(node.folder, node.track.track_id);
      return actions.openDamagedFile(node, damaged ?? undefined);
    }),
  ];
}

/** Refresh: forget what was read, in the core and in the views, and read it all again. */
export async function refreshEverything(deps: { stores: StoreService; health: StoreHealth; refresh: () => Promise<void> }): Promise<void> {
  for (const folder of deps.stores.folders()) deps.stores.storeFor(folder).forgetCaches();
  deps.health.checkEverythingNext();
  await deps.refresh();
  await deps.health.scan();
}

/** A problem row's file, opened at the line and column its message names. */
export async function openProblemAt(node: TreeNode | undefined): Promise<void> {
  if (node?.kind !== 'problem') return;
  const at = positionIn(node.message);
  await vscode.window.showTextDocument(vscode.Uri.file(node.file), at ? { selection: new vscode.Range(at, at) } : {});
}
