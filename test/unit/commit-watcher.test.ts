import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CommitWatcher } from '../../src/extension/commitWatcher';
import { TrackStore } from '../../src/core/store';
import { CLI, Workspace } from '../helpers/workspace';

/** Resolves when `fired` is called, or with false after a while (events are asynchronous). */
function nextCall(): { fired: () => void; seen: (ms?: number) => Promise<boolean> } {
  let resolve: (value: boolean) => void = () => undefined;
  let promise = new Promise<boolean>((r) => { resolve = r; });
  return {
    fired: () => resolve(true),
    seen: async (ms = 2000) => {
      const timer = setTimeout(() => resolve(false), ms);
      const result = await promise;
      clearTimeout(timer);
      promise = new Promise<boolean>((r) => { resolve = r; });
      return result;
    },
  };
}

describe('the commit watcher (the editor sees a write land through the OS, not VS Code\'s delayed watcher)', () => {
  let ws: Workspace;
  let tracksDir: string;
  beforeEach(() => {
    ws = new Workspace();
    tracksDir = path.join(ws.dir, '.claude', 'conductor', 'tracks');
  });
  afterEach(() => ws.cleanup());

  it('reports a commit by another process, not the lock coming and going, and re-arms on a replaced folder', async () => {
    mkdirSync(tracksDir, { recursive: true });
    const calls = nextCall();
    const watcher = new CommitWatcher(tracksDir, calls.fired);
    try {
      assert.equal(watcher.healthy(), true);
      mkdirSync(path.join(tracksDir, 'track-registry.lock'));
      rmSync(path.join(tracksDir, 'track-registry.lock'), { recursive: true });
      assert.equal(await calls.seen(300), false, 'the lock alone is not a commit');

      const created = spawnSync(process.execPath, [CLI, 'create', '--name', 'Seen At Once', '--type', 'feature', '--goal', 'g'], { cwd: ws.dir, encoding: 'utf8' });
      assert.equal(created.status, 0, created.stderr);
      assert.equal(await calls.seen(), true, 'the CLI\'s commit is reported');

      // A store removed and made again (a checkout of another branch, a restore): a new folder.
      renameSync(tracksDir, `${tracksDir}.old`);
      mkdirSync(tracksDir);
      assert.equal(watcher.healthy(), true, 're-armed on the new folder');
      writeFileSync(path.join(tracksDir, 'track-index.log'), '');
      assert.equal(await calls.seen(), true, 'a commit in the new folder is reported');

      rmSync(tracksDir, { recursive: true });
      assert.equal(watcher.healthy(), false, 'no folder, nothing watched: VS Code\'s watcher alone refreshes');
    } finally {
      watcher.dispose();
    }
    mkdirSync(tracksDir, { recursive: true });
    writeFileSync(path.join(tracksDir, 'track-index.log'), 'x');
    assert.equal(await calls.seen(300), false, 'nothing after dispose');
  });

  it('a read that takes the lock (a damaged track file is re-indexed under it) is not a commit: no refresh loop', async () => {
    const store = new TrackStore({ root: ws.dir });
    const damaged = await store.createTrack({ name: 'Damaged', type: 'bugfix', goal: 'g' });
    const file = ws.trackFile(damaged.track_id);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40));
    const calls = nextCall();
    const watcher = new CommitWatcher(tracksDir, calls.fired);
    try {
      for (let i = 0; i < 3; i += 1) {
        store.recheckTracks([damaged.track_id]);
        assert.equal((await store.listTracks()).problems.length, 1);
      }
      assert.equal(await calls.seen(300), false, 'reads wrote no commit');
    } finally {
      watcher.dispose();
    }
  });

  it('a store whose tracks folder does not exist yet is watched once it appears', async () => {
    const calls = nextCall();
    const watcher = new CommitWatcher(tracksDir, calls.fired);
    try {
      assert.equal(watcher.healthy(), false);
      await new TrackStore({ root: ws.dir }).createTrack({ name: 'First', type: 'feature', goal: 'g' });
      assert.equal(watcher.healthy(), true);
      await new TrackStore({ root: ws.dir }).createTrack({ name: 'Second', type: 'feature', goal: 'g' });
      assert.equal(await calls.seen(), true);
    } finally {
      watcher.dispose();
    }
  });
});

describe('the index revision (what tells a change already shown from a new one)', () => {
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('stays the same object while nothing changed; a write by another process or a rechecked hand edit gives a new one', async () => {
    const reader = new TrackStore({ root: ws.dir });
    const paused = await reader.createTrack({ name: 'Paused', type: 'feature', goal: 'g' });
    const first = await reader.indexRevision();
    assert.equal(await reader.indexRevision(), first);

    const created = spawnSync(process.execPath, [CLI, 'create', '--name', 'Other Process', '--type', 'feature', '--goal', 'g'], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(created.status, 0, created.stderr);
    const afterWrite = await reader.indexRevision();
    assert.notEqual(afterWrite, first);
    assert.equal(await reader.indexRevision(), afterWrite);

    const file = ws.trackFile(paused.track_id);
    const track = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...track, name: 'Renamed By Hand' }, null, 2));
    reader.recheckTracks([paused.track_id]);
    const afterEdit = await reader.indexRevision();
    assert.notEqual(afterEdit, afterWrite);
    assert.ok((await reader.listTracks()).tracks.some((t) => t.name === 'Renamed By Hand'));
  });
});
