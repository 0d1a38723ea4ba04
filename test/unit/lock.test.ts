import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { createContext } from '../../src/core/storage/context';
import { tempPathFor } from '../../src/core/storage/files';
import { withStoreLock } from '../../src/core/storage/lock';
import { TrackStore } from '../../src/core/store';
import { mutate } from '../../src/core/storage/transaction';
import { recordLockOwner } from '../helpers/lock-owner';
import { cliError, Workspace } from '../helpers/workspace';
import type { ContextEntry } from '../../src/core/model/schemas';

/** Records this (live) test process as the lock's owner, as a holder does: a file named by its token inside the lock. */
function holdLock(root: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'helpers', 'lock-holder.js'), root], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(child));
    child.once('error', reject);
  });
}

function release(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
}

describe('the store lock (proper-lockfile)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let id: string;
  let lockDir: string;
  beforeEach(() => {
    ws = new Workspace();
    id = ws.create('Locked Track').track_id;
    lockDir = path.join(ws.tracksDir, 'track-registry.lock');
  });
  afterEach(() => ws.cleanup());

  const update = (value: string, env: NodeJS.ProcessEnv = {}) =>
    ws.cli(['update', '--track-id', id, '--field', 'notes', '--value', value, '--json'], { env: { TRACK_MANAGER_LOCK_TIMEOUT_MS: '800', ...env } });

  it('a write waiting on a live holder fails with E_LOCK_TIMEOUT naming the holder and the lock age, then succeeds once released', async () => {
    const holder = await holdLock(ws.dir);
    try {
      const result = update('blocked');
      assert.equal(result.code, 7);
      const error = cliError<{ holder: { pid: number } }>(result.stderr);
      assert.equal(error.code, 'E_LOCK_TIMEOUT');
      assert.match(error.message, new RegExp(`held by pid ${holder.pid} on ${hostname()} \\(track lock-holder test\\) for \\d+\\.\\d s`));
      assert.match(error.message, /Wait a few seconds and retry/);
      assert.equal(error.details?.holder.pid, holder.pid);
      assert.equal(ws.readJson(ws.trackFile(id)).metadata, undefined, 'nothing written');
    } finally {
      await release(holder);
    }
    assert.equal(update('free').code, 0);
    assert.equal(ws.readJson(ws.trackFile(id)).metadata?.notes, 'free');
  });

  it('a backdated lock (not refreshed for over 30 s) is stale and taken over', () => {
    mkdirSync(lockDir);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(lockDir, old, old);
    assert.equal(update('after stale').code, 0);
  });

  it('a lock refreshed 25 s ago whose holder is alive is respected (stale only after 30 s)', () => {
    mkdirSync(lockDir);
    recordLockOwner(lockDir);
    const recent = (Date.now() - 25_000) / 1000;
    utimesSync(lockDir, recent, recent);
    assert.equal(update('blocked').code, 7, 'the holder (this live process) keeps it');
  });

  it('a future-dated lock with no live holder is taken over (proper-lockfile alone would wait forever)', () => {
    mkdirSync(lockDir);
    const future = (Date.now() + 3_600_000) / 1000;
    utimesSync(lockDir, future, future);
    assert.equal(update('after future', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '5000' }).code, 0);
  });

  it('a future-dated lock whose holder is alive is respected', () => {
    mkdirSync(lockDir);
    const future = (Date.now() + 3_600_000) / 1000;
    utimesSync(lockDir, future, future);
    recordLockOwner(lockDir);
    assert.equal(update('blocked').code, 7);
  });

  it('a lock whose holder died (SIGKILL) is taken over at once', async () => {
    const holder = await holdLock(ws.dir);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const started = Date.now();
    assert.equal(update('after death', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '5000' }).code, 0);
    assert.ok(Date.now() - started < 2_000, 'no waiting for the stale time');
  });

  it('an ownerless fresh lock (holder killed before recording itself) is taken over after a short grace', () => {
    mkdirSync(lockDir);
    assert.equal(update('after grace', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '5000' }).code, 0);
  });

  it('doctor reports a stale lock and --repair removes it', () => {
    mkdirSync(lockDir);
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(lockDir, old, old);
    const report = ws.cli(['doctor']).json;
    assert.ok(report.problems.some((p) => p.code === 'STALE_LOCK' && p.repairable));
    const repaired = ws.cli(['doctor', '--repair']).json;
    assert.equal(repaired.healthy, true);
    assert.ok(repaired.repaired.some((r: string) => /stale lock/.test(r)));
  });

  it('a holder whose lock was taken over aborts its write with E_LOCK_COMPROMISED', async () => {
    const ctx = createContext({ root: ws.dir });
    const before = readFileSync(ws.trackFile(id), 'utf8');
    await assert.rejects(
      mutate(ctx, 'test', async (tx) => {
        const track = await tx.track(id);
        // Another process decides our lock is stale and replaces it.
        renameSync(lockDir, `${lockDir}.stolen`);
        mkdirSync(lockDir);
        tx.putTrack({ ...track, priority: 'P0' });
      }),
      { code: 'E_LOCK_COMPROMISED' },
    );
    assert.equal(readFileSync(ws.trackFile(id), 'utf8'), before, 'nothing written');
  });

  it("proper-lockfile's compromise callback never throws from its timer; the write is aborted instead", async () => {
    const ctx = createContext({ root: ws.dir, lockStaleMs: 2_000 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await assert.rejects(
        mutate(ctx, 'slow', async (tx) => {
          const track = await tx.track(id);
          // Someone touches the lock: at its next refresh (after 1 s) proper-lockfile finds the mtime is not its own.
          const elsewhere = (Date.now() - 10_000) / 1000;
          utimesSync(lockDir, elsewhere, elsewhere);
          await new Promise((resolve) => setTimeout(resolve, 1_600));
          tx.putTrack({ ...track, priority: 'P0' });
        }),
        { code: 'E_LOCK_COMPROMISED' },
      );
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(uncaught, []);
    assert.equal(ws.readJson(ws.trackFile(id)).priority, 'P2');
  });

  it('callers in one process queue for the lock instead of failing', async () => {
    const store = new TrackStore({ root: ws.dir, lockTimeoutMs: 1_000 });
    const writes = Array.from({ length: 30 }, (_, i) => store.addDecision(id, { text: `decision ${i}` }));
    await Promise.all(writes);
    assert.equal(ws.readJson<{ decisions: ContextEntry[] }>(path.join(ws.tracksDir, id, 'context', 'decisions.json')).decisions.length, 30);
    await withStoreLock(createContext({ root: ws.dir }).paths, {}, () => Promise.resolve(undefined));
  });

  it('temp file names are unique per process and per call', () => {
    const names = new Set(Array.from({ length: 10_000 }, () => tempPathFor('/x/track.json')));
    assert.equal(names.size, 10_000);
    for (const name of [...names].slice(0, 3)) assert.match(path.basename(name), new RegExp(`^\\.track\\.json\\.${process.pid}\\.\\d+\\.[0-9a-f]{8}\\.tmp$`));
  });
});
