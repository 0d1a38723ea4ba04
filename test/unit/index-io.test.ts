import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { CLI, Workspace } from '../helpers/workspace';
import { filesRead } from '../helpers/files-read';
import type { Registry } from '../../src/core/model/schemas';
import { indexLineChecksum } from '../../src/core/storage/index-document';

/** Every file under a folder with its identity (inode, size, modification time). */
function snapshot(dir: string): Map<string, { ino: number; size: number; mtimeMs: number }> {
  const files = new Map<string, { ino: number; size: number; mtimeMs: number }>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const { ino, size, mtimeMs } = statSync(full);
        files.set(full, { ino, size, mtimeMs });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Bytes a write put on disk: a new or replaced file counts whole, a file grown in place (the
 * index's change log) counts its growth. Lock files are left out (they do not depend on the store).
 */
function written(before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>): { files: string[]; bytes: number } {
  const files: string[] = [];
  let bytes = 0;
  for (const [file, now] of after) {
    if (file.includes('track-registry.lock')) continue;
    const was = before.get(file);
    if (was && was.ino === now.ino && was.size === now.size && was.mtimeMs === now.mtimeMs) continue;
    // A checkpoint's name ends in its snapshot id's random part: compare the kind of file, not that.
    files.push(path.basename(file).replace(/^(checkpoint-\d+)-[0-9a-f]{6}\.json$/, '$1.json'));
    bytes += was && was.ino === now.ino && now.size >= was.size ? now.size - was.size : now.size;
  }
  return { files: files.sort(), bytes };
}

/** Seeds N tracks as a teammate's pull would bring them: track folders on disk, then one index rebuild. */
async function seededStore(ws: Workspace, count: number): Promise<{ store: TrackStore; a: string; b: string }> {
  const store = new TrackStore({ root: ws.dir });
  const template = await store.createTrack({ name: 'Template', type: 'feature', goal: 'Seed' });
  for (let i = 1; i < count; i += 1) {
    const id = `track-seeded-${String(i).padStart(5, '0')}-1767225600000`;
    mkdirSync(path.join(ws.tracksDir, id, 'context'), { recursive: true });
    writeFileSync(path.join(ws.tracksDir, id, 'track.json'), JSON.stringify({ ...template, track_id: id, name: `Seeded ${i}`, status: i % 2 ? 'paused' : 'draft' }, null, 2));
  }
  unlinkSync(ws.registryFile);
  assert.equal((await store.listTracks()).tracks.length, count, 'the index is rebuilt from the folders');
  const a = (await store.createTrack({ name: 'Measured A', type: 'feature', goal: 'g' })).track_id;
  const b = (await store.createTrack({ name: 'Measured B', type: 'feature', goal: 'g' })).track_id;
  await store.activateTrack(a);
  return { store, a, b };
}

describe('index I/O does not grow with the store', function () {
  this.timeout(120_000);
  const measured: Record<number, {
    switch: ReturnType<typeof written>; update: ReturnType<typeof written>; switchReads: number; updateReads: number; switchBytesRead: number; updateBytesRead: number;
  }> = {};
  const workspaces: Workspace[] = [];
  after(() => workspaces.forEach((ws) => ws.cleanup()));

  for (const count of [100, 5_000]) {
    it(`measures a switch (with its checkpoint) and an update at ${count} tracks`, async () => {
      const ws = new Workspace();
      workspaces.push(ws);
      const { store, a, b } = await seededStore(ws, count);
      const beforeSwitch = snapshot(ws.conductor);
      // The store's files: the user's cache of known-valid documents (read and merged on its own schedule) is not the store's I/O.
      const switched = await filesRead(() => store.switchTrack(b), { under: ws.conductor });
      const afterSwitch = snapshot(ws.conductor);
      const updated = await filesRead(() => store.updateTrack(a, 'priority', 'P1'), { under: ws.conductor });
      measured[count] = {
        switch: written(beforeSwitch, afterSwitch),
        update: written(afterSwitch, snapshot(ws.conductor)),
        switchReads: switched.files.length,
        updateReads: updated.files.length,
        switchBytesRead: switched.bytes,
        updateBytesRead: updated.bytes,
      };
      assert.equal((await store.getActiveTrack())?.track_id, b);
      assert.equal((await store.listTracks()).tracks.length, count + 2);
    });
  }

  it('a write at 5 000 tracks writes and reads as much as at 100 (within a few hundred bytes), index ≤ 32 KB', () => {
    const small = measured[100];
    const large = measured[5_000];
    assert.ok(small && large, 'both sizes measured');
    for (const kind of ['switch', 'update'] as const) {
      assert.deepEqual(large[kind].files, small[kind].files, `${kind}: the same files are written`);
      assert.ok(Math.abs(large[kind].bytes - small[kind].bytes) <= 512, `${kind}: ${small[kind].bytes} bytes at 100 tracks, ${large[kind].bytes} at 5 000`);
      const index = large[kind].files.filter((file) => /^track-(registry|index)/.test(file));
      assert.ok(index.length <= 2, `${kind} touches at most the head and the log: ${index.join(', ')}`);
    }
    assert.ok(large.switch.bytes < 32 * 1024 + 20 * 1024, `switch wrote ${large.switch.bytes} bytes`);
    assert.equal(large.switchReads, small.switchReads, 'a switch reads as many files at 5 000 tracks as at 100');
    assert.equal(large.updateReads, small.updateReads, 'an update reads as many files at 5 000 tracks as at 100');
    // A long-lived writer (this store wrote last) reads the head, the log's new bytes and the tracks it changes, never the base.
    for (const kind of ['switch', 'update'] as const) {
      const [at100, at5000] = [small[`${kind}BytesRead`], large[`${kind}BytesRead`]];
      assert.ok(Math.abs(at5000 - at100) <= 1024, `${kind} read ${at100} bytes at 100 tracks, ${at5000} at 5 000`);
      assert.ok(at5000 < 64 * 1024, `${kind} read ${at5000} bytes at 5 000 tracks`);
    }
  });
});

describe('index format 2: the head, the base and the log', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('get-active reads the head and the one active track, not the index', async () => {
    const store = new TrackStore({ root: ws.dir });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await store.createTrack({ name: `Track ${i}`, type: 'feature', goal: 'g' })).track_id);
    await store.activateTrack(ids[3]);
    const { result, files } = await filesRead(() => new TrackStore({ root: ws.dir }).getActiveTrack(), { under: ws.conductor });
    assert.equal(result?.track_id, ids[3]);
    assert.deepEqual(files.map((file) => path.relative(ws.tracksDir, file)).sort(), [path.join(ids[3], 'track.json'), 'track-registry.json'].sort());
  });

  it('a hand edit of the base is noticed even after the base was validated once', () => {
    const a = ws.create('Hand Edited Base').track_id;
    ws.create('Other Track');
    ws.ok(['doctor', '--repair']);
    assert.equal(ws.ok(['list']).length, 2);
    const baseFile = path.join(ws.tracksDir, 'track-index.json');
    const base = ws.readJson<Pick<Registry, 'tracks' | 'runs'>>(baseFile);
    (base.tracks[a] as { status: string }).status = 'banana'; // a value the schema refuses
    writeFileSync(baseFile, JSON.stringify(base));
    const list = ws.cli(['list']);
    assert.equal(list.code, 0);
    assert.equal(list.json.length, 2, 'listed from the track files');
    assert.match(list.stderr, /track-index\.json is corrupt at field "tracks\..*\.status"/);
    const doctor = ws.cli(['doctor']);
    assert.ok(doctor.json.problems.some((p) => p.code === 'REGISTRY_CORRUPT'));
    assert.equal(ws.cli(['doctor', '--repair']).code, 0);
    assert.equal(ws.readIndex().tracks[a].status, 'draft');
  });

  it('a hand edit of a log line (its checksum recomputed) is noticed even after the log was validated once', () => {
    const a = ws.create('Hand Edited Log').track_id;
    ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P1']);
    ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P3']);
    assert.equal(ws.ok(['list'])[0].priority, 'P3'); // the log is now known valid (index-verdicts.ts)
    const logFile = path.join(ws.tracksDir, 'track-index.log');
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const index = lines.findIndex((line) => line.includes('"P1"'));
    const json = lines[index].slice(17).replace('"P1"', '"P9"'); // a value the schema refuses
    lines[index] = `${indexLineChecksum(json)} ${json}`;
    writeFileSync(logFile, lines.join('\n'));
    const list = ws.cli(['list']);
    assert.equal(list.code, 0);
    assert.match(list.stderr, /track-index\.log is corrupt at field "tracks\..*\.priority"/);
    assert.equal(ws.cli(['doctor', '--repair']).code, 0);
    assert.equal(ws.ok(['list'])[0].priority, 'P3');
  });

  it('a read right after a write checks no checksum (the writer kept the log known valid), and a hand edit after that is still caught', () => {
    const hook = path.join(ws.dir, 'crypto-loaded.cjs');
    writeFileSync(hook, "process.on('exit', () => require('node:fs').writeSync(2, 'CRYPTO ' + process.moduleLoadList.includes('NativeModule crypto') + '\\n'));");
    const cryptoLoadedBy = (args: string[]) => {
      const result = spawnSync(process.execPath, ['-r', hook, CLI, ...args], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
      assert.equal(result.status, 0, result.stderr);
      return /^CRYPTO (true|false)$/m.exec(result.stderr)?.[1];
    };
    const a = ws.create('Known Log').track_id;
    ws.create('Other Known Log');
    assert.equal(ws.ok(['list']).length, 2); // validates the log whole and records it
    ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P1']);
    // The update appended its line to a log known valid: the next reads trust the log as it is.
    assert.equal(cryptoLoadedBy(['list']), 'false');
    assert.equal(cryptoLoadedBy(['stats']), 'false');
    assert.equal(ws.ok(['list']).find((track) => track.track_id === a)?.priority, 'P1');
    // A hand edit changes the log's identity: checked again, line by line.
    const logFile = path.join(ws.tracksDir, 'track-index.log');
    const text = readFileSync(logFile, 'utf8');
    assert.match(text, /"P1"/);
    writeFileSync(logFile, text.replace('"P1"', '"P9"')); // same size; its checksum no longer matches
    const list = ws.cli(['list']);
    assert.equal(list.code, 0);
    assert.match(list.stderr, /track-index\.log is corrupt/);
  });

  it('a torn last log line (a writer killed mid-append) is ignored by readers and cut by the next write', () => {
    const a = ws.create('Torn Log').track_id;
    const logFile = path.join(ws.tracksDir, 'track-index.log');
    appendFileSync(logFile, '0123456789abcdef {"g":1,"a":null,"u":"2026-');
    assert.equal(ws.ok(['list']).length, 1);
    ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P0']);
    const lines = readFileSync(logFile, 'utf8').split('\n');
    assert.equal(lines.at(-1), '', 'ends with a complete line');
    assert.ok(!lines.some((line) => line.startsWith('0123456789abcdef')), 'the torn line is gone');
    assert.equal(ws.ok(['list'])[0].priority, 'P0');
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });

  it('a warm reader reads a single-file registry written over the head (an older Track Manager) instead of its cached view', async () => {
    const store = new TrackStore({ root: ws.dir });
    const a = (await store.createTrack({ name: 'Warm Reader', type: 'feature', goal: 'g' })).track_id;
    await store.createTrack({ name: 'Other Warm', type: 'feature', goal: 'g' });
    assert.equal((await store.listTracks()).tracks.find((t) => t.track_id === a)?.priority, 'P2');
    const whole = ws.readIndex();
    whole.tracks[a].priority = 'P0';
    ws.writeJson(ws.registryFile, whole);
    assert.equal((await store.listTracks()).tracks.find((t) => t.track_id === a)?.priority, 'P0');
  });

  it('an old single-file registry is read, and replaced by format 2 on the first write', () => {
    const a = ws.create('Old Format').track_id;
    const b = ws.create('Old Format Two').track_id;
    ws.ok(['activate', '--track-id', a]);
    const whole = ws.readIndex();
    ws.writeJson(ws.registryFile, whole);
    for (const name of ['track-index.json', 'track-index.log']) unlinkSync(path.join(ws.tracksDir, name));
    assert.equal(ws.ok(['get-active'])?.track_id, a);
    assert.equal(ws.ok(['list']).length, 2);
    ws.ok(['switch', '--to', b]);
    const head = ws.readJson<Registry & { index: { format: number } }>(ws.registryFile);
    assert.deepEqual(head.tracks, {});
    assert.equal(head.index.format, 2);
    assert.equal(head.active_track, b);
    assert.equal(ws.readIndex().tracks[a].status, 'paused');
    assert.deepEqual(ws.ok(['doctor']).problems, []);
  });
});
