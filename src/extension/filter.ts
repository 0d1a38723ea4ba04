import * as vscode from 'vscode';
import { PRIORITIES, TRACK_TYPES, type Priority, type TrackType } from '../core/schemas';
import type { Prompter } from './prompter';
import type { TrackFilter } from './tracksTree';

export function describeFilter(filter: TrackFilter): string | undefined {
  const parts = [filter.text ? `"${filter.text}"` : '', filter.type ?? '', filter.priority ?? ''].filter(Boolean);
  return parts.length ? `filter: ${parts.join(' · ')}` : undefined;
}

export function isFilterActive(filter: TrackFilter): boolean {
  return Boolean(filter.text || filter.type || filter.priority);
}

export function defaultFilter(): TrackFilter {
  const raw = vscode.workspace.getConfiguration('trackManager').get<Record<string, unknown>>('defaultFilter') ?? {};
  const filter: TrackFilter = {};
  if (typeof raw.text === 'string' && raw.text.trim()) filter.text = raw.text.trim();
  if (typeof raw.type === 'string' && (TRACK_TYPES as readonly string[]).includes(raw.type)) filter.type = raw.type as TrackType;
  if (typeof raw.priority === 'string' && (PRIORITIES as readonly string[]).includes(raw.priority)) filter.priority = raw.priority as Priority;
  return filter;
}

/** The view-title Filter action: text, type or priority, one at a time, each clearable. */
export async function askFilter(ui: Prompter, current: TrackFilter): Promise<TrackFilter | undefined> {
  const choice = await ui.pick<string>(
    [
      { label: '$(search) By text…', description: current.text ? `now "${current.text}"` : 'name or id contains', value: 'text' },
      { label: '$(symbol-class) By type…', description: current.type ?? 'any', value: 'type' },
      { label: '$(arrow-up) By priority…', description: current.priority ?? 'any', value: 'priority' },
      ...(isFilterActive(current) ? [{ label: '$(clear-all) Clear filter', value: 'clear' }] : []),
    ],
    { placeHolder: 'Filter the Tracks view' },
  );
  switch (choice?.value) {
    case 'text': {
      const text = await ui.input({ prompt: 'Show tracks whose name or id contains (empty: any)', value: current.text ?? '' });
      return text === undefined ? undefined : { ...current, text: text.trim() || undefined };
    }
    case 'type': {
      const type = await ui.pick<TrackType | ''>([{ label: 'Any type', value: '' }, ...TRACK_TYPES.map((t) => ({ label: t, value: t }))], { placeHolder: 'Show tracks of type' });
      return type === undefined ? undefined : { ...current, type: type.value || undefined };
    }
    case 'priority': {
      const priority = await ui.pick<Priority | ''>([{ label: 'Any priority', value: '' }, ...PRIORITIES.map((p) => ({ label: p, value: p }))], { placeHolder: 'Show tracks of priority' });
      return priority === undefined ? undefined : { ...current, priority: priority.value || undefined };
    }
    case 'clear':
      return {};
    default:
      return undefined;
  }
}
