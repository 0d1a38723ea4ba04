import * as vscode from 'vscode';
import type { DamagedTrack } from '../core/damage';
import { withoutCliHints } from './messages';
import type { StoreService } from './storeService';
import { damagedText, positionIn, type TreeMarks } from './treeMarks';

/**
 * Tracks whose track.json is checked on every refresh: the ones lifecycle actions apply to. Every
 * track is checked on a folder's first scan and after a manual Refresh (one stat per unchanged file).
 */
const CHECKED_STATUSES = new Set(['draft', 'ready', 'active', 'paused']);

/**
 * Damaged store files, seen from the editor: damaged tracks are marked in the tree (by the index's
 * last good entry, so they keep their name and place) and every unreadable file is a diagnostic in
 * the Problems panel, removed as soon as the file reads again. Unchanged files are only stat'ed.
 */
export class StoreHealth implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('Track Manager');
  private readonly files = new Map<string, Set<string>>();
  /** Tracks seen damaged (of any status) stay checked until they read again. */
  private readonly suspects = new Map<string, Set<string>>();
  /** Folders whose every track was checked since activation or the last manual Refresh. */
  private readonly fullyScanned = new Set<string>();

  constructor(private readonly stores: StoreService, private readonly marks: TreeMarks) {}

  /** Re-checks one folder (or all); true when a mark changed, so the tree must redraw. */
  async scan(folder?: vscode.WorkspaceFolder): Promise<boolean> {
    let changed = false;
    for (const target of folder ? [folder] : this.stores.folders()) changed = (await this.scanFolder(target)) || changed;
    return changed;
  }

  /** The next scan checks every track again, finished ones too (a manual Refresh). */
  checkEverythingNext(): void {
    this.fullyScanned.clear();
  }

  /** A track found damaged elsewhere (an action failed on it): check it from now on. */
  suspect(folder: vscode.WorkspaceFolder, trackId: string): void {
    const key = folder.uri.toString();
    if (!this.suspects.has(key)) this.suspects.set(key, new Set());
    this.suspects.get(key)!.add(trackId);
  }

  damaged(folder: vscode.WorkspaceFolder, trackId: string): DamagedTrack | undefined {
    return this.marks.damagedTrack(folder, trackId);
  }

  private async scanFolder(folder: vscode.WorkspaceFolder): Promise<boolean> {
    const store = this.stores.storeFor(folder);
    const key = folder.uri.toString();
    let damaged: DamagedTrack[] = [];
    const diagnostics = new Map<string, vscode.Diagnostic[]>();
    const add = (file: string, message: string, range: vscode.Range) => {
      const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'Track Manager';
      diagnostics.set(file, [...(diagnostics.get(file) ?? []), diagnostic]);
    };
    try {
      const { tracks, problems } = await store.listTracks();
      const everything = !this.fullyScanned.has(key);
      const ids = new Set(tracks.filter((t) => everything || CHECKED_STATUSES.has(t.status)).map((t) => t.track_id));
      const listed = new Set(tracks.map((t) => t.track_id));
      for (const id of this.suspects.get(key) ?? []) if (listed.has(id)) ids.add(id);
      damaged = await store.inspectTrackFiles(ids);
      if (everything) this.fullyScanned.add(key);
      this.suspects.set(key, new Set(damaged.map((d) => d.track_id)));
      for (const d of damaged) {
        const at = new vscode.Position(Math.max(0, (d.line ?? 1) - 1), Math.max(0, (d.column ?? 1) - 1));
        add(d.file, `${damagedText(d)} Restore it from its last checkpoint (Tracks view), or fix it here.`, new vscode.Range(at, at));
      }
      for (const problem of problems) {
        if (damaged.some((d) => d.file === problem.file)) continue;
        const at = positionIn(problem.message) ?? new vscode.Position(0, 0);
        add(problem.file, withoutCliHints(problem.message), new vscode.Range(at, at));
      }
    } catch (error) {
      const file = (error as { details?: { file?: unknown } }).details?.file;
      if (typeof file === 'string') {
        const at = positionIn((error as Error).message) ?? new vscode.Position(0, 0);
        add(file, withoutCliHints((error as Error).message), new vscode.Range(at, at));
      }
    }
    for (const file of this.files.get(key) ?? []) if (!diagnostics.has(file)) this.diagnostics.delete(vscode.Uri.file(file));
    for (const [file, list] of diagnostics) this.diagnostics.set(vscode.Uri.file(file), list);
    this.files.set(key, new Set(diagnostics.keys()));
    return this.marks.setDamaged(folder, damaged);
  }

  dispose(): void {
    this.diagnostics.dispose();
  }
}
