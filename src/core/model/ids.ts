import { randomBytes } from 'node:crypto';
import { TrackError } from './errors';

/** The only shapes of id allowed to reach a path. */
export const TRACK_ID_PATTERN = /^track-[a-z0-9]+(-[a-z0-9]+)*$/;
export const SLUG_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const SNAPSHOT_ID_PATTERN = /^snap-[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_ID_LENGTH = 100;
const MAX_SLUG_LENGTH = 60;

export type IdKind = 'track' | 'run' | 'snapshot';

const PATTERNS: Record<IdKind, RegExp> = {
  track: TRACK_ID_PATTERN,
  run: SLUG_ID_PATTERN,
  snapshot: SNAPSHOT_ID_PATTERN,
};

const EXAMPLES: Record<IdKind, string> = {
  track: 'track-oauth-authentication-1736899200000',
  run: 'run-001-architecture',
  snapshot: 'snap-checkpoint-1736899300123-abc456',
};

export function isValidId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && PATTERNS[kind].test(value);
}

/** Rejects anything that is not a well-formed id before it can be joined into a path. */
export function assertId(kind: IdKind, value: unknown, flag = `${kind} id`): string {
  if (isValidId(kind, value)) return value;
  const shown = JSON.stringify(typeof value === 'string' ? value.slice(0, 120) : value);
  throw new TrackError(
    'E_INVALID_INPUT',
    `Invalid ${flag} ${shown}: expected lowercase letters, digits and single dashes (at most ${MAX_ID_LENGTH} characters), like ${EXAMPLES[kind]}. List ids with \`track list\`.`,
    { field: flag },
  );
}

/** ASCII slug of a human name; accents are folded, everything else becomes a dash. */
export function slugify(name: string, fallback = 'untitled'): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug || fallback;
}

export function makeTrackId(name: string, epochMs: number): string {
  return `track-${slugify(name)}-${epochMs}`;
}

export function makeRunId(sequence: number, workflow: string): string {
  const base = workflow.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/i, '');
  return `run-${String(sequence).padStart(3, '0')}-${slugify(base, 'workflow')}`;
}

export function runSequence(runId: string): number {
  const match = /^run-(\d+)-/.exec(runId);
  return match ? Number(match[1]) : 0;
}

export type SnapshotKind = 'checkpoint' | 'auto' | 'recovery';

export function makeSnapshotId(kind: SnapshotKind, epochMs: number): string {
  return `snap-${kind}-${epochMs}-${randomBytes(3).toString('hex')}`;
}

/**
 * Plain code-unit order for ids and ISO timestamps (which sort correctly as strings):
 * localeCompare is locale-aware and an order of magnitude slower on 10 000 tracks.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
