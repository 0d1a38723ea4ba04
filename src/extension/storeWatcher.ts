import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { StoreService } from './storeService';

export const DEBOUNCE_MS = 25;
/**
 * A writer holding the store's lock has not finished its commit: its first files' events arrive
 * before its last ones, and a read now would miss the change and cost a second read right after
 * (at 10 000 tracks, each a few hundred ms). Look again this often, at most this many times (a lock
 * left by a crashed writer must not stop the view from refreshing).
 */
const WRITER_POLL_MS = 20;
const MAX_WRITER_POLLS = 25;

/**
 * One file-system watcher per workspace folder on its conductor directory: any write (the CLI in
 * a terminal, another window, this one) fires `onDidChange` for that folder, debounced. No polling.
 *
 * A write through Track Manager changes the index beside the track folders, and the core's cached
 * index notices that by itself. A `git pull` (or a hand edit) changes only track files, which the
 * cached index re-checks only for the active track: so the store is told which track files changed,
 * and its next read re-checks those by identity too (a paused track's new name shows, even when a
 * write landed in the same moment).
 */
export class StoreWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per folder, in the current debounce window: the tracks whose track.json changed. */
  private readonly pending = new Map<string, { trackIds: Set<string> }>();
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
        if (changesNothingShown(uri)) return;
        this.note(folder, uri);
        this.schedule(folder);
      };
      this.watchers.push(watcher, watcher.onDidCreate(fire), watcher.onDidChange(fire), watcher.onDidDelete(fire));
    }
  }

  private note(folder: vscode.WorkspaceFolder, uri: vscode.Uri): void {
    const key = folder.uri.toString();
    const seen = this.pending.get(key) ?? { trackIds: new Set<string>() };
    const trackId = trackIdOfTrackFile(uri);
    if (trackId) seen.trackIds.add(trackId);
    this.pending.set(key, seen);
  }

  private schedule(folder: vscode.WorkspaceFolder, polls = 0): void {
    const key = folder.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      if (polls < MAX_WRITER_POLLS && this.writeInProgress(folder)) {
        this.schedule(folder, polls + 1);
        return;
      }
      const seen = this.pending.get(key);
      this.pending.delete(key);
      // Every track file seen changing is re-checked on the next read, whatever else changed with it
      // (a pull landing next to a write must not hide behind the write's index change).
      if (seen && seen.trackIds.size > 0) this.stores.storeFor(folder).recheckTracks(seen.trackIds);
      this.changed.fire(folder);
    }, polls === 0 ? DEBOUNCE_MS : WRITER_POLL_MS));
  }

  private writeInProgress(folder: vscode.WorkspaceFolder): boolean {
    return existsSync(this.stores.storeFor(folder).paths.lockDir);
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

/** A track's own document (`tracks/<id>/track.json`), the file a pull or a hand edit changes. */
export function isTrackFile(uri: vscode.Uri): boolean {
  return trackIdOfTrackFile(uri) !== null;
}

/** The track id of `tracks/<id>/track.json`, or null for any other file. */
export function trackIdOfTrackFile(uri: vscode.Uri): string | null {
  return /\/tracks\/([^/]+)\/track\.json$/.exec(uri.path)?.[1] ?? null;
}
