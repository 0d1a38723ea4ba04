import { watch, statSync, type FSWatcher } from 'node:fs';
import type * as vscode from 'vscode';
import { TEMP_FILE_PATTERN } from '../core/storage/files';

/**
 * Names in the tracks folder whose changes never mean a commit: the lock and the group-commit
 * queue, and temp files (a commit renames each into place, which reports the file's own name; a
 * read that takes the lock writes its owner file's temp here, and must not look like a write).
 */
function notACommit(name: string): boolean {
  return /^track-registry\.(lock|queue)$/.test(name) || TEMP_FILE_PATTERN.test(name);
}

/**
 * Every write to a store ends in its tracks folder (the index's head and log, the journal, a new
 * track's folder), so one watch of that folder alone sees each commit of any process. It is the
 * operating system's own notification (inotify on Linux), delivered in a few milliseconds, where
 * VS Code's file watcher batches and delays its events (about 150 ms measured, see bench/). The
 * VS Code watcher stays: it sees everything else (a pull or a hand edit inside a track's folder)
 * and re-arms this one when the tracks folder appears or is replaced.
 */
export class CommitWatcher implements vscode.Disposable {
  private watcher: FSWatcher | undefined;
  /** The tracks folder's inode when armed: a folder removed and made again is not the one watched. */
  private armedIno: number | undefined;

  constructor(private readonly tracksDir: string, private readonly onCommit: () => void) {
    this.arm();
  }

  /**
   * Whether every commit from now on will be reported: armed on the tracks folder that exists now.
   * Tries to arm (again) when not, so the caller may ask on each event of the slower watcher.
   */
  healthy(): boolean {
    const ino = inodeOf(this.tracksDir);
    if (this.watcher && ino !== undefined && ino === this.armedIno) return true;
    this.close();
    return ino !== undefined && this.arm();
  }

  private arm(): boolean {
    const ino = inodeOf(this.tracksDir);
    if (ino === undefined) return false;
    try {
      const watcher = watch(this.tracksDir, { persistent: false }, (_event, name) => {
        if (typeof name === 'string' && notACommit(name)) return;
        this.onCommit();
      });
      // Out of inotify watches, the folder gone, a file system that cannot watch: the slower
      // watcher alone then refreshes the views, as before.
      watcher.on('error', () => this.close());
      this.watcher = watcher;
      this.armedIno = ino;
      return true;
    } catch {
      return false;
    }
  }

  private close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.armedIno = undefined;
  }

  dispose(): void {
    this.close();
  }
}

function inodeOf(dir: string): number | undefined {
  try {
    const info = statSync(dir);
    return info.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined;
  }
}
