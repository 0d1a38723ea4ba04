import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { Workspace } from '../helpers/workspace';

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
    files.push(path.basename(file));
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

/** Files opened for reading while `work` runs (fs.promises open/readFile, as the core reads). */
async function filesRead<T>(work: () => Promise<T>): Promise<{ result: T; files: string[] }> {
  const files: string[] = [];
  // The module object itself (an `import * as` copy would not reach the core's calls).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require('node:fs/promises') as Record<string, (...args: unknown[]) => unknown>;
  const originals = { open: api.open, readFile: api.readFile };
  api.open = (file: unknown, flags: unknown, ...rest: unknown[]) => {
    if (flags === undefined || flags === 'r') files.push(String(file));
    return originals.open(file, flags, ...rest);
  };
  api.readFile = (file: unknown, ...rest: unknown[]) => {
    files.push(String(file));
    return originals.readFile(file, ...rest);
  };
  try {
    return { result: await work(), files };
  } finally {
    api.open = originals.open;
    api.readFile = originals.readFile;
  }
}

describe('index I/O does not grow with the store', function () {
  this.timeout(120_000);
  const measured: Record<number, { switch: ReturnType<typeof written>; update: ReturnType<typeof written>; switchReads: number; updateReads: number }> = {};
  const workspaces: Workspace[] = [];
  after(() => workspaces.forEach((ws) => ws.cleanup()));

  for (const count of [100, 5_000]) {
    it(`measures a switch (with its checkpoint) and an update at ${count} tracks`, async () => {
      const ws = new Workspace();
      workspaces.push(ws);
      const { store, a, b } = await seededStore(ws, count);
      const beforeSwitch = snapshot(ws.conductor);
      const switched = await filesRead(() => store.switchTrack(b));
      const afterSwitch = snapshot(ws.conductor);
      const updated = await filesRead(() => store.updateTrack(a, 'priority', 'P1'));
      measured[count] = {
        switch: written(beforeSwitch, afterSwitch),
        update: written(afterSwitch, snapshot(ws.conductor)),
        switchReads: switched.files.length,
        updateReads: updated.files.length,
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
  });
});
