import { existsSync, lstatSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TEMP_FILE_PATTERN } from '../core/storage/files';
import { CommitWatcher } from './commitWatcher';
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
/** File times come from a coarser clock than Date.now(): a change this close to a read may be newer. */
const CLOCK_SLACK_MS = 20;

interface Pending {
  /** The tracks whose track.json changed. */
  trackIds: Set<string>;
  /** What VS Code's watcher reported, to tell a change already shown from a new one. */
  paths: Set<string>;
  /** The commit watcher saw a write land. */
  commit: boolean;
}

/** What the last refresh this watcher started read: the index's revision and when it read it. */
interface Shown {
  revision: Readonly<object> | undefined;
  readAt: number;
}

/**
 * Per workspace folder, two watchers on its conductor directory fire `onDidChange` (debounced, no
 * polling) when anything changed it — the CLI in a terminal, an agent, another window, this one:
 * - a CommitWatcher on the tracks folder, where every write's commit lands: the OS's own event,
 *   a few ms after the write, so an agent's change shows at once;
 * - VS Code's watcher on the whole directory (later by ~150 ms): a `git pull` or a hand edit
 *   changes only files inside a track's folder, which the commit watcher does not see. When it only
 *   reports files a refresh already read (the same index revision, files older than that read), it
 *   fires nothing, so one write costs one refresh, not two.
 *
 * A write through Track Manager changes the index beside the track folders, and the core's cached
 * index notices that by itself. A pull (or a hand edit) changes only track files, which the cached
 * index re-checks only for the active track: so the store is told which track files changed, and
 * its next read re-checks those by identity too (a paused track's new name shows, even when a
 * write landed in the same moment).
 */
export class StoreWatcher implements vscode.Disposable {
  private watchers: vscode.Disposable[] = [];
  private readonly commitWatchers = new Map<string, CommitWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per folder, what changed in the current debounce window. */
  private readonly pending = new Map<string, Pending>();
  private readonly shown = new Map<string, Shown>();
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
    this.commitWatchers.clear();
    this.shown.clear();
    for (const folder of this.stores.folders()) {
      const pattern = new vscode.RelativePattern(folder, `${this.stores.conductorPath(folder).replace(/\\/g, '/')}/**`);
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const fire = (uri: vscode.Uri) => {
        if (changesNothingShown(uri)) return;
        this.note(folder).paths.add(uri.fsPath);
        const trackId = trackIdOfTrackFile(uri);
        if (trackId) this.note(folder).trackIds.add(trackId);
        this.schedule(folder);
      };
      const commits = new CommitWatcher(this.stores.storeFor(folder).paths.tracksDir, () => {
        this.note(folder).commit = true;
        this.schedule(folder);
      });
      this.commitWatchers.set(folder.uri.toString(), commits);
      this.watchers.push(watcher, watcher.onDidCreate(fire), watcher.onDidChange(fire), watcher.onDidDelete(fire), commits);
    }
  }

  private note(folder: vscode.WorkspaceFolder): Pending {
    const key = folder.uri.toString();
    let seen = this.pending.get(key);
    if (!seen) {
      seen = { trackIds: new Set<string>(), paths: new Set<string>(), commit: false };
      this.pending.set(key, seen);
    }
    return seen;
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
      if (seen) void this.report(folder, seen);
    }, polls === 0 ? DEBOUNCE_MS : WRITER_POLL_MS));
  }

  private async report(folder: vscode.WorkspaceFolder, seen: Pending): Promise<void> {
    const key = folder.uri.toString();
    const store = this.stores.storeFor(folder);
    // Every track file seen changing is re-checked on the next read, whatever else changed with it
    // (a pull landing next to a write must not hide behind the write's index change).
    if (seen.trackIds.size > 0) store.recheckTracks(seen.trackIds);
    const readAt = Date.now();
    const revision = await store.indexRevision().catch(() => undefined);
    if (this.pending.has(key) || this.timers.has(key)) {
      // More changes arrived while reading: the next report covers these too.
      for (const id of seen.trackIds) this.note(folder).trackIds.add(id);
      for (const file of seen.paths) this.note(folder).paths.add(file);
      this.note(folder).commit ||= seen.commit;
      return;
    }
    const shown = this.shown.get(key);
    if (!seen.commit && shown && revision !== undefined && revision === shown.revision && this.alreadyShown(folder, seen.paths, shown.readAt)) return;
    this.shown.set(key, { revision, readAt });
    this.changed.fire(folder);
  }

  /**
   * Whether each file VS Code's watcher reported was already read by the refresh made at readAt:
   * a file in the tracks folder itself is a commit, which the commit watcher reported first (when it
   * is watching); any other file must exist and be older than that read. A deleted file, or any
   * doubt, means a refresh.
   */
  private alreadyShown(folder: vscode.WorkspaceFolder, files: Set<string>, readAt: number): boolean {
    const store = this.stores.storeFor(folder);
    const tracksDir = store.paths.tracksDir;
    const commitsWatched = this.commitWatchers.get(folder.uri.toString())?.healthy() ?? false;
    for (const file of files) {
      if (path.dirname(file) === tracksDir) {
        if (!commitsWatched) return false;
        continue;
      }
      try {
        const info = lstatSync(file);
        if (Math.max(info.mtimeMs, info.ctimeMs) >= readAt - CLOCK_SLACK_MS) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  private writeInProgress(folder: vscode.WorkspaceFolder): boolean {
    return existsSync(this.stores.storeFor(folder).paths.lockDir);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const watcher of this.watchers) watcher.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * Writes that change nothing the views show: the lock coming and going around every write, a
 * heartbeat's activity.json (time worked is read when a tooltip or the Time row asks for it), and
 * an atomic write's temp file (the file it replaces reports its own change).
 */
export function changesNothingShown(uri: vscode.Uri): boolean {
  const file = uri.path;
  return /\/tracks\/track-registry\.lock(\/|$)/.test(file) || file.endsWith('/activity.json') || TEMP_FILE_PATTERN.test(path.posix.basename(file));
}

/** A track's own document (`tracks/<id>/track.json`), the file a pull or a hand edit changes. */
export function isTrackFile(uri: vscode.Uri): boolean {
  return trackIdOfTrackFile(uri) !== null;
}

/** The track id of `tracks/<id>/track.json`, or null for any other file. */
export function trackIdOfTrackFile(uri: vscode.Uri): string | null {
  return /\/tracks\/([^/]+)\/track\.json$/.exec(uri.path)?.[1] ?? null;
}
