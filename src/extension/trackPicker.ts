import * as vscode from 'vscode';
import { compareText } from '../core/model/ids';
import type { TrackSummary } from '../core/queries';
import { STATUS_LABEL, STATUS_ORDER, typeIcon } from './presentation';
import type { PickItem } from './prompter';

export interface PickableTrack {
  folder: vscode.WorkspaceFolder;
  track: TrackSummary;
}

/** Rows within a status group, as the tree orders them: priority first, then the latest change. */
export function compareLikeTree(a: TrackSummary, b: TrackSummary): number {
  return compareText(a.priority, b.priority) || compareText(b.updated_at, a.updated_at);
}

/**
 * The items of a track picker: grouped and ordered like the tree, each labelled with its folder in
 * a multi-root workspace; the id appears only when the typed text matches it. The list opens on
 * the most recently paused track (the one a switch most often goes back to), never the active one.
 */
export function trackPickItems<T extends PickableTrack>(candidates: readonly T[], multiRoot: boolean): Array<PickItem<T>> {
  const items: Array<PickItem<T>> = [];
  const paused = candidates.filter((ref) => ref.track.status === 'paused');
  const recentPaused = paused.sort((a, b) => compareText(b.track.updated_at, a.track.updated_at))[0];
  for (const status of STATUS_ORDER) {
    const inStatus = candidates.filter((ref) => ref.track.status === status).sort((a, b) => compareLikeTree(a.track, b.track));
    if (inStatus.length === 0) continue;
    items.push({ label: STATUS_LABEL[status], kind: vscode.QuickPickItemKind.Separator });
    for (const ref of inStatus) {
      items.push({
        label: `$(${status === 'active' ? 'target' : typeIcon(ref.track.type, status).id}) ${ref.track.name}`,
        description: [multiRoot ? ref.folder.name : '', ref.track.priority, `${ref.track.progress_percentage}%`, status === 'active' ? 'active' : ''].filter(Boolean).join(' · '),
        hiddenDetail: ref.track.track_id,
        preselect: ref === recentPaused,
        value: ref,
      });
    }
  }
  return items;
}
