import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import { TrackStore } from '../../src/core/store';
import type { TrackManagerApi } from '../../src/extension/extension';
import type { TreeNode } from '../../src/extension/tracksTree';

/**
 * Not a test: the extension's half of `npm run bench`, run inside the real extension host on a
 * workspace seeded with many tracks. Prints one JSON line, BENCH_RESULT {...}, for bench/run.mjs.
 */
export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<TrackManagerApi>('track-manager.track-manager')!;
  const api = await extension.activate();
  // First screen: the view opened for the first time in this window → the first group's rows handed to it.
  const firstRows = new Promise<number>((resolve) => {
    const subscription = api.tree.onDidProvideRows(() => {
      subscription.dispose();
      resolve(performance.now());
    });
  });
  const rootLoaded = new Promise<number>((resolve) => {
    const subscription = api.tree.onDidLoad(() => {
      subscription.dispose();
      resolve(performance.now());
    });
  });
  const opened = performance.now();
  await vscode.commands.executeCommand('trackManager.tracks.focus');
  const firstScreen = (await Promise.race([firstRows, new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 30_000))])) - opened;
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
  const folder = vscode.workspace.workspaceFolders![0];

  // Groups of the root, read from the store afresh (as after a change on disk).
  const groups: number[] = [];
  const largest: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    api.tree.refresh();
    let start = performance.now();
    const roots = await api.tree.getChildren();
    groups.push(performance.now() - start);
    const biggest = roots.filter((n): n is Extract<TreeNode, { kind: 'group' }> => n.kind === 'group').sort((a, b) => b.count - a.count)[0];
    start = performance.now();
    const rows = await api.tree.getChildren(biggest);
    rows.slice(0, 200).forEach((row) => api.tree.getTreeItem(row));
    largest.push(performance.now() - start);
  }

  // CLI write (a child process, as an agent would) → the watcher → the tree refreshed. A watcher of
  // this suite's own times the first file event, so the figure splits into watcher and read.
  const refresh: number[] = [];
  const firstEvents: number[] = [];
  let firstEvent = Number.NaN;
  const ownWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.claude/conductor/**'));
  const noteEvent = () => { if (Number.isNaN(firstEvent)) firstEvent = performance.now(); };
  // Where a refresh's time goes: each step the extension's refresh takes, timed where it is called.
  const phases: Record<string, number[]> = {};
  const timed = (name: string, target: object, method: string) => {
    const holder = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = holder[method].bind(target);
    holder[method] = async (...args: unknown[]) => {
      const start = performance.now();
      try {
        return await original(...args);
      } finally {
        (phases[name] ??= []).push(performance.now() - start);
      }
    };
  };
  timed('tree.load', api.tree, 'load');
  timed('statusBar.refresh', api.statusBar, 'refresh');
  timed('workingContext.refresh', api.workingContext, 'refresh');
  timed('health.scan', api.health, 'scan');
  timed('recovery.check', api.recovery, 'check');
  let refreshCount = 0;
  const watching = [ownWatcher, ownWatcher.onDidChange(noteEvent), ownWatcher.onDidCreate(noteEvent), ownWatcher.onDidDelete(noteEvent), api.onDidRefresh(() => { refreshCount += 1; })];
  for (let i = 0; i < 8; i += 1) {
    const name = `Bench Watched ${i} ${Date.now()}`;
    const seen = new Promise<number>((resolve) => {
      const subscription = api.onDidRefresh(async () => {
        const roots = await api.tree.getChildren();
        const draft = roots.find((n) => n.kind === 'group' && n.status === 'draft');
        const rows = draft ? await api.tree.getChildren(draft) : [];
        if (rows.some((row) => row.kind === 'track' && row.track.name === name)) {
          subscription.dispose();
          resolve(performance.now());
        }
      });
    });
    const result = spawnSync(process.execPath, [process.env.TRACK_TEST_CLI!, 'create', '--name', name, '--type', 'feature', '--goal', 'g'], { cwd: folder.uri.fsPath, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    const written = performance.now();
    firstEvent = Number.NaN;
    const at = await Promise.race([seen, new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 10_000))]);
    refresh.push(at - written);
    // The tree no longer waits for VS Code's watcher (the commit watcher is faster): its first event
    // is still timed, to show what a refresh would wait for without it.
    for (let waited = 0; Number.isNaN(firstEvent) && waited < 2000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    firstEvents.push(firstEvent - written);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the refresh's tail (details, recovery, health) settle
  }
  for (const disposable of watching) disposable.dispose();

  // The read alone: a warm reader in this host (its own store object) right after a CLI write.
  const reader = new TrackStore({ root: folder.uri.fsPath });
  await reader.listTracks();
  const reads: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const result = spawnSync(process.execPath, [process.env.TRACK_TEST_CLI!, 'create', '--name', `Bench Read ${i} ${Date.now()}`, '--type', 'feature', '--goal', 'g'], { cwd: folder.uri.fsPath, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
    const start = performance.now();
    await reader.listTracks();
    await reader.getActiveTrack();
    reads.push(performance.now() - start);
  }
  const tracks = (await api.tree.getChildren()).reduce((sum, node) => sum + (node.kind === 'group' ? node.count : 0), 0);
  console.log(`BENCH_RESULT ${JSON.stringify({
    vscode: vscode.version,
    tracks,
    activation_ms: api.activationMs,
    first_screen_ms: firstScreen,
    first_root_ms: (await rootLoaded) - opened,
    groups_p50: quantile(groups, 0.5), groups_p95: quantile(groups, 0.95),
    largest_group_p50: quantile(largest, 0.5), largest_group_p95: quantile(largest, 0.95),
    cli_to_tree_p50: quantile(refresh, 0.5), cli_to_tree_p95: quantile(refresh, 0.95),
    cli_to_first_event_p50: quantile(firstEvents, 0.5), cli_to_first_event_p95: quantile(firstEvents, 0.95),
    refreshes_per_write: refreshCount / refresh.length,
    phases_p50: Object.fromEntries(Object.entries(phases).map(([name, times]) => [name, quantile(times, 0.5)])),
    read_after_cli_write_p50: quantile(reads, 0.5), read_after_cli_write_p95: quantile(reads, 0.95),
  })}`);
}
