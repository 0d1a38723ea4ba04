import { access } from 'node:fs/promises';
import type { StoreContext } from './context';
import { serialize } from './files';
import { assertId } from './ids';
import { commitFiles, rollForwardJournal } from './journal';
import { withStoreLock, type HeldLock } from './lock';
import {
  indexRun, indexTrack, readRegistry, readRunFile, readTrackFile, rebuildRegistry, trackNotFound,
} from './registry';
import { TrackError } from './errors';
import { registryForWrite } from './origin-index';
import type { Registry, Run, Track } from './schemas';

export const GITIGNORE = [
  '# Track Manager: machine-local files. The registry is an index rebuilt from the track folders.',
  'tracks/track-registry.json',
  'tracks/track-registry.lock',
  'tracks/track-registry.lock-owner.json',
  'tracks/track-registry.lock.abandoned-*',
  'tracks/track-journal.json',
  '.*.tmp',
  '',
].join('\n');

/**
 * One mutation of the store: everything read inside it is read fresh from disk under the lock,
 * everything written is staged and committed together (see journal.ts).
 */
export class Transaction {
  readonly files = new Map<string, string | Buffer>();
  readonly afterCommit: Array<() => Promise<void>> = [];
  private readonly tracks = new Map<string, Track>();
  private readonly runs = new Map<string, Run>();
  registryChanged = false;

  constructor(
    readonly ctx: StoreContext,
    public registry: Registry,
    readonly lock: HeldLock,
    readonly now: string,
  ) {}

  get paths() { return this.ctx.paths; }

  async track(trackId: string): Promise<Track> {
    assertId('track', trackId, '--track-id');
    const staged = this.tracks.get(trackId);
    if (staged) return staged;
    const track = await readTrackFile(this.paths, trackId);
    if (!track) throw trackNotFound(trackId);
    this.tracks.set(trackId, track);
    return track;
  }

  putTrack(track: Track): void {
    this.tracks.set(track.track_id, track);
    this.files.set(this.paths.trackFile(track.track_id), serialize(track));
    indexTrack(this.registry, track);
    this.registryChanged = true;
  }

  async run(runId: string): Promise<Run> {
    assertId('run', runId, '--run-id');
    const staged = this.runs.get(runId);
    if (staged) return staged;
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
    this.files.set(this.paths.runFile(run.track_id, run.run_id), serialize(run));
    indexRun(this.registry, run);
    this.registryChanged = true;
  }

  put(file: string, doc: unknown): void {
    this.files.set(file, serialize(doc));
  }

  putRaw(file: string, content: string | Buffer): void {
    this.files.set(file, content);
  }

  /** The active track other than `trackId`, confirmed against its own file (the source of truth). */
  async otherActiveTrack(trackId: string): Promise<Track | null> {
    const activeId = this.registry.active_track;
    if (!activeId || activeId === trackId) return null;
    // A corrupt file of the active track stops the write (E_CORRUPT_FILE): guessing could leave two active.
    const active = await readTrackFile(this.paths, activeId);
    if (!active || active.status !== 'active') {
      this.registry.active_track = null;
      this.registryChanged = true;
      return null;
    }
    this.tracks.set(activeId, this.tracks.get(activeId) ?? active);
    return this.tracks.get(activeId)!;
  }
}

export async function mutate<T>(ctx: StoreContext, command: string, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const settings = { staleMs: ctx.lockStaleMs, timeoutMs: ctx.lockTimeoutMs, command: `${ctx.command} ${command}` };
  return withStoreLock(ctx.paths, settings, async (lock) => {
    await rollForwardJournal(ctx.paths);
    const now = ctx.now().toISOString();
    const found = await readRegistry(ctx.paths);
    // The original track-manager's registry is replaced by ours on the first write (origin-index.ts).
    const existing = found && (await registryForWrite(ctx.paths, found, now));
    const tx = new Transaction(ctx, existing ?? (await rebuildRegistry(ctx.paths, now)).registry, lock, now);
    if (existing !== found) tx.registryChanged = true;
    if (!existing) {
      tx.registryChanged = true;
      if (!(await exists(ctx.paths.gitignoreFile))) tx.putRaw(ctx.paths.gitignoreFile, GITIGNORE);
    }
    const result = await work(tx);
    if (tx.registryChanged) {
      tx.registry.updated_at = now;
      // Machine-only and the largest file: written without indentation.
      tx.putRaw(ctx.paths.registryFile, `${JSON.stringify(tx.registry)}\n`);
    }
    await commitFiles(ctx.paths, lock, tx.files);
    for (const action of tx.afterCommit) await action();
    return result;
  });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
