import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { filesRead } from '../helpers/files-read';
import { Workspace } from '../helpers/workspace';

/**
 * A track's checkpoint listing (`show`, `checkpoint list`, the editor's details) takes what it
 * shows of each checkpoint from a record in the user's cache folder, keyed by the file's identity
 * (storage/checkpoint-listing.ts): a track keeps one checkpoint per pause, and reading them all on
 * every listing grew with the track's age. A file changed in any way is read and validated again.
 */
describe('checkpoint listing: each checkpoint file is read once, until it changes', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let cacheHome: string;
  let savedCacheHome: string | undefined;
  let store: TrackStore;
  let trackId: string;
  beforeEach(async () => {
    ws = new Workspace();
    savedCacheHome = process.env.XDG_CACHE_HOME;
    cacheHome = mkdtempSync(path.join(tmpdir(), 'track-checkpoint-listing-'));
    process.env.XDG_CACHE_HOME = cacheHome;
    store = new TrackStore({ root: ws.dir });
    trackId = (await store.createTrack({ name: 'Listed Track', type: 'feature', goal: 'g', ready: true })).track_id;
    await store.activateTrack(trackId);
    for (let i = 0; i < 8; i += 1) await store.createCheckpoint(trackId, { name: `cp ${i}` });
  });
  afterEach(() => {
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    ws.cleanup();
    rmSync(cacheHome, { recursive: true, force: true });
  });

  const checkpointsDir = () => path.join(ws.tracksDir, trackId, 'checkpoints');
  const checkpointFiles = () => readdirSync(checkpointsDir()).filter((name) => name.endsWith('.json')).map((name) => path.join(checkpointsDir(), name));
  const readCheckpoints = (files: string[]) => files.filter((file) => file.startsWith(checkpointsDir()));
  const fileNamed = (name: string) => checkpointFiles().find((file) => readFileSync(file, 'utf8').includes(`"name": "${name}"`))!;

  it('a second listing reads no checkpoint file and lists the same, in this process and in another', async () => {
    const cold = await filesRead(() => store.listCheckpoints(trackId), { under: ws.conductor });
    assert.equal(readCheckpoints(cold.files).length, checkpointFiles().length, 'the first listing reads every checkpoint');
    const warm = await filesRead(() => new TrackStore({ root: ws.dir }).listCheckpoints(trackId), { under: ws.conductor });
    assert.deepEqual(readCheckpoints(warm.files), [], 'the second reads none');
    assert.deepEqual(warm.result, cold.result);
    assert.equal(cold.result.checkpoints.length, 8);
    // Another process (the CLI) lists them from the record too, the same way.
    const shown = ws.ok(['show', '--track-id', trackId], { env: { XDG_CACHE_HOME: cacheHome } });
    assert.deepEqual(shown.checkpoints.map((entry) => entry.snapshot_id), cold.result.checkpoints.map((entry) => entry.snapshot_id));
  });

  it('a checkpoint file changed by hand is read again: a new name is shown, a damaged file is reported, not listed', async () => {
    await store.listCheckpoints(trackId);
    const renamed = fileNamed('cp 3');
    writeFileSync(renamed, readFileSync(renamed, 'utf8').replace('"name": "cp 3"', '"name": "cp X"'));
    const damaged = fileNamed('cp 5');
    writeFileSync(damaged, readFileSync(damaged, 'utf8').replace(/"created_at": "[^"]*"/, '"created_at": 17'));
    const { result, files } = await filesRead(() => store.listCheckpoints(trackId), { under: ws.conductor });
    assert.deepEqual(readCheckpoints(files).sort(), [renamed, damaged].sort(), 'only the changed files are read');
    const names = result.checkpoints.map((entry) => entry.name);
    assert.ok(names.includes('cp X') && !names.includes('cp 3'), names.join(', '));
    assert.ok(!names.includes('cp 5'), 'the damaged checkpoint is not listed from the record');
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0].code, 'E_CORRUPT_FILE');
    assert.equal(path.resolve(ws.dir, result.problems[0].file), damaged);
  });

  it('the listing follows the folder: a checkpoint deleted is gone, a new one is read and listed', async () => {
    await store.listCheckpoints(trackId);
    unlinkSync(fileNamed('cp 2'));
    await store.createCheckpoint(trackId, { name: 'cp new' });
    const { result, files } = await filesRead(() => store.listCheckpoints(trackId), { under: ws.conductor });
    assert.deepEqual(readCheckpoints(files), [fileNamed('cp new')]);
    const names = result.checkpoints.map((entry) => entry.name);
    assert.ok(names.includes('cp new') && !names.includes('cp 2'), names.join(', '));
    assert.equal(result.checkpoints.length, checkpointFiles().length);
    assert.equal(names[0], 'cp new', 'newest first');
  });

  it('a record that says one checkpoint where the file holds another (the identity blind spot) never restores the wrong one', async () => {
    const { checkpoints } = await store.listCheckpoints(trackId);
    const [first, second] = checkpoints;
    const folder = path.join(cacheHome, 'track-manager', 'checkpoint-listings');
    const [recordFile] = readdirSync(folder).map((name) => path.join(folder, name));
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { files: Record<string, { listed: { snapshot_id: string } }> };
    const entries = Object.values(record.files);
    const a = entries.find((entry) => entry.listed.snapshot_id === first.snapshot_id)!;
    const b = entries.find((entry) => entry.listed.snapshot_id === second.snapshot_id)!;
    [a.listed.snapshot_id, b.listed.snapshot_id] = [b.listed.snapshot_id, a.listed.snapshot_id];
    writeFileSync(recordFile, JSON.stringify(record));
    await assert.rejects(store.getCheckpoint(trackId, first.snapshot_id), { code: 'E_CHECKPOINT_NOT_FOUND' });
  });
});
