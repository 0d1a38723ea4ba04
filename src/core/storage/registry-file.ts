import { promised } from './file-info';
import { isValidId } from '../model/ids';
import { ORIGINAL_FORMAT_VERSION } from '../model/format-upgrade';
import { corruptFileError, corruptFromIssues, parseDocument, readWithIdentity, type ReadOptions } from './files';
import type { FileIdentity } from './index-verdicts';
import { registryEnvelopeSchema, runSummarySchema, SCHEMA_VERSION, trackSummarySchema, type Registry } from '../model/schemas';

type Entry = Record<string, unknown>;
interface Memo {
  raw: Entry;
  valid: unknown;
}

/**
 * Every entry of the registry is validated; an entry identical (field by field) to one validated
 * on an earlier read of the same file is not validated again. After a write only the changed
 * entries cost zod's time, which keeps a 10 000-track registry readable in a few milliseconds in a
 * long-lived process (the editor). The bytes are always read fresh from disk: this is not a cache
 * of the file, only of the verdict on identical content.
 */
/** The format version each registry read was in on disk (0: the original track-manager's). */
const formats = new WeakMap<Registry, number>();

export function registryFormatVersion(registry: Registry): number {
  return formats.get(registry) ?? SCHEMA_VERSION;
}

const memos = new Map<string, { tracks: Map<string, Memo>; runs: Map<string, Memo> }>();

export function readRegistryFile(file: string, options: ReadOptions): Promise<Registry | null> {
  return promised(() => readRegistryFileNow(file, options));
}

function readRegistryFileNow(file: string, options: ReadOptions): Registry | null {
  let read: { text: string; identity: FileIdentity | null };
  try {
    read = readWithIdentity(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let version: number | null = null;
  const envelope = parseDocument(read.text, file, registryEnvelopeSchema, { ...options, onFormatVersion: (found) => (version = found) }, read.identity);
  if (version === ORIGINAL_FORMAT_VERSION) {
    // The original track-manager's registry: its entries drifted from the track files and are
    // never used (readers and writers index the track files, origin-index.ts), so they are not
    // validated one by one; doctor only compares them.
    const tracks = Object.fromEntries(Object.entries(envelope.tracks).filter(([, entry]) => typeof entry === 'object' && entry !== null));
    const registry = { ...envelope, tracks, runs: {} } as Registry;
    formats.set(registry, version);
    return registry;
  }
  const { tracks, runs } = validateSummaries(file, options, envelope.tracks, envelope.runs);
  const registry = { ...envelope, tracks, runs } as Registry;
  if (version !== null) formats.set(registry, version);
  return registry;
}

/** Validates the summaries of an index file (registry or base), skipping those identical to the last read's. */
export function validateSummaries(file: string, options: ReadOptions, tracks: unknown, runs: unknown): Pick<Registry, 'tracks' | 'runs'> {
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(tracks)) throw corruptFileError(file, options, 'tracks', 'not an object');
  if (!isRecord(runs)) throw corruptFileError(file, options, 'runs', 'not an object');
  const previous = memos.get(file) ?? { tracks: new Map<string, Memo>(), runs: new Map<string, Memo>() };
  const next = { tracks: new Map<string, Memo>(), runs: new Map<string, Memo>() };
  const validTracks = validateEntries(tracks, trackSummarySchema, previous.tracks, next.tracks, file, options, 'tracks');
  const validRuns = validateEntries(runs, runSummarySchema, previous.runs, next.runs, file, options, 'runs');
  memos.set(file, next);
  return { tracks: validTracks, runs: validRuns };
}

function validateEntries<T>(
  entries: Record<string, unknown>,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } } },
  previous: Map<string, Memo>,
  next: Map<string, Memo>,
  file: string,
  options: ReadOptions,
  field: string,
): Record<string, T> {
  const valid: Record<string, T> = {};
  const kind = field === 'tracks' ? 'track' : 'run';
  for (const [id, raw] of Object.entries(entries)) {
    if (!isValidId(kind, id)) throw corruptFileError(file, options, `${field}.${String(id)}`, `"${String(id)}" is not a valid ${kind} id`);
    const memo = previous.get(id);
    if (memo && isFlatEqual(memo.raw, raw)) {
      valid[id] = memo.valid as T;
      next.set(id, memo);
      continue;
    }
    const result = schema.safeParse(raw);
    if (!result.success) throw corruptFromIssues(file, options, result.error.issues, [field, id]);
    valid[id] = result.data;
    next.set(id, { raw: raw as Entry, valid: result.data });
  }
  return valid;
}

/** Same keys, same primitive values; any nested value means "validate again". */
function isFlatEqual(a: Entry, b: unknown): boolean {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const other = b as Entry;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(other).length) return false;
  for (const key of keys) {
    const value = a[key];
    if (value !== other[key] || (typeof value === 'object' && value !== null)) return false;
  }
  return true;
}
