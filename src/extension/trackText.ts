import * as vscode from 'vscode';
import type { CheckpointEntry } from '../core/checkpoints';
import type { RunStatus, RunSummaryEntry, Track, TrackStatus } from '../core/model/schemas';
import { ago } from './presentation';

/** Words for what a track's records hold, shared by the tooltips and the details page. */

/** The reason given the last time the track entered `status` (pause, fail, cancel), if any. */
export function reasonFor(track: Track, status: TrackStatus): string | undefined {
  for (let i = track.status_history.length - 1; i >= 0; i -= 1) {
    const change = track.status_history[i];
    if (change.to === status) return change.reason?.trim() || undefined;
  }
  return undefined;
}

/** A checkpoint as a person names it: its name, else its description or event, else when it was taken. */
export function checkpointLabel(checkpoint: Pick<CheckpointEntry, 'name' | 'description' | 'event' | 'created_at'>): string {
  return checkpoint.name ?? checkpoint.description ?? checkpoint.event ?? `Checkpoint of ${new Date(checkpoint.created_at).toLocaleString()}`;
}

/** "Before the refactor · 5 min ago", or "none"; never the raw snapshot id. */
export function lastCheckpointText(track: Track, checkpoints: readonly CheckpointEntry[], now = Date.now()): string {
  if (!track.last_checkpoint) return 'none';
  const entry = checkpoints.find((c) => c.snapshot_id === track.last_checkpoint) ?? checkpoints[0];
  return entry ? `${checkpointLabel(entry)} · ${ago(entry.created_at, now)}` : 'none';
}

const RUN_STATUS_TEXT: Record<RunStatus, string> = {
  pending: 'Pending', in_progress: 'In progress', awaiting_approval: 'Awaiting approval', handoff_pending: 'Hand-off pending',
  handed_off: 'Handed off', paused: 'Paused', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled',
};

export function runStatusText(status: RunStatus): string {
  return RUN_STATUS_TEXT[status] ?? status;
}

export function stepText(run: { current_step: number; total_steps: number | null }): string {
  return `step ${run.current_step}${run.total_steps ? `/${run.total_steps}` : ''}`;
}

/** The workflow's name without its file extension: "greenfield-fullstack.yaml" → "greenfield-fullstack". */
export function workflowName(workflow: string): string {
  return workflow.replace(/\.(ya?ml|json)$/i, '');
}

/** A workflow run's row: the workflow's name, its status in words; the step count in the tooltip. */
export function runTreeItem(run: RunSummaryEntry & { run_id: string }, now = Date.now()): vscode.TreeItem {
  const item = new vscode.TreeItem(workflowName(run.workflow), vscode.TreeItemCollapsibleState.None);
  item.description = runStatusText(run.status);
  item.tooltip = `${workflowName(run.workflow)} — ${runStatusText(run.status)} · ${stepText(run)}\nUpdated ${ago(run.updated_at, now)}\nClick to open the run in the track details`;
  item.iconPath = new vscode.ThemeIcon(run.status === 'completed' ? 'pass' : run.status === 'failed' ? 'error' : run.status === 'cancelled' ? 'circle-slash' : 'sync');
  item.contextValue = `run.${run.status}`;
  item.accessibilityInformation = { label: `Workflow run ${workflowName(run.workflow)}, ${runStatusText(run.status)}, ${stepText(run)}` };
  return item;
}
