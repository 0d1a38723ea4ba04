import * as vscode from 'vscode';
import type { StoreService } from './storeService';

export const DEBOUNCE_MS = 25;

/**
 * One file-system watcher per workspace folder on its conductor directory: any write (the CLI in
 * a terminal, another window, this one) fires `onDidChange` for that folder, debounced. No polling.
 */
export class StoreWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<vscode.WorkspaceFolder>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly stores: StoreService) {
    this.subscription = stores.onDidChangeStores(() => this.watch());
    this.watch();
  }

  private watch(): void {
    for (const watcher of this.watchers) watcher.dispose();
    this.watchers = [];
    for (const folder of this.stores.folders()) {
      const pattern = new vscode.RelativePattern(folder, `${this.stores.conductorPath(folder).replace(/\\/g, '/')}/**`);
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const fire = (uri: vscode.Uri) => {
        if (!changesNothingShown(uri)) this.schedule(folder);
      };
      this.watchers.push(watcher, watcher.onDidCreate(fire), watcher.onDidChange(fire), watcher.onDidDelete(fire));
    }
  }

  private schedule(folder: vscode.WorkspaceFolder): void {
    const key = folder.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.changed.fire(folder);
    }, DEBOUNCE_MS));
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const watcher of this.watchers) watcher.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * Writes that change nothing the views show: the lock coming and going around every write, and a
 * heartbeat's activity.json (time worked is read when a tooltip or the Time row asks for it).
 */
export function changesNothingShown(uri: vscode.Uri): boolean {
  const file = uri.path;
  return /\/tracks\/track-registry\.lock(\/|$)/.test(file) || file.endsWith('/activity.json');
}
