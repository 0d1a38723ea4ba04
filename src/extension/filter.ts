import * as vscode from 'vscode';
import type { TrackSummary } from '../core/queries';
import { PRIORITIES, TRACK_STATUSES, TRACK_TYPES, type Priority, type TrackStatus, type TrackType } from '../core/model/schemas';
import { STATUS_LABEL, STATUS_ORDER, typeIcon } from './presentation';
import type { PickItem, Prompter } from './prompter';

/** What the Tracks view shows: the name contains `text`, and each chosen set (when any) holds the track's value. */
export interface TrackFilter {
  text?: string;
  types?: TrackType[];
  priorities?: Priority[];
  statuses?: TrackStatus[];
}

export function isFilterActive(filter: TrackFilter): boolean {
  return Boolean(filter.text || filter.types?.length || filter.priorities?.length || filter.statuses?.length);
}

/** The active track always matches: it stays in view (pinned) whatever the filter. */
export function matchesFilter(track: TrackSummary, filter: TrackFilter): boolean {
  if (track.status === 'active') return true;
  if (filter.types?.length && !filter.types.includes(track.type)) return false;
  if (filter.priorities?.length && !filter.priorities.includes(track.priority)) return false;
  if (filter.statuses?.length && !filter.statuses.includes(track.status)) return false;
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    if (!track.name.toLowerCase().includes(needle) && !track.track_id.includes(needle)) return false;
  }
  return true;
}

/** The view's description: `filter: "oauth" · P0, P1 · paused — 3 of 200`. */
export function describeFilter(filter: TrackFilter, counts?: { shown: number; total: number }): string | undefined {
  if (!isFilterActive(filter)) return undefined;
  const parts = [
    filter.text ? `"${filter.text}"` : '',
    (filter.types ?? []).join(', '),
    (filter.priorities ?? []).join(', '),
    (filter.statuses ?? []).map((s) => STATUS_LABEL[s].toLowerCase()).join(', '),
  ].filter(Boolean);
  return `filter: ${parts.join(' · ')}${counts ? ` — ${counts.shown} of ${counts.total}` : ''}`;
}

export function defaultFilter(): TrackFilter {
  const raw = vscode.workspace.getConfiguration('trackManager').get<Record<string, unknown>>('defaultFilter') ?? {};
  const filter: TrackFilter = {};
  if (typeof raw.text === 'string' && raw.text.trim()) filter.text = raw.text.trim();
  if (typeof raw.type === 'string' && (TRACK_TYPES as readonly string[]).includes(raw.type)) filter.types = [raw.type as TrackType];
  if (typeof raw.priority === 'string' && (PRIORITIES as readonly string[]).includes(raw.priority)) filter.priorities = [raw.priority as Priority];
  if (typeof raw.status === 'string' && (TRACK_STATUSES as readonly string[]).includes(raw.status)) filter.statuses = [raw.status as TrackStatus];
  return filter;
}

type Criterion = { kind: 'priority'; value: Priority } | { kind: 'type'; value: TrackType } | { kind: 'status'; value: TrackStatus };

export function filterItems(current: TrackFilter): Array<PickItem<Criterion>> {
  const separator = (label: string): PickItem<Criterion> => ({ label, kind: vscode.QuickPickItemKind.Separator });
  return [
    separator('Priority'),
    ...PRIORITIES.map((value, i): PickItem<Criterion> => ({ label: value, description: ['critical', 'high', 'normal', 'low'][i], picked: current.priorities?.includes(value) ?? false, value: { kind: 'priority', value } })),
    separator('Status'),
    ...STATUS_ORDER.map((value): PickItem<Criterion> => ({ label: STATUS_LABEL[value], picked: current.statuses?.includes(value) ?? false, value: { kind: 'status', value } })),
    separator('Type'),
    ...TRACK_TYPES.map((value): PickItem<Criterion> => ({ label: `$(${typeIcon(value, 'draft').id}) ${value}`, picked: current.types?.includes(value) ?? false, value: { kind: 'type', value } })),
  ];
}

function filterOf(text: string, chosen: ReadonlyArray<PickItem<Criterion>>): TrackFilter {
  const of = <K extends Criterion['kind']>(kind: K) => chosen.map((item) => item.value).filter((c): c is Extract<Criterion, { kind: K }> => c?.kind === kind).map((c) => c.value);
  const filter: TrackFilter = {};
  if (text.trim()) filter.text = text.trim();
  const priorities = of('priority') as Priority[];
  const statuses = of('status') as TrackStatus[];
  const types = of('type') as TrackType[];
  if (priorities.length) filter.priorities = priorities;
  if (statuses.length) filter.statuses = statuses;
  if (types.length) filter.types = types;
  return filter;
}

/**
 * The view-title Filter action: one list. Typing filters the tracks by name at once; priorities,
 * statuses and types are ticked in the same list. Enter keeps the result, Escape restores the
 * filter it started from.
 */
export async function askFilter(ui: Prompter, current: TrackFilter, preview: (filter: TrackFilter) => void): Promise<TrackFilter | undefined> {
  const items = filterItems(current);
  const chosen = await ui.pickMany(items, {
    title: 'Filter Tracks',
    placeHolder: 'Type to filter by name; tick priorities, statuses or types',
    value: current.text ?? '',
    onDidChange: (text, selection) => preview(filterOf(text, selection)),
  });
  if (!chosen) {
    preview(current);
    return undefined;
  }
  return filterOf(chosen.value, chosen.items);
}
