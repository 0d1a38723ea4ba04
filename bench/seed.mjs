// Seeding a store with many tracks for the benchmarks, as a teammate's pull would bring them:
// track folders written directly, then one read through the library indexes them. The index's
// own files are never read or written here (their format is the library's business).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { TrackStore } = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js'));
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Seeds N tracks as a teammate's pull would: track folders on disk, then one read indexes them. */
export async function seed(workspace, count) {
  const store = new TrackStore({ root: workspace });
  const template = await store.createTrack({ name: 'Template Track', type: 'feature', goal: 'Seed the benchmark', priority: 'P2' });
  const tracksDir = join(workspace, '.claude', 'conductor', 'tracks');
  const types = ['feature', 'bugfix', 'refactor', 'testing', 'documentation'];
  const base = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 1; i < count; i += 1) {
    const id = `track-seeded-${i}-${base + i}`;
    mkdirSync(join(tracksDir, id, 'context'), { recursive: true });
    const at = new Date(base + i * 1000).toISOString();
    writeFileSync(join(tracksDir, id, 'track.json'), JSON.stringify({
      ...template, track_id: id, name: `Seeded track ${i}`, type: types[i % types.length], priority: `P${i % 4}`,
      status: i % 3 === 0 ? 'completed' : i % 3 === 1 ? 'paused' : 'draft', created_at: at, updated_at: at,
      status_history: [{ from: null, to: 'draft', at }],
    }, null, 2));
  }
  store.forgetCaches();
  const started = now();
  const { tracks } = await store.listTracks();
  if (tracks.length !== count) throw new Error(`seeded ${count} tracks, the store lists ${tracks.length}`);
  return { store, template, reindexMs: now() - started };
}
