import * as vscode from 'vscode';
import { formatDuration } from '../core/time';
import type { Track } from '../core/model/schemas';
import type { StoreService } from './storeService';

export interface ContextRow {
  key: string;
  label: string;
  icon: string;
  tooltip: string;
}

/** The rows a track's working context adds under it: time worked, its branch, merge conflicts. */
export async function contextRows(stores: StoreService, folder: vscode.WorkspaceFolder, track: Track): Promise<ContextRow[]> {
  const rows: ContextRow[] = [];
  const time = await stores.storeFor(folder).trackTime(track).catch(() => null);
  if (time && (time.worked_ms > 0 || time.active_intervals.length > 0)) {
    rows.push({
      key: 'time',
      label: `Time: ${formatDuration(time.worked_ms)}`,
      icon: 'watch',
      tooltip: `Worked ${formatDuration(time.worked_ms)} over ${time.active_intervals.length} active period(s); idle stretches over ${Math.round(time.stale_after_ms / 60_000)} min without activity are not counted`,
    });
  }
  if (track.branch) rows.push({ key: 'branch', label: `Branch: ${track.branch}`, icon: 'git-branch', tooltip: 'The git branch of this track' });
  (track.merge_conflicts ?? []).forEach((conflict, index) => {
    rows.push({
      key: `merge-conflict-${index}`,
      label: `Merge conflict: ${conflict.field} kept ${JSON.stringify(conflict.kept)}`,
      icon: 'warning',
      tooltip: `A git merge changed ${conflict.field} on both sides; the later change was kept and ${JSON.stringify(conflict.discarded)} was set aside`,
    });
  });
  return rows;
}

/** The worked-time line of a track's tooltip (one small read), or null when it cannot be read. */
export async function workedTimeLine(stores: StoreService, folder: vscode.WorkspaceFolder, track: Track): Promise<string | null> {
  const time = await stores.storeFor(folder).trackTime(track).catch(() => null);
  return time ? `Worked: ${formatDuration(time.worked_ms)} (idle stretches not counted)` : null;
}

/** Adds the worked time to a track's Markdown tooltip (tree row). */
export async function appendWorkedTime(stores: StoreService, folder: vscode.WorkspaceFolder, track: Track, tooltip: vscode.MarkdownString): Promise<vscode.MarkdownString> {
  const line = await workedTimeLine(stores, folder, track);
  if (line) tooltip.appendMarkdown(`\n\n${line}`);
  return tooltip;
}
