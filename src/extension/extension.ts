import * as vscode from 'vscode';
import { TOOLS } from '../core/tools';
import { TrackActions } from './actions';
import { registerCommands } from './commands';
import { refreshEverything, registerRecoveryCommands } from './recoveryCommands';
import { defaultFilter, describeFilter, isFilterActive } from './filter';
import { mcpServerLaunches, registerLanguageModelTools, registerMcpServerDefinitions, type McpServerLaunch } from './languageModelTools';
import { createLog } from './log';
import { vscodePrompter, type Prompter } from './prompter';
import { RecoveryMonitor } from './recoveryMonitor';
import { ActiveTrackStatusBar } from './statusBar';
import { StoreHealth } from './storeHealth';
import { StoreService } from './storeService';
import { StoreWatcher } from './storeWatcher';
import { TracksTreeProvider, type TrackFilter } from './tracksTree';
import { WorkspaceSetup } from './workspaceSetup';

/** What activate() returns: the integration tests look inside the running extension through it. */
export interface TrackManagerApi {
  tree: TracksTreeProvider;
  view: vscode.TreeView<unknown>;
  statusBar: ActiveTrackStatusBar;
  recovery: RecoveryMonitor;
  health: StoreHealth;
  actions: TrackActions;
  /** Set Up Workspace for Agents, and its one-time offer. */
  setup: WorkspaceSetup;
  /** Fired after the views were refreshed because the store changed on disk. */
  onDidRefresh: vscode.Event<vscode.WorkspaceFolder | undefined>;
  /** How long activate() itself took (ms): it only wires objects; the store is read afterwards. */
  activationMs: number;
  /** Names of the language-model tools registered, and whether `track mcp` was offered as an MCP server (1.101+). */
  agentTools: { tools: string[]; mcpServerProvider: boolean; mcpServers(): McpServerLaunch[] };
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
  const health = new StoreHealth(stores, tree.marks);
  const refresh = async (folder?: vscode.WorkspaceFolder) => {
    tree.refresh(folder);
    await statusBar.refresh();
    refreshed.fire(folder);
    void recovery.check();
    void health.scan(folder).then((changed) => changed && tree.redraw());
  };
  const actions = new TrackActions(stores, log, ui, (folder) => void refresh(folder));
  recovery = new RecoveryMonitor(stores, actions, ui, log, async (entry) => {
    const node = entry.item.kind === 'track'
      ? await tree.trackNode(entry.folder, entry.item.track_id)
      : entry.item.track_id === null ? undefined : await tree.runNode(entry.folder, entry.item.track_id, entry.item.run_id);
    if (node) await view.reveal(node, { select: true, focus: true, expand: false });
  });
  const setup = new WorkspaceSetup(stores, actions, ui, log, context.workspaceState, String(context.extension.packageJSON.version ?? 'dev'), (folder) => void refresh(folder));
  const setFilter = (filter: TrackFilter) => {
    tree.setFilter(filter);
    view.description = describeFilter(filter);
    void vscode.commands.executeCommand('setContext', 'trackManager.filterActive', isFilterActive(filter));
  };

  context.subscriptions.push(
    log, stores, tree, view, statusBar, recovery, health, refreshed,
    stores.onDidChangeStores(() => void refresh()),
    tree.onDidLoad(({ total, shown }) => {
      void vscode.commands.executeCommand('setContext', 'trackManager.hasTracks', total > 0);
      view.message = total > 0 && shown === 0 ? 'No track matches the filter.' : undefined;
    }),
    recovery.onDidDetect((items) => {
      view.badge = items.length > 0 ? { value: items.length, tooltip: `${items.length} interrupted ${items.length === 1 ? 'item' : 'items'} · Resume from the notification or the row` } : undefined;
      if (tree.marks.setInterruptions(items)) tree.redraw();
    }),
    ...registerCommands({ actions, recovery, stores, tree, log, ui, refresh: () => refresh(), refreshAll: () => refreshEverything({ stores, health, refresh }), setFilter }),
    ...registerRecoveryCommands({ actions, recovery, tree }),
    vscode.commands.registerCommand('trackManager.setUpWorkspace', (folder?: vscode.WorkspaceFolder) => setup.setUp(folder)),
  );
  const toolDisposables = registerLanguageModelTools(stores, log, (folder) => void refresh(folder));
  const mcpDisposables = registerMcpServerDefinitions(context, stores, log);
  context.subscriptions.push(...toolDisposables, ...mcpDisposables);
  setFilter(defaultFilter());
  // The watchers and the first reads start after activation returns: activate() only wires objects.
  setTimeout(() => {
    const watcher = new StoreWatcher(stores);
    context.subscriptions.push(watcher, watcher.onDidChange((folder) => void refresh(folder)));
    void refresh();
    void setup.offerIfOriginal();
  }, 0);
  const activationMs = performance.now() - started;
  log.info(`Track Manager activated in ${activationMs.toFixed(1)} ms for ${stores.folders().map((f) => f.name).join(', ') || 'no folder'}`);

  return {
    tree, view: view as vscode.TreeView<unknown>, statusBar, recovery, health, actions, setup, activationMs,
    agentTools: {
      tools: toolDisposables.length > 0 ? TOOLS.map((tool) => tool.name) : [],
      mcpServerProvider: mcpDisposables.length > 0,
      mcpServers: () => (mcpDisposables.length > 0 ? mcpServerLaunches(context, stores) : []),
    },
    onDidRefresh: refreshed.event,
    setPrompter: (next) => { prompter = next; },
    refresh: () => refresh(),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
