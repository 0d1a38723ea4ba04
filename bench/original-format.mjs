// Reading a store the original track-manager wrote (version 0: no schema_version, its own registry)
// next to reading the same tracks in our format, in the same run. Readers never trust the
// original's registry (it drifted from the track files), so they read every track.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { TrackStore } = require(join(root, 'dist', 'index.js'));
const CLI = join(root, 'dist', 'cli.js');
const TYPES = ['feature', 'bugfix', 'refactor', 'testing', 'documentation'];
const STATUSES = ['draft', 'paused', 'completed'];

/** The same N tracks as the original's scripts write them: track.json, context arrays, its registry. */
function writeOriginal(workspace, count) {
  const tracksDir = join(workspace, '.claude', 'conductor', 'tracks');
  const base = Date.parse('2026-01-01T00:00:00Z');
  const registry = { version: '1.0', active_track: null, tracks: {}, metadata: { total_tracks: count, active_count: 0, completed_count: 0, last_updated: new Date(base + count * 1000).toISOString() } };
  for (let i = 0; i < count; i += 1) {
    const id = `track-original-${i}-${base + i}`;
    const at = new Date(base + i * 1000).toISOString();
    const progress = { current_step: 0, completed_steps: 0, total_steps: 0, percentage: 0 };
    const track = {
      track_id: id, name: `Original track ${i}`, type: TYPES[i % TYPES.length], status: STATUSES[i % 3], priority: `P${i % 4}`,
      created_at: at, updated_at: at,
      context: { goal: 'Seed the benchmark', success_criteria: [], target_files: [], prerequisites: [] },
      steps: [], progress, execution: { mode: 'interactive', auto_advance: false, pause_on_failure: true },
    };
    mkdirSync(join(tracksDir, id, 'context'), { recursive: true });
    writeFileSync(join(tracksDir, id, 'track.json'), JSON.stringify(track, null, 2));
    writeFileSync(join(tracksDir, id, 'context', 'decisions.json'), '[]');
    writeFileSync(join(tracksDir, id, 'context', 'assumptions.json'), '[]');
    registry.tracks[id] = { track_id: id, name: track.name, type: track.type, status: track.status, priority: track.priority, created_at: at, updated_at: at, path: id, progress };
  }
  writeFileSync(join(tracksDir, 'track-registry.json'), JSON.stringify(registry, null, 2));
}

/** Both stores' samples alternate, so a change of machine load weighs on both alike. */
function processTimesPaired(samples, args, cwds, now, quantile) {
  const times = cwds.map(() => []);
  for (let i = 0; i < samples; i += 1) {
    cwds.forEach((cwd, which) => {
      const start = now();
      const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
      times[which].push(now() - start);
      if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr.toString()}`);
    });
  }
  return times.map((list) => ({ p50: quantile(list, 0.5), p95: quantile(list, 0.95) }));
}

async function inProcess(samples, workspace, now, quantile) {
  const store = new TrackStore({ root: workspace });
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const start = now();
    await store.listTracks();
    await store.getStats();
    times.push(now() - start);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

export async function originalFormatBench(count, samples, now, quantile) {
  const original = mkdtempSync(join(tmpdir(), 'track-bench-v0-'));
  const ours = mkdtempSync(join(tmpdir(), 'track-bench-v1-'));
  try {
    writeOriginal(original, count);
    writeOriginal(ours, count);
    // The same tracks in our format: what `track doctor --repair` makes of them.
    await new TrackStore({ root: ours }).doctor({ repair: true });
    const n = Math.max(10, Math.floor(samples / 2));
    const rows = {};
    for (const command of ['list', 'stats', 'get-active']) {
      const [oursTimes, originalTimes] = processTimesPaired(n, [CLI, command], [ours, original], now, quantile);
      rows[`CLI ${command}`] = { ours: oursTimes, original: originalTimes };
    }
    rows['in-process list+stats (repeated)'] = {
      ours: await inProcess(samples, ours, now, quantile),
      original: await inProcess(samples, original, now, quantile),
    };
    return { count, rows };
  } finally {
    rmSync(original, { recursive: true, force: true });
    rmSync(ours, { recursive: true, force: true });
  }
}
