import { statSync } from 'node:fs';
import { access, lstat, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { stageHeartbeat } from './activity';
import type { StoreContext } from './context';
import { serialize } from './files';
import { assertId } from '../model/ids';
import { changedTrackFiles, refreshEntries, saidActive, stampOf } from './index-freshness';
import { indexWriteFor, isPartialIndex, isReadFromSplitIndex, loadedGeneration, type IndexWrite } from './index-files';
import { commitFiles } from './journal';
import { finishPendingJournal } from './journal-repair';
import { awaitMoreRequests, joinedTransaction, lockTryIsQuick, runQueuedRequests, settleOwnRequest } from './group-commit';
import { withLockScope } from './lock-scope';
import { unsafeLink } from './write-safety';
import { withStoreLock, type HeldLock } from './lock';
import {
  indexRun, indexTrack, readRunFile, readTrackFileNow, rebuildRegistry, trackNotFound,
} from './registry';
import { keepForNextWrite, readRegistryForWrite, wholeRegistryFor } from './writer-index';
import { restoreChanges, snapshotChanges, type ChangesSnapshot } from './index-changes';
import { TrackError } from '../model/errors';
import { registryForWrite } from './origin-index';
import { isKnowableDocument } from './known-valid';
import type { Registry, Run, Track } from '../model/schemas';

export const GITIGNORE = [
  '# Track Manager: machine-local files. The registry is an index rebuilt from the track folders.',
  'tracks/track-registry.json',
  'tracks/track-index.json',
  'tracks/track-index.log',
  'tracks/track-registry.lock',
  'tracks/track-registry.lock-owner.json',
  'tracks/track-registry.lock.abandoned-*',
  'tracks/track-journal.json',
  'tracks/track-journal.json.unapplied-*',
  'tracks/track-registry.queue/',
  '.*.tmp.unapplied-*',
  '.*.tmp',
  '',
].join('\n');

/**
 * One mutation of the store: everything read inside it is read fresh from disk under the lock,
 * everything written is staged and committed together (see journal.ts).
 */
export class Transaction {
  readonly files = new Map<string, string | Buffer>();
  /** Files staged from a typed document (not raw bytes): recorded as valid once written (known-valid.ts). */
  readonly documents = new Set<string>();
  readonly afterCommit: Array<() => Promise<void>> = [];
  private readonly tracks = new Map<string, Track>();
  private readonly runs = new Map<string, Run>();
  private readonly writtenTracks = new Set<string>();
  /** Tracks whose file was checked against the index in this transaction (refreshIndex). */
  private readonly checkedTracks = new Set<string>();
  /** What this transaction read from disk that no write of it changes before its commit (once). */
  private readonly readOnce = new Map<string, Promise<unknown>>();
  registryChanged = false;

  constructor(
    readonly ctx: StoreContext,
    public registry: Registry,
    readonly lock: HeldLock,
    readonly now: string,
  ) {}

  get paths() { return this.ctx.paths; }

  /** A promise still (its callers await it), though the file is read synchronously (readDocumentNow). */
  track(trackId: string): Promise<Track> {
    try {
      return Promise.resolve(this.trackNow(trackId));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private trackNow(trackId: string): Track {
    assertId('track', trackId, '--track-id');
    const staged = this.tracks.get(trackId);
    if (staged) return staged;
    const track = readTrackFileNow(this.paths, trackId);
    if (!track) throw trackNotFound(trackId);
    this.tracks.set(trackId, track);
    return track;
  }

  putTrack(track: Track): void {
    this.tracks.set(track.track_id, track);
    this.writtenTracks.add(track.track_id);
    this.putDocument(this.paths.trackFile(track.track_id), track);
    indexTrack(this.registry, track);
    this.registryChanged = true;
  }

  /**
   * Makes the registry whole when the write read only part of it (MutateOptions.oneTrack): for
   * anything that needs entries other than the active tracks' and its own.
   */
  async wholeIndex(): Promise<Registry> {
    if (isPartialIndex(this.registry)) this.registry = await wholeRegistryFor(this.paths, this.registry, this.now);
    return this.registry;
  }

  async run(runId: string): Promise<Run> {
    assertId('run', runId, '--run-id');
    const staged = this.runs.get(runId);
    if (staged) return staged;
    await this.wholeIndex();
    const entry = this.registry.runs[runId];
    const run = entry ? await readRunFile(this.paths, entry.track_id, runId) : null;
    if (!run) {
      throw new TrackError('E_RUN_NOT_FOUND', `Workflow run not found: ${runId}. List runs with \`track run list\`.`, { run_id: runId });
    }
    this.runs.set(runId, run);
    return run;
  }

  putRun(run: Run): void {
    this.runs.set(run.run_id, run);
    this.putDocument(this.paths.runFile(run.track_id, run.run_id), run);
    indexRun(this.registry, run);
    this.registryChanged = true;
  }

  put(file: string, doc: unknown): void {
    this.putDocument(file, doc);
  }

  private putDocument(file: string, doc: unknown): void {
    this.files.set(file, serialize(doc));
    if (isKnowableDocument(this.paths, file)) this.documents.add(file);
  }

  putRaw(file: string, content: string | Buffer): void {
    this.files.set(file, content);
    this.documents.delete(file);
  }

  /**
   * The active track other than `trackId`, decided from the track files as they are now: every
   * indexed track file is checked by its identity (one stat each) and a changed one read again,
   * so a file edited outside the tool (a pull, a hand edit) cannot leave two tracks active.
   */
  async otherActiveTrack(trackId: string): Promise<Track | null> {
    await this.wholeIndex();
    await this.refreshIndex(Object.keys(this.registry.tracks));
    for (const activeId of saidActive(this.registry)) {
      if (activeId === trackId) continue;
      // A corrupt file of an active track stops the write (E_CORRUPT_FILE): guessing could leave two active.
      const active = this.tracks.get(activeId) ?? readTrackFileNow(this.paths, activeId);
      if (!active || active.status !== 'active') continue;
      this.tracks.set(activeId, active);
      return active;
    }
    return null;
  }

  /**
   * Re-reads into the index the named tracks whose file changed since it was indexed. Each file is
   * checked once per transaction: under the lock nothing but this transaction's commit changes it,
   * and a group commit's every switch asks again for every track.
   */
  async refreshIndex(ids: string[]): Promise<void> {
    const unchecked = ids.filter((id) => !this.checkedTracks.has(id) && !this.writtenTracks.has(id));
    let changed = changedTrackFiles(this.paths, this.registry, unchecked);
    if (changed.length > 0 && isPartialIndex(this.registry)) {
      // Re-indexing may drop a track with its runs and settle the active track among all entries.
      await this.wholeIndex();
      changed = changedTrackFiles(this.paths, this.registry, unchecked);
    }
    if (changed.length > 0 && (await refreshEntries(this.paths, this.registry, changed, []))) this.registryChanged = true;
    for (const id of unchecked) this.checkedTracks.add(id);
  }

  /**
   * A read of something on disk that this transaction does not write (the git position, a folder's
   * names), made once per transaction however many operations of a group commit ask for it.
   */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.readOnce.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read();
      this.readOnce.set(key, pending);
    }
    return pending;
  }

  /**
   * The index's change, with the identity of each track file this transaction writes (from its
   * temp file): a log line of the changed entries, or a new generation (index-files.ts).
   */
  readonly indexChange = async (staged: ReadonlyMap<string, string>): Promise<IndexWrite> => {
    for (const trackId of this.writtenTracks) {
      const temp = staged.get(this.paths.trackFile(trackId));
      const entry = this.registry.tracks[trackId];
      // A rename keeps the inode, size and modification time: the stamp of the temp is the file's.
      if (temp && entry) entry.file_stamp = stampOf(statSync(temp));
    }
    // A partial registry due for a compaction (null) is made whole: the new base holds every entry.
    return indexWriteFor(this.paths, this.registry, this.previousGeneration)
      ?? indexWriteFor(this.paths, await this.wholeIndex(), this.previousGeneration)
      ?? { files: new Map(), appends: [] };
  };

  /** The generation of the index files on disk, when the registry was not read from them (an upgrade, a rebuild). */
  previousGeneration = 0;

  /**
   * What is staged so far, to undo one operation of a group commit that failed (group-commit.ts).
   * Index entries are replaced, never changed in place, so copying the maps that hold them is enough.
   */
  savepoint(): TransactionSavepoint {
    return {
      files: new Map(this.files),
      documents: new Set(this.documents),
      afterCommit: this.afterCommit.length,
      tracks: new Map(this.tracks),
      runs: new Map(this.runs),
      writtenTracks: new Set(this.writtenTracks),
      registry: { ...this.registry, tracks: { ...this.registry.tracks }, runs: { ...this.registry.runs } },
      registryObject: this.registry,
      registryChanged: this.registryChanged,
      indexChanges: snapshotChanges(this.registry),
    };
  }

  rollBack(to: TransactionSavepoint): void {
    // Group commit makes the registry whole before its first savepoint (runQueuedRequests).
    if (to.registryObject !== this.registry) throw new Error('Internal error: the registry was made whole after this savepoint');
    replaceMap(this.files, to.files);
    this.documents.clear();
    for (const file of to.documents) this.documents.add(file);
    this.afterCommit.length = to.afterCommit;
    replaceMap(this.tracks, to.tracks);
    replaceMap(this.runs, to.runs);
    this.writtenTracks.clear();
    for (const id of to.writtenTracks) this.writtenTracks.add(id);
    // In place: the index files know the registry they loaded by its identity (index-files.ts).
    replaceRecord(this.registry.tracks, to.registry.tracks);
    replaceRecord(this.registry.runs, to.registry.runs);
    const { tracks: _tracks, runs: _runs, ...head } = to.registry;
    replaceRecord(this.registry as unknown as Record<string, unknown>, { ...head, tracks: this.registry.tracks, runs: this.registry.runs });
    this.registryChanged = to.registryChanged;
    restoreChanges(this.registry, to.indexChanges);
    // The index entries refreshed since the savepoint were rolled back with it: check them again.
    this.checkedTracks.clear();
  }
}

export interface TransactionSavepoint {
  readonly files: ReadonlyMap<string, string | Buffer>;
  readonly documents: ReadonlySet<string>;
  readonly afterCommit: number;
  readonly tracks: ReadonlyMap<string, Track>;
  readonly runs: ReadonlyMap<string, Run>;
  readonly writtenTracks: ReadonlySet<string>;
  readonly registry: Registry;
  /** The registry object the savepoint copied (it is replaced only when made whole, see wholeIndex). */
  readonly registryObject: Registry;
  readonly registryChanged: boolean;
  /** What the index records as changed and active (index-changes.ts), as of the savepoint. */
  readonly indexChanges: ChangesSnapshot;
}

function replaceRecord<V>(target: Record<string, V>, source: Readonly<Record<string, V>>): void {
  for (const key of Object.keys(target)) if (!Object.hasOwn(source, key)) delete target[key];
  for (const [key, value] of Object.entries(source)) if (target[key] !== value) target[key] = value;
}

function replaceMap<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}

export interface MutateOptions {
  /** Only `create` starts a store where there is none (see assertStoreExists). */
  createsStore?: boolean;
  /**
   * The write needs only its own tracks, the head and the active tracks' entries: the index is read
   * in part (readPartialIndex), so the write's reads do not grow with the store. Anything that needs
   * other entries calls `tx.wholeIndex()` first (other active tracks, runs by id, a compaction).
   */
  oneTrack?: boolean;
}

export async function mutate<T>(ctx: StoreContext, command: string, work: (tx: Transaction) => Promise<T>, options: MutateOptions = {}): Promise<T> {
  // A queued request run by the lock holder (group-commit.ts): part of the holder's transaction.
  const group = joinedTransaction(ctx);
  if (group) {
    if (!options.oneTrack) await group.wholeIndex();
    return work(group);
  }
  await assertStoreExists(ctx, command, options.createsStore ?? false);
  const settings = { staleMs: ctx.lockStaleMs, timeoutMs: ctx.lockTimeoutMs, command: `${ctx.command} ${command}`, quickTry: lockTryIsQuick(ctx.paths) };
  return withLockScope(ctx.paths.lockDir, command, () => withStoreLock(ctx.paths, settings, async (lock) => {
    await finishPendingJournal(ctx.paths);
    settleOwnRequest(ctx.paths);
    const tx = await openTransaction(ctx, lock, options.oneTrack ?? false);
    const result = await work(tx);
    let served = await runQueuedRequests(tx);
    await commitTransaction(tx, lock);
    // Group commit: while requests keep coming (their writers got their results from this commit
    // and queue their next write), serve them in further transactions before letting the lock go.
    const heldSince = Date.now();
    for (let round = 1; served > 0 && round < MAX_ROUNDS && Date.now() - heldSince < MAX_EXTRA_HOLD_MS; round += 1) {
      if (!(await awaitMoreRequests(ctx.paths, served))) break;
      try {
        const next = await openTransaction(ctx, lock);
        served = await runQueuedRequests(next);
        await commitTransaction(next, lock);
      } catch {
        // Its own write is committed: a round that failed leaves its requests claimed for the next holder.
        break;
      }
    }
    return result;
  }));
}

/** Extra transactions a lock holder may commit for queued requests after its own, and for how long. */
const MAX_ROUNDS = 4;
const MAX_EXTRA_HOLD_MS = 100;

/** A transaction under the lock: the index as it is now (another process may have written since this one last did). */
async function openTransaction(ctx: StoreContext, lock: HeldLock, oneTrack = false): Promise<Transaction> {
  const now = ctx.now().toISOString();
  // A long-lived writer takes only what other writers appended since its last write (writer-index.ts).
  const found = await readRegistryForWrite(ctx.paths, oneTrack);
  // The original track-manager's registry is replaced by ours on the first write (origin-index.ts).
  const existing = found && (await registryForWrite(ctx.paths, found, now));
  const tx = new Transaction(ctx, existing ?? (await rebuildRegistry(ctx.paths, now)).registry, lock, now);
  tx.previousGeneration = found ? loadedGeneration(found) : 0;
  if (existing !== found) tx.registryChanged = true;
  if (!existing) {
    tx.registryChanged = true;
    if (!(await exists(ctx.paths.gitignoreFile))) tx.putRaw(ctx.paths.gitignoreFile, GITIGNORE);
  }
  if (!existing || !isReadFromSplitIndex(existing)) {
    // Format 1 or the original's: this write stores format 2, and the .gitignore learns its files.
    tx.registryChanged = true;
    await ignoreIndexFiles(tx);
  }
  // Cheap (a stat per active track): what the index says is active is checked against the files.
  await tx.refreshIndex(saidActive(tx.registry));
  return tx;
}

async function commitTransaction(tx: Transaction, lock: HeldLock): Promise<void> {
  const { paths } = tx;
  await stageHeartbeat(tx);
  if (tx.registryChanged) tx.registry.updated_at = tx.now;
  // The index's change is worked out once the track files are written, so it records their identity.
  await commitFiles(paths, lock, tx.files, tx.registryChanged ? tx.indexChange : undefined, new Set([...tx.documents, paths.registryFile]));
  await keepForNextWrite(paths, tx.registry, () => lock.stillOwned());
  for (const action of tx.afterCommit) await action();
}

/**
 * A write never creates a store by accident (`--root /`, a typo, the wrong folder): only `create`
 * starts one, in an existing workspace folder; other writes need the store, or at least the folder
 * that holds it (`.claude`), to exist.
 */
async function assertStoreExists(ctx: StoreContext, command: string, createsStore: boolean): Promise<void> {
  const { paths } = ctx;
  // The lock itself lives in tracks/: refuse before taking it if that folder is a link out of the store.
  if (await lstat(paths.tracksDir).then((info) => info.isSymbolicLink(), () => false)) throw unsafeLink(paths, paths.tracksDir);
  if (await isDirectory(paths.conductorDir)) return;
  if (createsStore) {
    if (await isDirectory(paths.workspaceRoot)) return;
    throw new TrackError(
      'E_INVALID_INPUT',
      `The workspace folder ${paths.workspaceRoot} does not exist, so no store was created. Check --root (or TRACK_MANAGER_ROOT), or create the folder first.`,
      { field: 'root', path: paths.workspaceRoot },
    );
  }
  if (await isDirectory(path.dirname(paths.conductorDir))) return;
  throw new TrackError(
    'E_USAGE',
    `No Track Manager store at ${paths.conductorDir}, so \`track ${command}\` changed nothing. Run \`track create …\` (or \`track init\`) in the workspace to start one, or point at an existing store with --root or TRACK_MANAGER_ROOT.`,
    { path: paths.conductorDir },
  );
}

/** A .gitignore of ours from before format 2 gains the index's new files (machine-local, derived). */
async function ignoreIndexFiles(tx: Transaction): Promise<void> {
  const file = tx.paths.gitignoreFile;
  if (tx.files.has(file)) return;
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null || !text.startsWith('# Track Manager') || text.includes('tracks/track-index.log')) return;
  tx.putRaw(file, `${text.replace(/\n*$/, '\n')}tracks/track-index.json\ntracks/track-index.log\n`);
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((info) => info.isDirectory(), () => false);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
