import * as vscode from 'vscode';
import { TrackStore } from '../core/store';
import { DEFAULT_CONDUCTOR_DIR } from '../core/storage/paths';

/**
 * The store of each workspace folder. Built from the folder's path and the configured conductor
 * path only: constructing it touches no file, so activation stays free of store I/O.
 */
export class StoreService implements vscode.Disposable {
  private stores = new Map<string, TrackStore>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fired when the set of stores changes (folders added or removed, settings changed). */
  readonly onDidChangeStores = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reset()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('trackManager.conductorPath')) this.reset();
      }),
    );
  }

  conductorPath(folder: vscode.WorkspaceFolder): string {
    return vscode.workspace.getConfiguration('trackManager', folder.uri).get<string>('conductorPath') || DEFAULT_CONDUCTOR_DIR;
  }

  folders(): readonly vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  }

  storeFor(folder: vscode.WorkspaceFolder): TrackStore {
    const key = folder.uri.toString();
    let store = this.stores.get(key);
    if (!store) {
      store = new TrackStore({ root: folder.uri.fsPath, conductorDir: this.conductorPath(folder), command: 'vscode', ownerPid: process.pid });
      this.stores.set(key, store);
    }
    return store;
  }

  detailsOf(folder: vscode.WorkspaceFolder, trackId: string) {
    return this.storeFor(folder).getTrackDetails(trackId);
  }

  private reset(): void {
    this.stores = new Map();
    this.changed.fire();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
