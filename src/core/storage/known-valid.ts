import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_VERSION } from '../model/schemas';
import { fileIdentityKey, type FileIdentity } from './index-verdicts';
import type { ReadOptions } from './files';
import type { StorePaths } from './paths';
import { userCacheFile, writeUserCacheFile } from './user-cache';

/**
 * Documents of a store known to be valid, across processes: the identity of a file (inode, size,
 * modification and change times) recorded once zod accepted its bytes, or once this tool wrote
 * them from a document it holds. A read of a file whose identity is recorded parses the JSON and
 * skips zod, the largest cost of a short command: building the validators and running them for
 * the first time in a new process (7 ms of `track get-active`, 15–20 ms of a `switch`, measured).
 *
 * Identity, never age: any change to a file (a hand edit, a checkout, even `touch`) changes its
 * change time, which cannot be set back by hand, and a replaced file has a new inode. The one thing
 * not seen is a rewrite in place to the same size within one tick of the file system's clock (a few
 * ms on kernels with coarse timestamps; none on Linux 6.13+) — the same limit as the index's
 * file_stamp — and all it costs is that the rewritten bytes are parsed without zod.
 *
 * One small file per store in the user's cache folder, never in the store; read-modify-written
 * without the store's lock, so two processes may lose each other's entries (a later read only
 * validates again). Entries are only ever written for identities someone validated or wrote.
 */
export interface KnownValidFiles {
  /** Whether these bytes of `file` (read with this identity) were validated before. */
  has(file: string, identity: FileIdentity): boolean;
  /** Records that these bytes of `file` are valid (kept in memory, written to the cache soon). */
  note(file: string, identity: FileIdentity): void;
  /** Runs `work` with every document validated afresh (doctor: it must see what the files hold). */
  distrusting<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The most recent entries kept per store: a command reads a handful of documents, and every command
 * reads this file, so it stays small (about 7 KB) however large the store.
 */
const LIMIT = 64;
/** Entries recorded by another version of the validators (or of what is derived from them) are not trusted. */
export const VALIDATORS = `${typeof TRACK_MANAGER_VERSION === 'string' ? TRACK_MANAGER_VERSION : 'dev'}/${SCHEMA_VERSION}`;
declare const TRACK_MANAGER_VERSION: string;

const stores = new Map<string, StoreFiles>();

export function knownValidFiles(conductorDir: string): KnownValidFiles {
  let store = stores.get(conductorDir);
  if (!store) {
    store = new StoreFiles(conductorDir);
    stores.set(conductorDir, store);
  }
  return store;
}

/**
 * Read options for one of the store's whole documents, which may skip zod when known valid. Only
 * for documents every reader validates with one and the same (whole) schema: a verdict for a
 * checkpoint's header, say, says nothing of the rest of the checkpoint.
 */
export function documentOptions(paths: StorePaths, kind: 'track' | 'registry' | 'run' | 'activity' | 'decisions' | 'assumptions'): ReadOptions {
  return { kind, display: (file) => paths.display(file), known: knownValidFiles(paths.conductorDir) };
}

/** The files documentOptions reads: what a writer records as valid once it wrote them. */
const DOCUMENT_NAMES = new Set(['track.json', 'run.json', 'activity.json', 'decisions.json', 'assumptions.json']);

export function isKnowableDocument(paths: StorePaths, file: string): boolean {
  return DOCUMENT_NAMES.has(path.basename(file)) || file === paths.registryFile;
}

class StoreFiles implements KnownValidFiles {
  private readonly cacheFile: string;
  private readonly prefix: string;
  private entries: Map<string, string> | null = null;
  /** The cache file's change time when last read: a miss reads it again only if it changed. */
  private loadedStamp: string | null = null;
  private readonly pending = new Map<string, string>();
  private distrust = 0;

  constructor(private readonly conductorDir: string) {
    this.cacheFile = userCacheFile('known-valid', conductorDir);
    this.prefix = conductorDir + path.sep;
  }

  has(file: string, identity: FileIdentity): boolean {
    if (this.distrust > 0) return false;
    const key = this.keyOf(file);
    if (key === null) return false;
    const expected = fileIdentityKey(identity);
    if (this.load().get(key) === expected) return true;
    // Another process may have recorded it since this one last looked.
    return this.reloadIfChanged() && this.load().get(key) === expected;
  }

  note(file: string, identity: FileIdentity): void {
    const key = this.keyOf(file);
    if (key === null) return;
    const value = fileIdentityKey(identity);
    const entries = this.load();
    if (entries.get(key) === value) return;
    entries.delete(key);
    entries.set(key, value);
    this.pending.set(key, value);
    scheduleFlush();
  }

  async distrusting<T>(work: () => Promise<T>): Promise<T> {
    this.distrust += 1;
    try {
      return await work();
    } finally {
      this.distrust -= 1;
    }
  }

  /** Writes the entries noted since the last flush, merged into what the cache file holds now. */
  flush(): void {
    if (this.pending.size === 0) return;
    // Unchanged since this process read or wrote it: what it holds is already in memory, with ours.
    const unchanged = this.entries !== null && this.loadedStamp !== null && stampOf(this.cacheFile) === this.loadedStamp;
    const merged = unchanged ? this.entries! : this.readCacheFile() ?? new Map<string, string>();
    for (const [key, value] of this.pending) {
      merged.delete(key);
      merged.set(key, value);
    }
    this.pending.clear();
    for (const key of merged.keys()) {
      if (merged.size <= LIMIT) break;
      merged.delete(key);
    }
    this.entries = merged;
    const text = JSON.stringify({ conductor: this.conductorDir, validators: VALIDATORS, files: Object.fromEntries(merged) });
    // A cache: a folder that cannot be written only costs validations later.
    if (writeUserCacheFile(this.cacheFile, text)) this.loadedStamp = stampOf(this.cacheFile);
  }

  private keyOf(file: string): string | null {
    return file.startsWith(this.prefix) ? file.slice(this.prefix.length) : null;
  }

  private load(): Map<string, string> {
    if (!this.entries) {
      this.loadedStamp = stampOf(this.cacheFile);
      this.entries = this.readCacheFile() ?? new Map();
    }
    return this.entries;
  }

  private reloadIfChanged(): boolean {
    const stamp = stampOf(this.cacheFile);
    if (stamp === null || stamp === this.loadedStamp) return false;
    this.loadedStamp = stamp;
    const fresh = this.readCacheFile() ?? new Map<string, string>();
    for (const [key, value] of this.pending) fresh.set(key, value);
    this.entries = fresh;
    return true;
  }

  private readCacheFile(): Map<string, string> | null {
    try {
      const doc = JSON.parse(fs.readFileSync(this.cacheFile, 'utf8')) as { conductor?: unknown; validators?: unknown; files?: unknown };
      if (doc.conductor !== this.conductorDir || doc.validators !== VALIDATORS) return null;
      if (typeof doc.files !== 'object' || doc.files === null || Array.isArray(doc.files)) return null;
      const entries = new Map<string, string>();
      for (const [key, value] of Object.entries(doc.files)) if (typeof value === 'string') entries.set(key, value);
      return entries;
    } catch {
      return null;
    }
  }
}

let flushTimer: NodeJS.Timeout | null = null;
let exitHookSet = false;

function flushAll(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  for (const store of stores.values()) store.flush();
}

/** Soon for a long-lived process (the editor), and at the latest when a short one (the CLI) exits. */
function scheduleFlush(): void {
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', flushAll);
  }
  if (flushTimer) return;
  flushTimer = setTimeout(flushAll, 200);
  flushTimer.unref();
}

function stampOf(file: string): string | null {
  try {
    const info = fs.statSync(file);
    return `${info.ino}:${info.size}:${info.ctimeMs}`;
  } catch {
    return null;
  }
}
