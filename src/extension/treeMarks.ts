import * as vscode from 'vscode';
import type { DamagedTrack } from '../core/damage';
import type { InterruptedItem } from '../core/recovery';
import { withoutCliHints } from './messages';
import type { TreeNode } from './tracksTree';

export interface Interruption {
  folder: vscode.WorkspaceFolder;
  item: InterruptedItem;
}

const key = (folder: vscode.WorkspaceFolder, id: string) => `${folder.uri.toString()}#${id}`;

/**
 * What the tree shows on top of the store's data: interrupted tracks and runs (warning icon,
 * "interrupted", an inline Resume) and damaged tracks (error icon, only repair actions). Kept apart
 * from the tree provider so the marks can change without re-reading the store.
 */
export class TreeMarks {
  private interrupted = new Map<string, Interruption>();
  /** Tracks with an interrupted run, so the collapsed track row shows it too. */
  private runsInterrupted = new Map<string, number>();
  private readonly damaged = new Map<string, DamagedTrack>();

  setInterruptions(list: readonly Interruption[]): boolean {
    const before = [...this.interrupted.keys()].sort().join('|');
    this.interrupted = new Map(list.map((entry) => [key(entry.folder, entry.item.kind === 'track' ? `track:${entry.item.track_id}` : `run:${entry.item.run_id}`), entry]));
    this.runsInterrupted = new Map();
    for (const entry of list) {
      // A run of the original track-manager belongs to no track: it has no row to mark.
      if (entry.item.kind !== 'run' || entry.item.track_id === null) continue;
      const k = key(entry.folder, entry.item.track_id);
      this.runsInterrupted.set(k, (this.runsInterrupted.get(k) ?? 0) + 1);
    }
    return before !== [...this.interrupted.keys()].sort().join('|');
  }

  /** Replaces the damaged tracks of one folder; true when that changed anything. */
  setDamaged(folder: vscode.WorkspaceFolder, list: readonly DamagedTrack[]): boolean {
    const prefix = key(folder, '');
    const before: string[] = [];
    for (const [k, value] of this.damaged) if (k.startsWith(prefix)) { before.push(`${k}@${value.message}`); this.damaged.delete(k); }
    for (const damaged of list) this.damaged.set(key(folder, damaged.track_id), damaged);
    const after = list.map((damaged) => `${key(folder, damaged.track_id)}@${damaged.message}`);
    return before.sort().join('|') !== after.sort().join('|');
  }

  damagedTrack(folder: vscode.WorkspaceFolder, trackId: string): DamagedTrack | undefined {
    return this.damaged.get(key(folder, trackId));
  }

  interruptionOf(node: TreeNode): Interruption | undefined {
    if (node.kind === 'track') return this.interrupted.get(key(node.folder, `track:${node.track.track_id}`));
    if (node.kind === 'run') return this.interrupted.get(key(node.folder, `run:${node.run.run_id}`));
    return undefined;
  }

  decorate(node: TreeNode, item: vscode.TreeItem): vscode.TreeItem {
    if (node.kind === 'track') {
      const damaged = this.damagedTrack(node.folder, node.track.track_id);
      if (damaged) {
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.description = `damaged${damaged.line !== null ? ` · line ${damaged.line}` : ''} · ${String(item.description ?? '')}`;
        item.tooltip = `${damagedText(damaged)}\n\nRestore it from its last checkpoint, or open the file at the error to fix it.`;
        item.contextValue = 'track.damaged';
        item.collapsibleState = vscode.TreeItemCollapsibleState.None;
        return item;
      }
      const interrupted = this.interruptionOf(node);
      const runs = this.runsInterrupted.get(key(node.folder, node.track.track_id)) ?? 0;
      if (interrupted || runs > 0) {
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        const what = interrupted ? 'interrupted' : `${runs} run${runs === 1 ? '' : 's'} interrupted`;
        item.description = `${what} · ${String(item.description ?? '')}`;
        if (interrupted && node.track.status === 'active') item.contextValue = 'track.active.interrupted';
      }
      return item;
    }
    if (node.kind === 'run' && this.interruptionOf(node)) {
      const entry = this.interruptionOf(node)!;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.description = `interrupted · ${String(item.description ?? '')}`;
      const why = entry.item.kind === 'run' && entry.item.reason === 'owner-dead' ? 'its agent process is no longer running' : 'nothing has touched it for a while';
      item.tooltip = `Interrupted: ${why}. Resume restarts it from its last completed step.`;
      item.contextValue = 'run.interrupted';
      return item;
    }
    if (node.kind === 'problem') {
      item.tooltip = `${withoutCliHints(node.message)}\n\nOpen the file to fix it, or run Track Manager: Run Doctor.`;
      item.description = 'Run Doctor or open the file';
    }
    return item;
  }
}

export function damagedText(damaged: DamagedTrack): string {
  const where = damaged.line !== null ? ` at line ${damaged.line}, column ${damaged.column ?? 1}` : '';
  return damaged.code === 'E_UNSUPPORTED_SCHEMA'
    ? `track.json was written by a newer Track Manager${where}.`
    : `track.json cannot be read${where}.`;
}

/** "line 22, column 5" in a message (the core words JSON errors that way). */
export function positionIn(message: string): vscode.Position | undefined {
  const match = /line (\d+), column (\d+)/.exec(message);
  return match ? new vscode.Position(Number(match[1]) - 1, Math.max(0, Number(match[2]) - 1)) : undefined;
}
