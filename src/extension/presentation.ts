import * as vscode from 'vscode';
import type { TrackStatus, TrackType } from '../core/model/schemas';

/** How tracks look in the editor: one place for icons, group order and wording. */
export const STATUS_ORDER: TrackStatus[] = ['active', 'paused', 'ready', 'draft', 'completed', 'failed', 'cancelled', 'archived'];
export const FINISHED: TrackStatus[] = ['completed', 'failed', 'cancelled', 'archived'];

export const STATUS_LABEL: Record<TrackStatus, string> = {
  active: 'Active', paused: 'Paused', ready: 'Ready', draft: 'Draft',
  completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled', archived: 'Archived',
};

const TYPE_ICON: Record<TrackType, string> = {
  onboarding: 'rocket', feature: 'lightbulb', bugfix: 'bug', refactor: 'wrench', migration: 'arrow-swap',
  testing: 'beaker', documentation: 'book', security: 'shield', performance: 'dashboard',
  maintenance: 'tools', learning: 'mortar-board', exploration: 'compass', custom: 'symbol-misc',
};

export function typeIcon(type: TrackType, status: TrackStatus): vscode.ThemeIcon {
  const color = status === 'active' ? new vscode.ThemeColor('charts.green') : status === 'failed' ? new vscode.ThemeColor('charts.red') : undefined;
  return new vscode.ThemeIcon(TYPE_ICON[type] ?? 'circle-outline', color);
}

export function statusIcon(status: TrackStatus): vscode.ThemeIcon {
  const icons: Record<TrackStatus, string> = {
    active: 'target', paused: 'debug-pause', ready: 'circle-large-outline', draft: 'edit',
    completed: 'pass', failed: 'error', cancelled: 'circle-slash', archived: 'archive',
  };
  return new vscode.ThemeIcon(icons[status]);
}

export function durationText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

export function ago(iso: string, now = Date.now()): string {
  return `${durationText(Math.max(0, now - Date.parse(iso)))} ago`;
}

export function localTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
