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
  const conflicts = await stores.storeFor(folder).mergeConflicts(track).catch(() => track.merge_conflicts ?? []);
  conflicts.forEach((conflict, index) => {
    rows.push({
      key: `merge-conflict-${index}`,
      label: `Merge conflict: ${conflictSubject(conflict.field)} kept ${JSON.stringify(conflict.kept)}`,
      icon: 'warning',
      tooltip: `A git merge changed ${conflictSubject(conflict.field)} on both sides; the later change was kept and ${JSON.stringify(conflict.discarded)} was set aside`,
    });
  });
  return rows;
}

/** A decision or assumption is named by what it is, not by its id. */
function conflictSubject(field: string): string {
  const entry = /^(decisions|assumptions)\[/.exec(field);
  return entry ? (entry[1] === 'decisions' ? 'a decision' : 'an assumption') : field;
}

/**
 * A track's worked time (one small read), or null when it cannot be read. The editor shows only
 * this figure: time counts while the track is active and someone is seen working on it.
 */
export async function workedTime(stores: StoreService, folder: vscode.WorkspaceFolder, track: Track): Promise<string | null> {
  const time = await stores.storeFor(folder).trackTime(track).catch(() => null);
  return time ? formatDuration(time.worked_ms) : null;
}

export const IDLE_NOT_COUNTED = 'idle stretches not counted';

/** The worked-time line of the status bar's tooltip. */
export async function workedTimeLine(stores: StoreService, folder: vscode.WorkspaceFolder, track: Track): Promise<string | null> {
  const worked = await workedTime(stores, folder, track);
  return worked ? `Worked: ${worked} (${IDLE_NOT_COUNTED})` : null;
}
