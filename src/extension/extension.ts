import * as vscode from 'vscode';
import { TOOLS } from '../core/tools';
import { TrackActions } from './actions';
import { registerCommands } from './commands';
import { refreshEverything, registerRecoveryCommands } from './recoveryCommands';
import { TrackDetailsPanels } from './detailsPanel';
import { defaultFilter, describeFilter, isFilterActive } from './filter';
import { mcpServerLaunches, registerLanguageModelTools, registerMcpServerDefinitions, type McpServerLaunch } from './languageModelTools';
import { createLog } from './log';
import { vscodePrompter, type Prompter } from './prompter';
import { RecoveryMonitor } from './recoveryMonitor';
import { ActiveTrackStatusBar } from './statusBar';
import { StoreHealth } from './storeHealth';
import { StoreService } from './storeService';
import { StoreWatcher } from './storeWatcher';
import { registerContextCommands } from './contextCommands';
import { TracksTreeProvider, type TrackFilter } from './tracksTree';
import { WorkspaceSetup } from './workspaceSetup';
import { GitMergeSetup } from './gitMergeSetup';
import { WorkingContext } from './workingContext';

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
  /** Set Up Git Merge for Tracks. */
  gitMerge: GitMergeSetup;
  details: TrackDetailsPanels;
  workingContext: WorkingContext;
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
  const statusBar = new ActiveTrackStatusBar(stores, log);
  const refreshed = new vscode.EventEmitter<vscode.WorkspaceFolder | undefined>();
  const details = new TrackDetailsPanels(stores, vscode.Uri.joinPath(context.extensionUri, 'media', 'track-manager.svg'));
  let prompter: Prompter = vscodePrompter;
  const ui = () => prompter;

  // Declared before use by the closures below; assigned right after.
  // eslint-disable-next-line prefer-const -- the closures below capture it before it can be made
  let recovery: RecoveryMonitor;
  const health = new StoreHealth(stores, tree.marks);
  const refresh = async (folder?: vscode.WorkspaceFolder) => {
    tree.refresh(folder);
    // One read of the index first (the view asks for the same one): the status bar and the working
    // context then find it cached, instead of three reads of 10 000 tracks racing each other.
    await tree.load(folder);
    await statusBar.refresh();
    await workingContext.refresh();
    refreshed.fire(folder);
    void details.refresh(folder);
    void recovery.check();
    void health.scan(folder).then((changed) => changed && tree.redraw());
  };
  const actions = new TrackActions(stores, log, ui, (folder) => void refresh(folder));
  const workingContext = new WorkingContext(stores, ui, log);
  actions.workingContext = workingContext;
  recovery = new RecoveryMonitor(stores, actions, ui, log, async (entry) => {
    const node = entry.item.kind === 'track'
      ? await tree.trackNode(entry.folder, entry.item.track_id)
      : entry.item.track_id === null ? undefined : await tree.runNode(entry.folder, entry.item.track_id, entry.item.run_id);
    if (node) await view.reveal(node, { select: true, focus: true, expand: false });
  });
  const setup = new WorkspaceSetup(stores, actions, ui, log, context.workspaceState, (context.extension.packageJSON as { version?: string }).version ?? 'dev', (folder) => void refresh(folder));
  const gitMerge = new GitMergeSetup(stores, actions, ui, log, setup);
  const setFilter = (filter: TrackFilter) => {
    tree.setFilter(filter);
    view.description = describeFilter(filter);
    void vscode.commands.executeCommand('setContext', 'trackManager.filterActive', isFilterActive(filter));
  };

  actions.revealTrack = async (folder, trackId) => {
    // The view may still be redrawing after the write that made the row: try again until it shows.
    let failure: { error: unknown } | undefined;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const node = await tree.trackNode(folder, trackId);
      if (!node) return;
      try {
        await view.reveal(node, { select: true, focus: false });
        if (view.selection.some((selected) => selected.kind === 'track' && selected.track.track_id === trackId)) return;
      } catch (error) {
        failure = { error };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (failure) throw failure.error;
  };
  context.subscriptions.push(
    view.onDidExpandElement((event) => tree.setExpanded(event.element, true)),
    view.onDidCollapseElement((event) => tree.setExpanded(event.element, false)),
    log, stores, tree, view, statusBar, recovery, health, refreshed, details,
    stores.onDidChangeStores(() => void refresh()),
    tree.onDidLoad(({ total, shown, problems }) => {
      void vscode.commands.executeCommand('setContext', 'trackManager.hasTracks', total > 0);
      // The welcome view waits for this: a store still loading is not an empty one.
      void vscode.commands.executeCommand('setContext', 'trackManager.storeEmpty', total === 0 && problems === 0);
      view.message = total > 0 && shown === 0 ? 'No track matches the filter.' : undefined;
      view.description = describeFilter(tree.filter, { shown, total });
    }),
    recovery.onDidDetect((items) => {
      view.badge = items.length > 0 ? { value: items.length, tooltip: `${items.length} interrupted ${items.length === 1 ? 'item' : 'items'} · Resume from the notification or the row` } : undefined;
      if (tree.marks.setInterruptions(items)) tree.redraw();
    }),
    ...registerCommands({ actions, recovery, stores, tree, log, ui, refresh: () => refresh(), refreshAll: () => refreshEverything({ stores, health, refresh }), setFilter, details }),
    ...registerRecoveryCommands({ actions, recovery, tree }),
    vscode.commands.registerCommand('trackManager.setUpWorkspace', (folder?: vscode.WorkspaceFolder) => setup.setUp(folder)),
    vscode.commands.registerCommand('trackManager.setUpGitMerge', (folder?: vscode.WorkspaceFolder) => gitMerge.setUp(folder)),
    workingContext,
    ...registerContextCommands(stores, workingContext),
  );
  const toolDisposables = registerLanguageModelTools(stores, log, (folder) => void refresh(folder));
  const mcpDisposables = registerMcpServerDefinitions(context, stores, log);
  context.subscriptions.push(...toolDisposables, ...mcpDisposables);
  setFilter(defaultFilter());
  // The watchers and the first reads start after activation returns: activate() only wires objects.
  // Until the first read of the store, the view shows a progress bar instead of the welcome text.
  void vscode.window.withProgress({ location: { viewId: 'trackManager.tracks' } }, () => new Promise<void>((resolve) => {
    const loaded = tree.onDidLoad(() => {
      loaded.dispose();
      resolve();
    });
    context.subscriptions.push(loaded);
  }));
  setTimeout(() => {
    const watcher = new StoreWatcher(stores);
    context.subscriptions.push(watcher, watcher.onDidChange((folder) => void refresh(folder)));
    void refresh();
    void setup.offerIfOriginal();
  }, 0);
  const activationMs = performance.now() - started;
  log.info(`Track Manager activated in ${activationMs.toFixed(1)} ms for ${stores.folders().map((f) => f.name).join(', ') || 'no folder'}`);

  return {
    tree, view, statusBar, recovery, health, actions, setup, gitMerge, details, workingContext, activationMs,
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
