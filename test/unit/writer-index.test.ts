import * as assert from 'node:assert/strict';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { isTrackError } from '../../src/core/model/errors';
import { Workspace } from '../helpers/workspace';
import type { Registry } from '../../src/core/model/schemas';
import { createContext } from '../../src/core/storage/context';
import { changedEntries, isRecorded, recordedActive } from '../../src/core/storage/index-changes';
import { mutate } from '../../src/core/storage/transaction';

/**
 * A long-lived writer (one TrackStore: the editor, the MCP server) starts each write from the index
 * it committed last, taking only the lines other writers appended since (storage/writer-index.ts).
 * These attack that: other processes' writes, a rebuild, a compaction, a failed write, a hand edit.
 */
describe('a long-lived writer starts from the index it wrote last', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  const head = () => ws.readJson<Registry & { index: { generation: number } }>(ws.registryFile);

  it("takes in other processes' writes between its own", async () => {
    const store = new TrackStore({ root: ws.dir });
    const ids: string[] = [];
    for (const name of ['Warm One', 'Warm Two', 'Warm Three']) ids.push((await store.createTrack({ name, type: 'feature', goal: 'g' })).track_id);
    await store.activateTrack(ids[0]);
    ws.ok(['switch', '--to', ids[1]]);
    ws.ok(['update', '--track-id', ids[2], '--field', 'priority', '--value', 'P0']);
    // It knows ids[1] is active now (another process switched): a plain activate is refused.
    await assert.rejects(store.activateTrack(ids[2]), (error: unknown) => isTrackError(error, 'E_ANOTHER_ACTIVE') && error.details.active_track === ids[1]);
    await store.updateTrack(ids[0], 'priority', 'P1');
    await store.switchTrack(ids[2]);
    const listed = ws.ok(['list']);
    const byId = new Map(listed.map((track) => [track.track_id, track]));
    assert.equal(byId.get(ids[0])?.priority, 'P1');
    assert.equal(byId.get(ids[1])?.status, 'paused');
    assert.equal(byId.get(ids[2])?.status, 'active');
    assert.equal(byId.get(ids[2])?.priority, 'P0', 'the other process\'s update is kept');
    assert.equal(ws.ok(['get-active'])?.track_id, ids[2]);
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  it('reads the index whole after another process rebuilt it', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Before Rebuild', type: 'feature', goal: 'g' })).track_id;
    const b = ws.create('Made Elsewhere').track_id;
    unlinkSync(ws.registryFile);
    ws.ok(['list']); // rebuilds the index: a new base, maybe of the same generation number
    await store.updateTrack(b, 'priority', 'P0');
    await store.activateTrack(a);
    const index = ws.readIndex();
    assert.equal(index.tracks[b].priority, 'P0');
    assert.equal(index.tracks[a].status, 'active');
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  it('a failed write leaves nothing behind in memory: the next write starts from the files', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Active One', type: 'feature', goal: 'g' })).track_id;
    const b = (await store.createTrack({ name: 'Refused One', type: 'feature', goal: 'g' })).track_id;
    await store.activateTrack(a);
    await assert.rejects(store.activateTrack(b), (error: unknown) => isTrackError(error, 'E_ANOTHER_ACTIVE'));
    await store.pauseTrack(a, 'break');
    await store.activateTrack(b);
    assert.equal(ws.ok(['get-active'])?.track_id, b);
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  it('a track file edited by hand to active still blocks a second active track', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'First Active', type: 'feature', goal: 'g' })).track_id;
    const b = (await store.createTrack({ name: 'Edited By Hand', type: 'feature', goal: 'g' })).track_id;
    const c = (await store.createTrack({ name: 'Third Track', type: 'feature', goal: 'g' })).track_id;
    await store.activateTrack(a);
    await store.pauseTrack(a, 'break');
    const file = ws.trackFile(b);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"status": "draft"', '"status": "active"'));
    await assert.rejects(store.activateTrack(c), (error: unknown) => isTrackError(error, 'E_ANOTHER_ACTIVE') && error.details.active_track === b);
    await store.switchTrack(c);
    assert.equal(ws.ok(['get-active'])?.track_id, c);
    assert.equal(ws.ok(['list']).filter((track) => track.status === 'active').length, 1);
  });

  it('a log whose last line was changed in place is not trusted: the write reads the files, as a new process would', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Log Edited', type: 'feature', goal: 'g' })).track_id;
    await store.updateTrack(a, 'priority', 'P1');
    const logFile = path.join(ws.tracksDir, 'track-index.log');
    const text = readFileSync(logFile, 'utf8');
    const edited = `${text.slice(0, text.lastIndexOf('"P1"'))}"P0"${text.slice(text.lastIndexOf('"P1"') + 4)}`;
    assert.equal(edited.length, text.length);
    writeFileSync(logFile, edited);
    await assert.rejects(store.updateTrack(a, 'priority', 'P3'), (error: unknown) => isTrackError(error, 'E_CORRUPT_FILE'));
    const cold = ws.cli(['update', '--track-id', a, '--field', 'priority', '--value', 'P3', '--json']);
    assert.match(cold.stderr, /E_CORRUPT_FILE/, 'a new process refuses too');
    ws.ok(['doctor', '--repair']);
    await store.updateTrack(a, 'priority', 'P3');
    assert.equal(ws.readIndex().tracks[a].priority, 'P3');
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  it('compacts its log into a new base and goes on from it', async function () {
    this.timeout(120_000);
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Compacted Often', type: 'feature', goal: 'g' })).track_id;
    const generation = head().index.generation;
    const logFile = path.join(ws.tracksDir, 'track-index.log');
    const priorities = ['P0', 'P1', 'P2', 'P3'] as const;
    let i = 0;
    const baseFile = path.join(ws.tracksDir, 'track-index.json');
    while (head().index.generation === generation) {
      await store.updateTrack(a, 'priority', priorities[i % 4]);
      i += 1;
      assert.ok(i < 2000, 'the log is compacted');
      // What a cold reader pays for: the log stays within max(32 KB, a quarter of the base).
      assert.ok(statSync(logFile).size <= Math.max(32 * 1024, statSync(baseFile).size / 4), `log of ${statSync(logFile).size} bytes`);
    }
    assert.ok(readFileSync(logFile, 'utf8').split('\n').length <= 3, 'a new log holds the header (and at most this write)');
    await store.updateTrack(a, 'priority', 'P0');
    await store.activateTrack(a);
    const index = ws.readIndex();
    assert.equal(index.tracks[a].priority, 'P0');
    assert.equal(index.active_track, a);
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  // Group commit: a queued write that fails is rolled back to a savepoint, records included.
  it('a step rolled back leaves neither a changed entry nor an active one in the records', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Kept Draft', type: 'feature', goal: 'g' })).track_id;
    const b = (await store.createTrack({ name: 'Rolled Back', type: 'feature', goal: 'g' })).track_id;
    const ctx = createContext({ root: ws.dir });
    await mutate(ctx, 'test-savepoint', async (tx) => {
      assert.equal(isRecorded(tx.registry), true, 'a registry read from the split index is recorded');
      const before = tx.savepoint();
      const track = await tx.track(b);
      tx.putTrack({ ...track, status: 'active' });
      assert.ok(recordedActive(tx.registry)?.has(b));
      assert.ok(changedEntries(tx.registry)?.tracks.has(b));
      tx.rollBack(before);
      assert.equal(recordedActive(tx.registry)?.has(b), false, 'the rolled-back step made nothing active');
      assert.equal(changedEntries(tx.registry)?.tracks.has(b), false, 'nor changed');
      tx.putTrack({ ...(await tx.track(a)), priority: 'P0' });
    });
    const listed = new Map(ws.ok(['list']).map((track) => [track.track_id, track]));
    assert.equal(listed.get(a)?.priority, 'P0');
    assert.equal(listed.get(b)?.status, 'draft');
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });
});
