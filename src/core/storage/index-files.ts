import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { isValidId } from '../model/ids';
import { corruptFileError, type ReadOptions } from './files';
import {
  changedEntries, forgetChangedEntries, isRecorded, moveChanges, recordChangesOf, recordedActive, runEntryChanged, trackEntryChanged,
} from './index-changes';
import { indexLineChecksum } from './index-document';
import {
  identityKey, isKnownValid, isKnownValidLogFile, knownValidLog, logVerdictKey, rememberValid, rememberValidLog, rememberValidLogFile, type FileIdentity,
} from './index-verdicts';
import type { StorePaths } from './paths';
import { validateSummaries } from './registry-file';
import {
  runSummarySchema, SCHEMA_VERSION, trackSummarySchema, type Registry, type RunSummaryEntry, type TrackSummaryEntry,
} from '../model/schemas';

/**
 * The index in three files, so a write touches a few hundred bytes of it whatever the number of
 * tracks (format 2 of the index; format 1 was one track-registry.json holding every entry):
 *
 * - `track-registry.json`, the head: `active_track`, `updated_at`, and `index: {format, generation}`
 *   naming the base it goes with. Its `tracks` and `runs` are empty. Rewritten only when the
 *   active track changes or the base is rebuilt.
 * - `track-index.json`, the base: every summary as of generation G (rewritten only by a rebuild
 *   or a compaction).
 * - `track-index.log`, the changes since the base, one line per commit, appended: a header line
 *   `{g}` then `{g, a, u, t: {id: summary|null}, r: {id: summary|null}}`, each line prefixed by a
 *   checksum of its JSON. A commit appends its line through the journal (journal.ts): after a
 *   crash the next lock holder truncates the log to where the line starts and writes it again.
 *
 * Every line (the header too) also carries `s`: the entries of the tracks whose entry says active
 * after it (normally one or none). A write that needs only its own track, the head and the active
 * tracks (create, pause: readPartialIndex) reads the log's last line instead of the base and the
 * whole log, so what it reads does not grow with the store. Older versions ignore `s`; a last line
 * without it (written by one of them, or before `s` existed) makes the write read the index whole,
 * and that write's line carries `s` again: no format change, no upgrade step.
 *
 * Readers read head, base and log (three files at any size). A head with entries of its own is
 * format 1 (ours before, or written by an older Track Manager that kept our `index` field): its
 * entries win and the base and log are ignored until the next write replaces them.
 */
export const INDEX_FORMAT = 2;
/**
 * The log is folded into a new base once it outgrows this or a quarter of the base, whichever is
 * larger. A cold reader pays more per byte of log (checksum, parse and validation of each line)
 * than per byte of base (parsed, its validation remembered by identity), so the log stays a
 * fraction of the base: at most about a quarter more to read. A compaction writes the base once per
 * (base / 4) bytes of lines, so a write costs at most about four times its own line, whatever the
 * number of tracks.
 */
const LOG_LIMIT_BYTES = 32 * 1024;
const LOG_SHARE_OF_BASE = 4;

export interface IndexDescriptor {
  format: number;
  generation: number;
}

/** What a registry read from the split index was, to write only what changed since. */
interface LoadedState {
  generation: number;
  baseBytes: number;
  /** Bytes of the log up to the end of its last complete line: where the next line goes. */
  logBytes: number;
  activeTrack: string | null;
  /** Only for a writer's registry (its changed entries are recorded, index-changes.ts): what proves it current. */
  writer?: WriterState;
}

/** What a writer's registry was read from, so its next write can take only the log's new lines. */
interface WriterState {
  /** identityKey of the base read (inode, size, modification and change times, generation). */
  base: string;
  logIno: number;
  /** Where the last complete line read or written starts, and its bytes: they must still be there. */
  lastLineStart: number;
  lastLine: Buffer;
  /** The last line's `a` and `u` (undefined: the log has only its header), which win over the head's. */
  logActive?: string | null;
  logUpdatedAt?: string;
  /** What the commit under way writes to the index (indexWriteFor), settled once it is committed. */
  pending?: { line: string; activeTrack: string | null; updatedAt: string } | 'whole';
}
const loadedStates = new WeakMap<Registry, LoadedState>();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function indexDescriptorOf(head: Registry): IndexDescriptor | null {
  const index = (head as { index?: unknown }).index;
  if (!index || typeof index !== 'object') return null;
  const { format, generation } = index as { format?: unknown; generation?: unknown };
  if (format !== INDEX_FORMAT || typeof generation !== 'number' || !Number.isInteger(generation) || generation < 1) return null;
  return { format, generation };
}

/** Whether this head is format 2 (its entries live in the base and the log). */
export function isSplitHead(head: Registry): boolean {
  return indexDescriptorOf(head) !== null && Object.keys(head.tracks).length === 0 && Object.keys(head.runs).length === 0;
}

const checksum = indexLineChecksum;

function logLine(doc: unknown): string {
  const json = JSON.stringify(doc);
  return `${checksum(json)} ${json}\n`;
}

/** The whole file and the identity of exactly the bytes read (fstat of the open file). */
async function readBytesWithIdentity(file: string): Promise<{ bytes: Buffer; identity: FileIdentity } | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const info = await handle.stat();
    return { bytes: await readRange(handle, 0, info.size), identity: info };
  } finally {
    await handle.close();
  }
}

/** `length` bytes from `from`, fewer if the file ends sooner. */
async function readRange(handle: FileHandle, from: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, from + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

/**
 * The log from byte `from` to its end, or null when it is missing, shorter than the `known` bytes
 * already read from it, or another file than `ino` (when given): the log was replaced or cut.
 */
async function readLogTail(paths: StorePaths, from: number, known: number, ino?: number): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(paths.indexLogFile, 'r');
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if ((ino !== undefined && info.ino !== ino) || info.size < known) return null;
    return await readRange(handle, from, info.size - from);
  } finally {
    await handle.close();
  }
}

/**
 * The registry a split head stands for: base plus log. Null when the base or the log is missing
 * or belongs to another generation (a rebuild is then the answer, as for a missing registry).
 */
export async function readSplitIndex(paths: StorePaths, head: Registry, readHead: () => Promise<Registry | null>): Promise<Registry | null> {
  let current: Registry | null = head;
  // A compaction renames base, log and head one after the other: a reader in between sees two
  // generations and looks again.
  for (let attempt = 0; attempt < 4 && current; attempt += 1) {
    const descriptor = indexDescriptorOf(current);
    if (!descriptor || !isSplitHead(current)) return current;
    const composed = await composeIndex(paths, current, descriptor.generation);
    if (composed) return composed;
    current = await readHead();
  }
  return null;
}

async function composeIndex(paths: StorePaths, head: Registry, generation: number): Promise<Registry | null> {
  const options: ReadOptions = { kind: 'registry', display: (f) => paths.display(f) };
  const baseRead = await readBytesWithIdentity(paths.indexBaseFile);
  if (!baseRead) return null;
  const baseBytes = baseRead.bytes;
  let base: { schema_version?: unknown; generation?: unknown; tracks?: unknown; runs?: unknown };
  try {
    base = JSON.parse(baseBytes.toString('utf8')) as typeof base;
  } catch {
    throw corruptFileError(paths.indexBaseFile, options, null, 'invalid JSON');
  }
  if (!base || typeof base !== 'object') throw corruptFileError(paths.indexBaseFile, options, null, 'not a JSON object');
  if (base.generation !== generation) return null;
  if (base.schema_version !== SCHEMA_VERSION) throw corruptFileError(paths.indexBaseFile, options, 'schema_version', `expected ${SCHEMA_VERSION}`);
  // A base validated before (by any process) with this identity is not validated again.
  const verdict = identityKey(baseRead.identity, generation);
  let tracks: Record<string, TrackSummaryEntry>;
  let runs: Record<string, RunSummaryEntry>;
  if (isRecord(base.tracks) && isRecord(base.runs) && isKnownValid(paths, verdict)) {
    tracks = base.tracks as Record<string, TrackSummaryEntry>;
    runs = base.runs as Record<string, RunSummaryEntry>;
  } else {
    ({ tracks, runs } = validateSummaries(paths.indexBaseFile, options, base.tracks, base.runs));
    await rememberValid(paths, verdict);
  }
  const logRead = await readBytesWithIdentity(paths.indexLogFile);
  if (!logRead) return null;
  const wholeRead = logRead.bytes.length === logRead.identity.size;
  // A log known valid whole (this identity: nothing changed since) needs no checksum and no zod;
  // else the lines validated before (by any process) are not validated again either.
  const knownWhole = wholeRead && isKnownValidLogFile(paths, verdict, logRead.identity);
  const knownLog = knownValidLog(paths, verdict);
  const trusted = knownWhole ? { bytes: logRead.bytes.length } : knownLog?.logIno === logRead.identity.ino ? knownLog : undefined;
  const log = applyLog(paths, logRead.bytes, generation, tracks, runs, options, false, trusted);
  if (!log) return null;
  if (log.chain) await rememberValidLog(paths, verdict, logVerdictKey(logRead.identity.ino, log.consumed, log.chain));
  if (!knownWhole && wholeRead && log.consumed === logRead.bytes.length) await rememberValidLogFile(paths, verdict, logRead.identity);
  const registry: Registry = {
    ...head,
    active_track: log.activeTrack === undefined ? head.active_track : log.activeTrack,
    updated_at: log.updatedAt ?? head.updated_at,
    tracks,
    runs,
  };
  loadedStates.set(registry, {
    generation,
    baseBytes: baseBytes.length,
    logBytes: log.consumed,
    activeTrack: registry.active_track,
    writer: {
      base: verdict,
      logIno: logRead.identity.ino,
      lastLineStart: log.lastLineStart,
      lastLine: Buffer.from(logRead.bytes.subarray(log.lastLineStart, log.consumed)),
      logActive: log.activeTrack,
      logUpdatedAt: log.updatedAt,
    },
  });
  // A write with this registry records the entries it changes and writes those alone.
  recordChangesOf(registry);
  return registry;
}

/** Registries read by readPartialIndex: the head, the active tracks' entries and what the write itself sets. */
const partialIndexes = new WeakSet<Registry>();

/** Whether this registry holds only some entries (readPartialIndex): anything needing the others makes it whole first. */
export function isPartialIndex(registry: Registry): boolean {
  return partialIndexes.has(registry);
}

/** Where the last line is looked for first: a line with one or two active entries is well under 2 KB. */
const LAST_LINE_CHUNK = 4096;

/**
 * The index as far as a write of one track needs it, read under the lock: the head, and from the
 * log's last line (`s`) the entries of the active tracks, with what proves it current (the base's
 * identity, the log's length). Neither the base nor the rest of the log is read. Null when that
 * is not enough (a last line without `s`, a log that does not end a line, another generation): the
 * caller reads the index whole, which also reports any damage.
 */
export async function readPartialIndex(paths: StorePaths, head: Registry): Promise<Registry | null> {
  const descriptor = indexDescriptorOf(head);
  if (!descriptor || !isSplitHead(head)) return null;
  const generation = descriptor.generation;
  // One round: the base's identity (what proves the log goes with it) and the log opened at once.
  const [baseInfo, handle] = await Promise.all([stat(paths.indexBaseFile).catch(() => null), open(paths.indexLogFile, 'r').catch(() => null)]);
  if (!baseInfo || !handle) {
    await handle?.close();
    return null;
  }
  let logInfo;
  let line: Buffer | null = null;
  let lineStart = 0;
  try {
    logInfo = await handle.stat();
    for (let chunk = LAST_LINE_CHUNK; line === null; chunk *= 4) {
      const from = Math.max(0, logInfo.size - chunk);
      const bytes = await readRange(handle, from, logInfo.size - from);
      if (bytes.length === 0 || bytes.length !== logInfo.size - from || bytes[bytes.length - 1] !== 10) return null;
      const before = bytes.lastIndexOf(10, bytes.length - 2);
      if (before < 0 && from > 0) continue;
      lineStart = from + before + 1;
      line = bytes.subarray(before + 1, bytes.length - 1);
    }
  } finally {
    await handle.close();
  }
  const text = line.toString('utf8');
  const json = text.slice(17);
  if (text[16] !== ' ' || checksum(json) !== text.slice(0, 16)) return null;
  let entry: { g?: unknown; a?: unknown; u?: unknown; s?: unknown };
  try {
    entry = JSON.parse(json) as typeof entry;
  } catch {
    return null;
  }
  if (!isRecord(entry) || entry.g !== generation || !isRecord(entry.s)) return null;
  const header = lineStart === 0;
  if (!header && !(entry.a === null || (typeof entry.a === 'string' && isValidId('track', entry.a)))) return null;
  if (!header && typeof entry.u !== 'string') return null;
  const tracks: Record<string, TrackSummaryEntry> = {};
  for (const [id, value] of Object.entries(entry.s)) {
    const result = isValidId('track', id) ? trackSummarySchema.safeParse(value) : null;
    if (!result?.success || result.data.status !== 'active') return null;
    tracks[id] = result.data;
  }
  const activeTrack = header ? head.active_track ?? null : (entry.a as string | null);
  // The track named active must be among them, or its freshness could not be checked.
  if (activeTrack !== null && !Object.hasOwn(tracks, activeTrack)) return null;
  const registry: Registry = { ...head, active_track: activeTrack, updated_at: header ? head.updated_at : (entry.u as string), tracks, runs: {} };
  const lastLine = Buffer.from(`${text}\n`);
  loadedStates.set(registry, {
    generation,
    baseBytes: baseInfo.size,
    logBytes: logInfo.size,
    activeTrack,
    writer: {
      base: identityKey(baseInfo, generation),
      logIno: logInfo.ino,
      lastLineStart: lineStart,
      lastLine,
      ...(header ? {} : { logActive: activeTrack, logUpdatedAt: entry.u as string }),
    },
  });
  recordChangesOf(registry, new Set(Object.keys(tracks)));
  partialIndexes.add(registry);
  return registry;
}

/**
 * The whole index with a partial registry's changes made over it (the entries it set or removed,
 * its active track and time): what the write would have had if it had read the index whole.
 */
export function overlayPartialIndex(partial: Registry, whole: Registry): Registry {
  const changed = changedEntries(partial);
  for (const id of changed?.tracks ?? []) {
    if (Object.hasOwn(partial.tracks, id)) whole.tracks[id] = partial.tracks[id];
    else delete whole.tracks[id];
    trackEntryChanged(whole, id);
  }
  for (const id of changed?.runs ?? []) {
    if (Object.hasOwn(partial.runs, id)) whole.runs[id] = partial.runs[id];
    else delete whole.runs[id];
    runEntryChanged(whole, id);
  }
  whole.active_track = partial.active_track;
  whole.updated_at = partial.updated_at;
  return whole;
}

interface LogOutcome {
  consumed: number;
  /** Where the last complete line starts (the header's 0 when there is no other). */
  lastLineStart: number;
  activeTrack?: string | null;
  updatedAt?: string;
  /** The track ids the applied lines set or removed. */
  touchedTracks?: Set<string>;
  /** Hash of every complete line's checksum (a whole log read, for its verdict). */
  chain?: string;
}

/** How a reader's view was derived from the one before it (extendFromLog), so derived data can be updated, not rebuilt. */
export interface ViewChange {
  /** Weak: a chain of views must not keep every earlier index in memory. */
  previous: WeakRef<Registry>;
  /** Track ids whose entry was set (possibly to an equal value) or removed. */
  touchedTracks: ReadonlySet<string>;
}
const viewChanges = new WeakMap<Registry, ViewChange>();

/** The change a reader's view was made of (null for a view read whole). Views are never mutated once returned. */
export function viewChangeOf(registry: Registry): ViewChange | null {
  return viewChanges.get(registry) ?? null;
}

/** Applies the log's complete lines to the base's entries; a torn last line (a write under way) is left out. */
function applyLog(
  paths: StorePaths,
  bytes: Buffer,
  generation: number,
  tracks: Record<string, TrackSummaryEntry>,
  runs: Record<string, RunSummaryEntry>,
  options: ReadOptions,
  headerRead = false,
  /** Lines known valid: the first `bytes` when their checksums hash to `chain`; all of them, checksums unchecked, without a chain (a log known valid whole). */
  trusted?: { bytes: number; chain?: string },
): LogOutcome | null {
  const file = paths.indexLogFile;
  const outcome: LogOutcome = { consumed: 0, lastLineStart: 0 };
  const knownWhole = !headerRead && trusted !== undefined && trusted.chain === undefined && trusted.bytes === bytes.length;
  // A whole log: the chain of its lines' checksums, to remember it valid and to trust what was.
  const chain = headerRead || knownWhole ? null : createHash('sha256');
  const trustedEnd = knownWhole ? bytes.length : chain && trusted?.chain && chainOf(bytes, trusted.bytes) === trusted.chain ? trusted.bytes : 0;
  let start = 0;
  let lineNumber = headerRead ? 1 : 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(10, start);
    if (end < 0) break;
    lineNumber += 1;
    const line = bytes.toString('utf8', start, end);
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    if (space !== 16 || (!knownWhole && checksum(json) !== line.slice(0, 16))) {
      throw corruptFileError(file, options, null, `line ${lineNumber} does not match its checksum`, { line: lineNumber, column: 1 });
    }
    chain?.update(line.slice(0, 16));
    const entry = JSON.parse(json) as { g?: unknown; a?: unknown; u?: unknown; t?: unknown; r?: unknown };
    if (entry.g !== generation) {
      if (lineNumber === 1) return null; // The log of another base: a compaction is under way.
      throw corruptFileError(file, options, 'g', `line ${lineNumber} belongs to generation ${String(entry.g)}, not ${generation}`, { line: lineNumber, column: 1 });
    }
    if (lineNumber > 1) applyLine(file, options, entry, lineNumber, tracks, runs, outcome, end < trustedEnd);
    outcome.lastLineStart = start;
    start = end + 1;
    outcome.consumed = start;
  }
  if (chain) outcome.chain = chain.digest('hex').slice(0, 32);
  return lineNumber === 0 ? null : outcome;
}

/** The chain of checksums of the complete lines in the first `length` bytes (null when they do not end a line). */
function chainOf(bytes: Buffer, length: number): string | null {
  if (length <= 0 || length > bytes.length || bytes[length - 1] !== 10) return null;
  const chain = createHash('sha256');
  let start = 0;
  while (start < length) {
    const end = bytes.indexOf(10, start);
    chain.update(bytes.toString('utf8', start, Math.min(start + 16, end)));
    start = end + 1;
  }
  return chain.digest('hex').slice(0, 32);
}

/**
 * A registry read earlier, brought up to date by the log lines appended since (a long-lived
 * reader after another process's write): only the new bytes are read and validated. Null when
 * that is not enough (the registry was not read from a split index, the log was replaced or cut).
 */
export async function extendFromLog(paths: StorePaths, previous: Registry): Promise<Registry | null> {
  const state = loadedStates.get(previous);
  if (!state) return null;
  const bytes = await readLogTail(paths, state.logBytes, state.logBytes);
  if (!bytes) return null;
  const tracks = { ...previous.tracks };
  const runs = { ...previous.runs };
  const options: ReadOptions = { kind: 'registry', display: (f) => paths.display(f) };
  let log: LogOutcome | null;
  try {
    log = applyLog(paths, bytes, state.generation, tracks, runs, options, true);
  } catch {
    return null; // A full read reports it.
  }
  if (!log) return null;
  const registry: Registry = {
    ...previous,
    active_track: log.activeTrack === undefined ? previous.active_track : log.activeTrack,
    updated_at: log.updatedAt ?? previous.updated_at,
    tracks,
    runs,
  };
  // A reader's view: no copy of the entries to diff against (a write reads the index afresh).
  loadedStates.set(registry, {
    generation: state.generation,
    baseBytes: state.baseBytes,
    logBytes: state.logBytes + log.consumed,
    activeTrack: registry.active_track,
  });
  viewChanges.set(registry, { previous: new WeakRef(previous), touchedTracks: log.touchedTracks ?? new Set() });
  return registry;
}

function applyLine(
  file: string,
  options: ReadOptions,
  entry: { a?: unknown; u?: unknown; t?: unknown; r?: unknown },
  lineNumber: number,
  tracks: Record<string, TrackSummaryEntry>,
  runs: Record<string, RunSummaryEntry>,
  outcome: LogOutcome,
  /** A line a verdict proved valid (applyLog's `trusted`): its entries skip zod. */
  known = false,
): void {
  const where = { line: lineNumber, column: 1 };
  const fail = (field: string, problem: string) => corruptFileError(file, options, field, `${problem} (line ${lineNumber})`, where);
  if (entry.a !== null && !(typeof entry.a === 'string' && isValidId('track', entry.a))) throw fail('a', 'not a track id');
  if (typeof entry.u !== 'string') throw fail('u', 'not a time');
  for (const [kind, given, target, schema] of [
    ['track', entry.t, tracks, trackSummarySchema],
    ['run', entry.r, runs, runSummarySchema],
  ] as const) {
    if (!given || typeof given !== 'object' || Array.isArray(given)) throw fail(kind === 'track' ? 't' : 'r', 'not an object');
    for (const [id, value] of Object.entries(given as Record<string, unknown>)) {
      const name: string = id;
      if (!isValidId(kind, id)) throw fail(`${kind}s.${name}`, `"${name}" is not a valid ${kind} id`);
      if (kind === 'track') (outcome.touchedTracks ??= new Set()).add(id);
      if (value === null) {
        delete (target as Record<string, unknown>)[id];
        continue;
      }
      if (known && typeof value === 'object' && !Array.isArray(value)) {
        (target as Record<string, unknown>)[id] = value;
        continue;
      }
      const result = schema.safeParse(value);
      if (!result.success) throw fail(`${kind}s.${id}.${result.error.issues[0].path.map(String).join('.')}`, result.error.issues[0].message);
      (target as Record<string, unknown>)[id] = result.data;
    }
  }
  outcome.activeTrack = entry.a;
  outcome.updatedAt = entry.u;
}

/** A change appended to a file at a known offset, as part of a commit (see journal.ts). */
export interface FileAppend {
  target: string;
  offset: number;
  data: string;
}

export interface IndexWrite {
  files: Map<string, string>;
  appends: FileAppend[];
}

/** The head as written: the registry's own fields without its entries, and the base it goes with. */
function headFor(registry: Registry, generation: number): string {
  const { tracks: _tracks, runs: _runs, index: _index, ...rest } = registry as Registry & { index?: unknown };
  return `${JSON.stringify({ ...rest, schema_version: SCHEMA_VERSION, tracks: {}, runs: {}, index: { format: INDEX_FORMAT, generation } }, null, 2)}\n`;
}

/** Every index file for this registry, as a new generation: a rebuild, an upgrade or a compaction. */
export function wholeIndexFiles(paths: StorePaths, registry: Registry, generation: number): Map<string, string> {
  return new Map([
    [paths.indexBaseFile, `${JSON.stringify({ schema_version: SCHEMA_VERSION, generation, tracks: registry.tracks, runs: registry.runs })}\n`],
    [paths.indexLogFile, logLine({ g: generation, s: activeEntries(registry) })],
    // Last: the head names the base, so a reader never finds a head without its base.
    [paths.registryFile, headFor(registry, generation)],
  ]);
}

/**
 * What a commit writes to the index: one log line with the entries this write changed (recorded
 * as they change, index-changes.ts; the head too when the active track changed), or a whole new
 * generation when the registry was not read from a split index (format 1, the original's, a
 * rebuild) or the log is due for compaction.
 */
export function indexWriteFor(paths: StorePaths, registry: Registry, previousGeneration = 0): IndexWrite | null {
  const state = loadedStates.get(registry);
  const changed = changedEntries(registry);
  const partial = partialIndexes.has(registry);
  if (!state?.writer || !changed) return partial ? null : wholeIndexWrite(paths, registry, previousGeneration + 1);
  const t: Record<string, TrackSummaryEntry | null> = {};
  const r: Record<string, RunSummaryEntry | null> = {};
  for (const id of changed.tracks) t[id] = Object.hasOwn(registry.tracks, id) ? registry.tracks[id] : null;
  for (const id of changed.runs) r[id] = Object.hasOwn(registry.runs, id) ? registry.runs[id] : null;
  const activeTrack = registry.active_track ?? null;
  const activeChanged = activeTrack !== state.activeTrack;
  if (changed.tracks.size === 0 && changed.runs.size === 0 && !activeChanged) return { files: new Map(), appends: [] };
  const line = logLine({ g: state.generation, a: activeTrack, u: registry.updated_at, t, r, s: activeEntries(registry) });
  if (state.logBytes + Buffer.byteLength(line) > Math.max(LOG_LIMIT_BYTES, state.baseBytes / LOG_SHARE_OF_BASE)) {
    // A compaction writes every entry: a partial registry must be made whole first (null says so).
    return partial ? null : wholeIndexWrite(paths, registry, state.generation + 1);
  }
  state.writer.pending = { line, activeTrack, updatedAt: registry.updated_at };
  const files = new Map<string, string>();
  if (activeChanged) files.set(paths.registryFile, headFor(registry, state.generation));
  return { files, appends: [{ target: paths.indexLogFile, offset: state.logBytes, data: line }] };
}

/** The entries of the tracks whose entry says active (the `s` of every log line). */
function activeEntries(registry: Registry): Record<string, TrackSummaryEntry> {
  const entries: Record<string, TrackSummaryEntry> = {};
  // A writer's registry keeps the set as its entries change (index-changes.ts); any other is scanned.
  const kept = recordedActive(registry);
  if (kept) {
    for (const id of [...kept].sort()) if (Object.hasOwn(registry.tracks, id)) entries[id] = registry.tracks[id];
  } else {
    for (const id of Object.keys(registry.tracks).sort()) if (registry.tracks[id].status === 'active') entries[id] = registry.tracks[id];
  }
  return entries;
}

/** A new generation being committed for a registry, to take up once committed (settleCommittedIndex). */
const pendingGenerations = new WeakMap<Registry, { generation: number; baseBytes: number; header: string }>();

function wholeIndexWrite(paths: StorePaths, registry: Registry, generation: number): IndexWrite {
  const files = wholeIndexFiles(paths, registry, generation);
  const state = loadedStates.get(registry);
  if (state?.writer) state.writer.pending = 'whole';
  pendingGenerations.set(registry, {
    generation,
    baseBytes: Buffer.byteLength(files.get(paths.indexBaseFile) ?? ''),
    header: files.get(paths.indexLogFile) ?? '',
  });
  return { files, appends: [] };
}

/**
 * After a commit of this registry's changes (the lock still held): whether it still stands for the
 * index on disk, so the next write can start from it (advanceWriterIndex). A new generation it
 * wrote is taken up by the identity of the files just renamed in place — and its base is known
 * valid (index-verdicts.ts: its entries were validated or built here), so a cold reader skips zod.
 */
export async function settleCommittedIndex(paths: StorePaths, registry: Registry, lockStillOwned: () => Promise<boolean>): Promise<boolean> {
  const state = loadedStates.get(registry);
  const writer = state?.writer;
  const generation = pendingGenerations.get(registry);
  pendingGenerations.delete(registry);
  // A partial registry is not kept for a later write: that write may need every entry.
  if (partialIndexes.has(registry)) return false;
  if (generation && (!writer || writer.pending === 'whole')) return adoptGeneration(paths, registry, generation, lockStillOwned);
  if (!state || !writer || !isRecorded(registry)) return false;
  const pending = writer.pending;
  writer.pending = undefined;
  if (pending === 'whole') return false;
  if (pending) {
    const bytes = Buffer.from(pending.line);
    writer.lastLineStart = state.logBytes;
    writer.lastLine = bytes;
    writer.logActive = pending.activeTrack;
    writer.logUpdatedAt = pending.updatedAt;
    state.logBytes += bytes.length;
    state.activeTrack = pending.activeTrack;
  } else if ((registry.active_track ?? null) !== state.activeTrack || hasChanges(registry)) {
    return false; // Changed in memory but not written: not what the files say.
  }
  forgetChangedEntries(registry);
  return true;
}

function hasChanges(registry: Registry): boolean {
  const changed = changedEntries(registry);
  return changed !== undefined && changed.tracks.size + changed.runs.size > 0;
}

async function adoptGeneration(
  paths: StorePaths,
  registry: Registry,
  written: { generation: number; baseBytes: number; header: string },
  lockStillOwned: () => Promise<boolean>,
): Promise<boolean> {
  const [baseInfo, logInfo] = await Promise.all([stat(paths.indexBaseFile).catch(() => null), stat(paths.indexLogFile).catch(() => null)]);
  const header = Buffer.from(written.header);
  // Another writer may have taken an abandoned lock over meanwhile: then these files may be its own.
  if (!baseInfo || !logInfo || baseInfo.size !== written.baseBytes || logInfo.size !== header.length || !(await lockStillOwned())) return false;
  const base = identityKey(baseInfo, written.generation);
  loadedStates.set(registry, {
    generation: written.generation,
    baseBytes: written.baseBytes,
    logBytes: header.length,
    activeTrack: registry.active_track ?? null,
    writer: { base, logIno: logInfo.ino, lastLineStart: 0, lastLine: header },
  });
  if (isRecorded(registry)) forgetChangedEntries(registry);
  else recordChangesOf(registry);
  await rememberValid(paths, base);
  return true;
}

/**
 * A writer's registry from its last write, brought up to date (under the lock) by the lines other
 * writers appended since, read and validated alone. It stands only if the head names the same
 * generation, the base is the same file (its identity includes the change time, which cannot be
 * set back) and the log only grew: the same file, with the line this writer last read or wrote
 * still at its place. Null otherwise, and then `registry` must not be used again (read whole).
 */
export async function advanceWriterIndex(paths: StorePaths, registry: Registry, head: Registry): Promise<Registry | null> {
  const state = loadedStates.get(registry);
  const writer = state?.writer;
  if (!state || !writer || writer.pending || !isRecorded(registry)) return null;
  const descriptor = indexDescriptorOf(head);
  if (!descriptor || !isSplitHead(head) || descriptor.generation !== state.generation) return null;
  const baseInfo = await stat(paths.indexBaseFile).catch(() => null);
  if (!baseInfo || identityKey(baseInfo, state.generation) !== writer.base) return null;
  const tail = await readLogTail(paths, writer.lastLineStart, state.logBytes, writer.logIno);
  if (!tail) return null;
  const known = state.logBytes - writer.lastLineStart;
  if (tail.length < known || !tail.subarray(0, known).equals(writer.lastLine)) return null;
  const options: ReadOptions = { kind: 'registry', display: (f) => paths.display(f) };
  let log: LogOutcome | null;
  try {
    log = applyLog(paths, tail.subarray(known), state.generation, registry.tracks, registry.runs, options, true);
  } catch {
    return null; // A full read reports it.
  }
  if (!log) return null;
  for (const id of log.touchedTracks ?? []) trackEntryChanged(registry, id, false);
  if (log.consumed > 0) {
    writer.lastLineStart = state.logBytes + log.lastLineStart;
    writer.lastLine = Buffer.from(tail.subarray(known + log.lastLineStart, known + log.consumed));
    writer.logActive = log.activeTrack;
    writer.logUpdatedAt = log.updatedAt;
    state.logBytes += log.consumed;
  }
  const current: Registry = {
    ...head,
    active_track: writer.logActive === undefined ? head.active_track : writer.logActive,
    updated_at: writer.logUpdatedAt ?? head.updated_at,
    tracks: registry.tracks,
    runs: registry.runs,
  };
  state.activeTrack = current.active_track;
  loadedStates.delete(registry);
  loadedStates.set(current, state);
  moveChanges(registry, current);
  return current;
}

/**
 * A reader's view of a writer's registry: its own copy of the entries (the writer keeps changing
 * its registry, a view never changes), still extendable from the log (extendFromLog).
 */
export function viewOfWriterIndex(registry: Registry): Registry {
  const view: Registry = { ...registry, tracks: { ...registry.tracks }, runs: { ...registry.runs } };
  const state = loadedStates.get(registry);
  // As read: extending the view later re-applies this write's own line, which changes nothing.
  if (state) loadedStates.set(view, { generation: state.generation, baseBytes: state.baseBytes, logBytes: state.logBytes, activeTrack: state.activeTrack });
  return view;
}

/** Whether this registry was read from a split index (a write then appends to its log). */
export function isReadFromSplitIndex(registry: Registry): boolean {
  return loadedStates.get(registry)?.writer !== undefined && isRecorded(registry);
}

/** The generation a registry was read at (0 when it was not read from a split index). */
export function loadedGeneration(registry: Registry): number {
  return loadedStates.get(registry)?.generation ?? indexDescriptorOf(registry)?.generation ?? 0;
}

/** Paths of the index files other than the head, relative to the tracks folder (for .gitignore). */
export function indexFileNames(paths: StorePaths): string[] {
  return [paths.indexBaseFile, paths.indexLogFile].map((file) => path.relative(path.dirname(paths.tracksDir), file));
}
