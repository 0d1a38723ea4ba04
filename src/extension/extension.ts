import * as vscode from 'vscode';
import { ActiveTrackStatusBar } from './statusBar';
import { StoreService } from './storeService';
import { TracksTreeProvider } from './tracksTree';

/** What activate() returns: used by the integration tests to look inside the running extension. */
export interface TrackManagerApi {
  tree: TracksTreeProvider;
  statusBar: ActiveTrackStatusBar;
  refresh(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): TrackManagerApi {
  const stores = new StoreService();
  const tree = new TracksTreeProvider(stores);
  const statusBar = new ActiveTrackStatusBar(stores);
  const refresh = async () => {
    tree.refresh();
    await statusBar.refresh();
  };
  context.subscriptions.push(
    stores,
    tree,
    statusBar,
    vscode.window.registerTreeDataProvider('trackManager.tracks', tree),
    vscode.commands.registerCommand('trackManager.refresh', refresh),
    stores.onDidChangeStores(() => void refresh()),
  );
  void statusBar.refresh();
  return { tree, statusBar, refresh };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
