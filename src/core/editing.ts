import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';
import { branchNameSchema } from './branches';
import type { StoreContext } from './storage/context';
import { TrackError } from './model/errors';
import { assertId } from './model/ids';
import { blockText, lineText, parseInput, requiredBlockText } from './model/input';
import { PRIORITIES, TRACK_TYPES, type Track } from './model/schemas';
import { mutate } from './storage/transaction';

/**
 * The fields `update` may change, each with its own validation. Status is deliberately absent:
 * it changes only through the lifecycle, which keeps history, metrics and the one-active rule.
 */
const csvOrJsonList = (item: z.ZodMiniType<string>) =>
  z.pipe(z.transform((value: unknown) => {
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value;
      }
    }
    return text === '' ? [] : text.split(/\s*[,\n]\s*/).filter(Boolean);
  }), z.array(item).check(z.maxLength(100)));

const EDITABLE = {
  name: { schema: lazySchema(() => lineText(3, 100)), apply: (t: Track, v: string) => ({ ...t, name: v }) },
  description: { schema: lazySchema(() => blockText(1000)), apply: (t: Track, v: string) => ({ ...t, description: v }) },
  goal: {
    schema: lazySchema(() => requiredBlockText(2000)),
    apply: (t: Track, v: string) => ({ ...t, context: { ...t.context, goal: v } }),
  },
  type: { schema: lazySchema(() => z.enum(TRACK_TYPES)), apply: (t: Track, v: Track['type']) => ({ ...t, type: v }) },
  priority: { schema: lazySchema(() => z.enum(PRIORITIES)), apply: (t: Track, v: Track['priority']) => ({ ...t, priority: v }) },
  progress: {
    // Only a plain decimal number: Number() would take "", " " and "0x10" as 0, 0 and 16.
    schema: lazySchema(() => z.pipe(
      z.transform((value: unknown) => (typeof value === 'string' && /^\s*-?\d{1,10}(\.\d{1,10})?\s*$/.test(value) ? Number(value) : value)),
      z.number('must be a number from 0 to 100').check(z.gte(0), z.lte(100)),
    )),
    apply: (t: Track, v: number) => ({ ...t, progress: { ...t.progress, percentage: v } }),
  },
  success_criteria: {
    schema: lazySchema(() => csvOrJsonList(lineText(1, 500))),
    apply: (t: Track, v: string[]) => ({ ...t, context: { ...t.context, success_criteria: v } }),
  },
  tags: {
    schema: lazySchema(() => csvOrJsonList(lineText(1, 50))),
    apply: (t: Track, v: string[]) => ({ ...t, metadata: { ...t.metadata, tags: v } }),
  },
  branch: {
    // An empty value clears it.
    schema: lazySchema(() => z.union([z.literal(''), branchNameSchema])),
    apply: (t: Track, v: string) => {
      const { branch: _old, ...rest } = t;
      return (v ? { ...rest, branch: v } : rest) as Track;
    },
  },
  notes: { schema: lazySchema(() => blockText(10000)), apply: (t: Track, v: string) => ({ ...t, metadata: { ...t.metadata, notes: v } }) },
} as const;

export type EditableField = keyof typeof EDITABLE;
export const EDITABLE_FIELDS = Object.keys(EDITABLE) as EditableField[];
const FIELD_ALIASES: Record<string, EditableField> = { progress_percentage: 'progress', criteria: 'success_criteria' };

export function resolveEditableField(field: string): EditableField {
  const name = FIELD_ALIASES[field] ?? field;
  if (name in EDITABLE) return name;
  if (field === 'status') {
    throw new TrackError(
      'E_INVALID_INPUT',
      'The status field changes only through lifecycle commands: ready, activate, pause, resume, switch, complete, fail, cancel, archive, reopen.',
      { field },
    );
  }
  throw new TrackError('E_INVALID_INPUT', `Field "${field}" cannot be updated. Editable fields: ${EDITABLE_FIELDS.join(', ')}.`, { field });
}

export async function updateTrack(ctx: StoreContext, trackId: string, field: string, value: unknown): Promise<Track> {
  assertId('track', trackId, '--track-id');
  const name = resolveEditableField(field);
  const editable = EDITABLE[name];
  const parsed = parseInput(editable.schema as z.ZodMiniType, value, `value for ${name}`);
  return mutate(ctx, 'update', async (tx) => {
    const current = await tx.track(trackId);
    const updated = (editable.apply as (t: Track, v: unknown) => Track)(current, parsed);
    updated.updated_at = tx.now;
    tx.putTrack(updated);
    return updated;
  }, { oneTrack: true });
}
