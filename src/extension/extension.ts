import * as vscode from 'vscode';
import { TrackActions } from './actions';
import { registerCommands } from './commands';
import { defaultFilter, describeFilter, isFilterActive } from './filter';
import { createLog } from './log';
import { vscodePrompter, type Prompter } from './prompter';
import { RecoveryMonitor } from './recoveryMonitor';
import { ActiveTrackStatusBar } from './statusBar';
import { StoreService } from './storeService';
import { StoreWatcher } from './storeWatcher';
import { registerContextCommands } from './contextCommands';
import { TracksTreeProvider, type TrackFilter } from './tracksTree';
import { WorkingContext } from './workingContext';

/** What activate() returns: the integration tests look inside the running extension through it. */
export interface TrackManagerApi {
  tree: TracksTreeProvider;
  view: vscode.TreeView<unknown>;
  statusBar: ActiveTrackStatusBar;
  recovery: RecoveryMonitor;
  actions: TrackActions;
  workingContext: WorkingContext;
  /** Fired after the views were refreshed because the store changed on disk. */
  onDidRefresh: vscode.Event<vscode.WorkspaceFolder | undefined>;
  /** How long activate() itself took (ms): it only wires objects; the store is read afterwards. */
  activationMs: number;
  /** Replaces the questions asked to the user (tests script the answers). */
  setPrompter(prompter: Prompter): void;
  refresh(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): TrackManagerApi {
  const started = performance.now();
  const log = createLog();
  const stores = new StoreService();
  const tree = new TracksTreeProvider(stores);
  const view = vscode.window.createTreeView('trackManager.tracks', { treeDataProvider: tree, showCollapseAll: true });
  const statusBar = new ActiveTrackStatusBar(stores);
  const refreshed = new vscode.EventEmitter<vscode.WorkspaceFolder | undefined>();
  let prompter: Prompter = vscodePrompter;
  const ui = () => prompter;

  // Declared before use by the closures below; assigned right after.
  let recovery: RecoveryMonitor;
  const refresh = async (folder?: vscode.WorkspaceFolder) => {
    tree.refresh(folder);
    await statusBar.refresh();
    await workingContext.refresh();
    refreshed.fire(folder);
    void recovery.check();
  };
  const actions = new TrackActions(stores, log, ui, (folder) => void refresh(folder));
  const workingContext = new WorkingContext(stores, ui, log);
  actions.workingContext = workingContext;
  recovery = new RecoveryMonitor(stores, actions, ui, log);
  const setFilter = (filter: TrackFilter) => {
    tree.setFilter(filter);
    view.description = describeFilter(filter);
    void vscode.commands.executeCommand('setContext', 'trackManager.filterActive', isFilterActive(filter));
  };

  context.subscriptions.push(
    log, stores, tree, view, statusBar, recovery, refreshed,
    stores.onDidChangeStores(() => void refresh()),
    tree.onDidLoad(({ total, shown }) => {
      void vscode.commands.executeCommand('setContext', 'trackManager.hasTracks', total > 0);
      view.message = total > 0 && shown === 0 ? 'No track matches the filter.' : undefined;
    }),
    recovery.onDidDetect((items) => {
      view.badge = items.length > 0 ? { value: items.length, tooltip: `${items.length} interrupted session(s)` } : undefined;
    }),
    ...registerCommands({ actions, recovery, stores, tree, log, ui, refresh: () => refresh(), setFilter }),
    workingContext,
    ...registerContextCommands(stores, workingContext),
  );
  setFilter(defaultFilter());
  // The watchers and the first reads start after activation returns: activate() only wires objects.
  setTimeout(() => {
    const watcher = new StoreWatcher(stores);
    context.subscriptions.push(watcher, watcher.onDidChange((folder) => void refresh(folder)));
    void refresh();
  }, 0);
  const activationMs = performance.now() - started;
  log.info(`Track Manager activated in ${activationMs.toFixed(1)} ms for ${stores.folders().map((f) => f.name).join(', ') || 'no folder'}`);

  return {
    tree, view: view as vscode.TreeView<unknown>, statusBar, recovery, actions, workingContext, activationMs,
    onDidRefresh: refreshed.event,
    setPrompter: (next) => { prompter = next; },
    refresh: () => refresh(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
