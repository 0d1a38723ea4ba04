import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { createContext } from '../../src/core/storage/context';
import { indexLineChecksum } from '../../src/core/storage/index-document';
import { forgetWriterIndex } from '../../src/core/storage/writer-index';
import { CLI, cliError, Workspace } from '../helpers/workspace';
import { filesRead } from '../helpers/files-read';

/**
 * A write of one track in a new process (issue 10): `create` and `pause` read the head, the log's
 * last line and their own track's files, never the base of every entry, so the bytes they read do
 * not grow with the store. Measured in bytes the process read (/proc/self/io), never in time.
 */
describe('cold writes: a new process creates and pauses without reading every track', function () {
  this.timeout(180_000);
  let hookDir: string;
  let hook: string;
  const stores: Workspace[] = [];
  before(function () {
    if (!existsSync('/proc/self/io')) this.skip();
    hookDir = mkdtempSync(path.join(tmpdir(), 'track-cold-io-'));
    hook = path.join(hookDir, 'bytes-read.cjs');
    writeFileSync(hook, `
      const fs = require('node:fs');
      process.on('exit', () => fs.writeSync(2, 'RCHAR ' + /^rchar: (\\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1] + '\\n'));
    `);
  });
  after(() => {
    for (const ws of stores) ws.cleanup();
    if (hookDir) rmSync(hookDir, { recursive: true, force: true });
  });

  const bytesRead = (ws: Workspace, args: string[]) => {
    const result = spawnSync(process.execPath, ['-r', hook, CLI, ...args], {
      cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: '' },
    });
    assert.equal(result.status, 0, result.stderr);
    return Number(/^RCHAR (\d+)$/m.exec(result.stderr)?.[1]);
  };

  /** An active track, then `count - 1` more track folders as a pull brings them, indexed by one read. */
  const storeOf = (count: number) => {
    const ws = new Workspace();
    stores.push(ws);
    const active = ws.create('Measured Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', active]);
    const template = ws.readJson(ws.trackFile(active));
    for (let i = 1; i < count; i += 1) {
      const id = `track-padding-${i}-${1_700_000_000_000 + i}`;
      mkdirSync(path.join(ws.tracksDir, id, 'context'), { recursive: true });
      writeFileSync(ws.trackFile(id), JSON.stringify({ ...template, track_id: id, name: `Padding ${i}`, status: 'draft', status_history: [] }, null, 2));
    }
    assert.equal(ws.ok(['stats']).total_tracks, count);
    // The V8 code cache of every command measured (written by its first run), and the index's first line after the rebuild.
    ws.create('Warm Up');
    ws.ok(['pause', '--track-id', active, '--reason', 'warm up']);
    ws.ok(['resume', '--track-id', active]);
    return { ws, active };
  };

  it('create and pause read as many bytes at 5 000 tracks as at 100', () => {
    const small = storeOf(100);
    const large = storeOf(5000);
    const baseBytes = statSync(path.join(large.ws.tracksDir, 'track-index.json')).size;
    assert.ok(baseBytes > 1_000_000, `the index of 5 000 tracks is large (${baseBytes} bytes)`);
    const measure = ({ ws, active }: { ws: Workspace; active: string }) => ({
      create: bytesRead(ws, ['create', '--name', 'Measured Create', '--type', 'feature', '--goal', 'g']),
      pause: bytesRead(ws, ['pause', '--track-id', active, '--reason', 'measure']),
    });
    const few = measure(small);
    const many = measure(large);
    for (const command of ['create', 'pause'] as const) {
      assert.ok(many[command] - few[command] < 16 * 1024, `${command} read ${many[command] - few[command]} more bytes at 5 000 tracks than at 100 (${few[command]} → ${many[command]})`);
    }
    // What they wrote is what a whole read would have: no drift from the track files.
    for (const { ws } of [small, large]) {
      assert.equal(ws.ok(['get-active']), null);
      const doctor = ws.cli(['doctor', '--json']);
      assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    }
  });
});

describe('cold writes: what a write that reads only the last line keeps correct', () => {
  let ws: Workspace;
  let store: TrackStore;
  /** Index files opened for reading while `work` runs (test/helpers/files-read.ts). */
  const indexFilesRead = async (work: () => Promise<unknown>): Promise<string[]> => {
    // As a new process would: no registry kept from this process's last write (writer-index.ts).
    forgetWriterIndex(createContext({ root: ws.dir }).paths);
    const { files } = await filesRead(work);
    const opened = files.map((file) => path.basename(file));
    return opened.filter((name) => name.startsWith('track-index') || name === 'track-registry.json');
  };
  const logFile = () => path.join(ws.tracksDir, 'track-index.log');
  const lastLine = () => {
    const lines = readFileSync(logFile(), 'utf8').trimEnd().split('\n');
    return JSON.parse(lines[lines.length - 1].slice(17)) as { a?: string | null; s?: Record<string, { status: string }> };
  };

  beforeEach(() => {
    ws = new Workspace();
    store = new TrackStore({ root: ws.dir });
  });
  afterEach(() => ws.cleanup());

  it('every line names the active tracks; a line without them (an older version\'s) makes the next write read the index whole', async () => {
    const a = (await store.createTrack({ name: 'Active One', type: 'feature', goal: 'g', ready: true })).track_id;
    await store.activateTrack(a);
    assert.deepEqual(Object.keys(lastLine().s ?? {}), [a]);
    assert.deepEqual(await indexFilesRead(() => store.createTrack({ name: 'Cold One', type: 'feature', goal: 'g' })), ['track-registry.json', 'track-index.log']);
    // As an older Track Manager appends it: the same line without `s`, checksummed.
    const text = readFileSync(logFile(), 'utf8');
    const start = text.lastIndexOf('\n', text.length - 2) + 1;
    const { s: _s, ...older } = JSON.parse(text.slice(start + 17)) as Record<string, unknown>;
    const json = JSON.stringify(older);
    writeFileSync(logFile(), `${text.slice(0, start)}${indexLineChecksum(json)} ${json}\n`);
    const whole = await indexFilesRead(() => store.createTrack({ name: 'After Older', type: 'feature', goal: 'g' }));
    assert.ok(whole.includes('track-index.json'), `the base is read: ${whole.join(', ')}`);
    assert.deepEqual(Object.keys(lastLine().s ?? {}), [a], 'and the line written carries the active tracks again');
    assert.ok(!(await indexFilesRead(() => store.createTrack({ name: 'Cold Again', type: 'feature', goal: 'g' }))).includes('track-index.json'));
    assert.equal((await store.listTracks()).tracks.length, 4);
  });

  it('an active track paused by hand is noticed by a create: the index is read whole and the track indexed as it is', async () => {
    const a = (await store.createTrack({ name: 'Hand Paused', type: 'feature', goal: 'g', ready: true })).track_id;
    await store.activateTrack(a);
    const file = ws.trackFile(a);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"status": "active"', '"status": "paused"'));
    const read = await indexFilesRead(() => store.createTrack({ name: 'Noticing', type: 'feature', goal: 'g' }));
    assert.ok(read.includes('track-index.json'), read.join(', '));
    assert.deepEqual(lastLine().s, {});
    assert.equal(lastLine().a, null);
    assert.equal(ws.ok(['get-active']), null);
    assert.equal(ws.ok(['list']).find((track) => track.track_id === a)?.status, 'paused');
    const c = ws.create('Activated After', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', c]);
  });

  it('creates and pauses that read only the last line still compact the log, and the index stays what the track files say', async () => {
    const a = (await store.createTrack({ name: 'Paused Often', type: 'feature', goal: 'g', ready: true })).track_id;
    const generation = () => (JSON.parse(readFileSync(ws.registryFile, 'utf8')) as { index: { generation: number } }).index.generation;
    const first = generation();
    await store.activateTrack(a);
    for (let i = 0; generation() === first; i += 1) {
      assert.ok(i < 200, 'the log was compacted');
      const paused = await indexFilesRead(() => store.pauseTrack(a, `break ${i}`));
      const created = await indexFilesRead(() => store.createTrack({ name: `Filler ${i}`, type: 'feature', goal: 'g' }));
      // Only the write that compacts reads the base.
      if (generation() === first) assert.deepEqual([...paused, ...created].filter((name) => name === 'track-index.json'), []);
      await store.resumeTrack(a);
    }
    await store.createTrack({ name: 'After Compaction', type: 'feature', goal: 'g' });
    const doctor = ws.cli(['doctor', '--json']);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const listed = ws.ok(['list']);
    assert.equal(listed.find((track) => track.track_id === a)?.status, 'active');
    assert.equal(listed.length, (await store.listTracks()).tracks.length);
  });
});

describe('show: checkpoints listed by the fields it prints', () => {
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('lists a checkpoint whose saved state is damaged, which a restore then refuses; a damaged listed field is a problem', () => {
    const a = ws.create('Listed Checkpoints', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', a]);
    ws.ok(['pause', '--track-id', a, '--reason', 'first']);
    ws.ok(['resume', '--track-id', a]);
    ws.ok(['pause', '--track-id', a, '--reason', 'second']);
    const dir = path.join(ws.tracksDir, a, 'checkpoints');
    const [first, second] = readdirSync(dir).sort().map((name) => path.join(dir, name));
    const damagedState = JSON.parse(readFileSync(first, 'utf8')) as { snapshot_id: string; state: { track: { status: string } } };
    damagedState.state.track.status = 'sideways';
    writeFileSync(first, JSON.stringify(damagedState, null, 2));
    writeFileSync(second, JSON.stringify({ ...(JSON.parse(readFileSync(second, 'utf8')) as object), created_at: 'yesterday' }, null, 2));
    const shown = ws.cli(['show', '--track-id', a]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.json.checkpoints.map((checkpoint) => checkpoint.snapshot_id), [damagedState.snapshot_id]);
    assert.match(shown.stderr, new RegExp(path.basename(second).replace(/\./g, '\\.')));
    assert.doesNotMatch(shown.stderr, new RegExp(path.basename(first).replace(/\./g, '\\.')));
    const restore = ws.cli(['resume', '--track-id', a, '--checkpoint', damagedState.snapshot_id, '--json']);
    assert.notEqual(restore.code, 0);
    assert.equal(cliError(restore.stderr).code, 'E_CORRUPT_FILE');
  });
});
