// `npm run bench`: speed of the core in-process and of the CLI as a process, each next to the floor
// measured in the same run. Prints tables; asserts nothing (tests never assert on time).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed } from './seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { TrackStore } = require(join(root, 'dist', 'index.js'));
const CLI = join(root, 'dist', 'cli.js');
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
/** BENCH_ONLY=core,cli,writers runs a part of the benchmark. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'core,cli,brief,scripts,writers,editor,original,recovery').split(','));

const now = () => Number(process.hrtime.bigint()) / 1e6;
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
async function time(samples, fn) {
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const start = now();
    await fn(i);
    times.push(now() - start);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

/** The floor of a transition: one atomic replace of a file as large as the registry. */
function fsFloor(dir, bytes) {
  const data = Buffer.alloc(bytes, 'x');
  const target = join(dir, 'floor.json');
  return time(SAMPLES, () => {
    const temp = join(dir, `.floor.${process.pid}.${Math.random()}.tmp`);
    const fd = openSync(temp, 'w');
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  });
}

async function inProcess(size) {
  const workspace = mkdtempSync(join(tmpdir(), `track-bench-${size}-`));
  try {
    const { store, reindexMs, registryBytes } = await seed(workspace, size);
    const drafts = [];
    for (let i = 0; i < SAMPLES * 2 + 2; i += 1) drafts.push((await store.createTrack({ name: `Bench ${i}`, type: 'feature', goal: 'g' })).track_id);
    const create = await time(SAMPLES, (i) => store.createTrack({ name: `Timed ${i}`, type: 'bugfix', goal: 'g' }));
    const activateTimes = [];
    const pauseTimes = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      let start = now();
      await store.activateTrack(drafts[i]);
      activateTimes.push(now() - start);
      start = now();
      await store.suspendTrack(drafts[i], 'bench');
      pauseTimes.push(now() - start);
    }
    const a = drafts[SAMPLES];
    const b = drafts[SAMPLES + 1];
    await store.activateTrack(a);
    const switching = await time(SAMPLES, (i) => store.switchTrack(i % 2 === 0 ? b : a));
    // Readers right after a write (what the editor does when the watcher fires) and warm.
    const coldTimes = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      await store.updateTrack(a, 'notes', String(Math.random()));
      const start = now();
      await store.listTracks();
      await store.getStats();
      coldTimes.push(now() - start);
    }
    const list = await time(SAMPLES, () => store.listTracks());
    const stats = await time(SAMPLES, () => store.getStats());
    const listStatsWarm = await time(SAMPLES, async () => { await store.listTracks(); await store.getStats(); });
    const floor = await fsFloor(workspace, registryBytes);
    return {
      size, reindexMs, registryBytes, floor,
      rows: {
        create, activate: { p50: quantile(activateTimes, 0.5), p95: quantile(activateTimes, 0.95) },
        'switch (with checkpoint)': switching, 'pause (with checkpoint)': { p50: quantile(pauseTimes, 0.5), p95: quantile(pauseTimes, 0.95) },
        'list (warm)': list, 'stats (warm)': stats, 'list+stats (warm)': listStatsWarm,
        'list+stats (after a write)': { p50: quantile(coldTimes, 0.5), p95: quantile(coldTimes, 0.95) },
      },
    };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

function processTimes(samples, argsFor, cwd) {
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const args = argsFor(i);
    const start = now();
    const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
    times.push(now() - start);
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr.toString()}`);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

async function cliProcess(size) {
  const workspace = mkdtempSync(join(tmpdir(), `track-bench-cli-${size}-`));
  try {
    const { store } = await seed(workspace, size);
    const ids = [];
    for (let i = 0; i < 2; i += 1) ids.push((await store.createTrack({ name: `Cli ${i}`, type: 'feature', goal: 'g' })).track_id);
    await store.activateTrack(ids[0]);
    const n = Math.max(10, Math.floor(SAMPLES / 2));
    const floor = processTimes(n, () => ['-e', '0'], workspace);
    const rows = {
      'node -e 0 (floor)': floor,
      '--help': processTimes(n, () => [CLI, '--help'], workspace),
      create: processTimes(n, (i) => [CLI, 'create', '--name', `Process ${i}`, '--type', 'feature', '--goal', 'g'], workspace),
      'switch (with checkpoint)': processTimes(n, (i) => [CLI, 'switch', '--to', ids[(i + 1) % 2]], workspace),
      list: processTimes(n, () => [CLI, 'list'], workspace),
      stats: processTimes(n, () => [CLI, 'stats'], workspace),
      'get-active': processTimes(n, () => [CLI, 'get-active'], workspace),
    };
    return { size, floor, rows };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function concurrentWriters(writers = 8, perWriter = 60) {
  const workspace = mkdtempSync(join(tmpdir(), 'track-bench-writers-'));
  try {
    const store = new TrackStore({ root: workspace });
    const ids = [];
    for (let i = 0; i < 12; i += 1) ids.push((await store.createTrack({ name: `Writer target ${i}`, type: 'feature', goal: 'g' })).track_id);
    const script = `
      const { TrackStore } = require(${JSON.stringify(join(root, 'dist', 'index.js'))});
      const ids = ${JSON.stringify(ids)};
      const store = new TrackStore({ root: ${JSON.stringify(workspace)}, lockTimeoutMs: 60000 });
      (async () => {
        await new Promise((r) => process.stdin.once('data', r));
        for (let i = 0; i < ${perWriter}; i += 1) await store.switchTrack(ids[(process.pid + i) % ids.length]);
        process.exit(0);
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const children = Array.from({ length: writers }, () => spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'inherit', 'inherit'] }));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let every writer load
    const start = now();
    const exits = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
    for (const child of children) child.stdin.write('go\n');
    const codes = await Promise.all(exits);
    const seconds = (now() - start) / 1000;
    if (codes.some((code) => code !== 0)) throw new Error(`a writer failed: ${codes.join(', ')}`);
    const transitions = writers * perWriter;
    return { writers, transitions, seconds, perSecond: transitions / seconds };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

console.log(`Track Manager benchmark — node ${process.version}, ${SAMPLES} samples per figure, times in ms`);
for (const size of ONLY.has('core') ? SIZES : []) {
  const result = await inProcess(size);
  const rows = Object.entries(result.rows).map(([name, t]) => [name, fmt(t.p50), fmt(t.p95), `${(t.p50 / result.floor.p50).toFixed(1)}×`]);
  rows.push(['fs floor: atomic replace of the registry', fmt(result.floor.p50), fmt(result.floor.p95), '1.0×']);
  table(`In-process, ${size} tracks (registry ${(result.registryBytes / 1024).toFixed(0)} KiB, index rebuilt in ${fmt(result.reindexMs)} ms)`, ['operation', 'p50', 'p95', 'p50 / fs floor'], rows);
}
for (const size of ONLY.has('cli') ? [100, SIZES[SIZES.length - 1]].filter((v, i, a) => a.indexOf(v) === i) : []) {
  const result = await cliProcess(size);
  table(`CLI as a process, ${size} tracks`, ['command', 'p50', 'p95', 'p50 / node -e 0'], Object.entries(result.rows).map(([name, t]) => [name, fmt(t.p50), fmt(t.p95), `${(t.p50 / result.floor.p50).toFixed(2)}×`]));
}
if (ONLY.has('brief')) {
  const { briefBench } = await import('./brief.mjs');
  const result = await briefBench(CLI, SAMPLES, now, quantile);
  table('track brief (session-start hook), active track with decisions and a checkpoint', ['command', 'p50', 'p95', 'p50 / node -e 0'], [
    ['node -e 0 (floor)', fmt(result.floor.p50), fmt(result.floor.p95), '1.00×'],
    ['track brief', fmt(result.brief.p50), fmt(result.brief.p95), `${(result.brief.p50 / result.floor.p50).toFixed(2)}×`],
  ]);
}
if (ONLY.has('scripts')) {
  const { guideScriptsBench } = await import('./guide-scripts.mjs');
  const rows = guideScriptsBench({ cli: CLI, samples: Math.max(10, SAMPLES), now, quantile });
  table("The guide's scripts after `track init` vs the same command through `track` (100 tracks, interleaved)", ['command', 'script p50', 'track p50', 'script / track'],
    rows.map((r) => [r.name, fmt(r.script), fmt(r.track), `${(r.script / r.track).toFixed(3)}×`]));
}
if (ONLY.has('writers')) {
  const writers = await concurrentWriters();
  table('Concurrent writers (switch with checkpoint, separate processes, one store)', ['writers', 'transitions', 'seconds', 'transitions/s'], [[writers.writers, writers.transitions, writers.seconds.toFixed(2), writers.perSecond.toFixed(0)]]);
}
if (ONLY.has('editor')) {
  const { editorBench } = await import('./editor.mjs');
  const size = SIZES[SIZES.length - 1];
  // The first screen is also timed at 2 000 tracks (a large real store), in a host of its own.
  const firstScreens = [];
  for (const smaller of (process.env.BENCH_FIRST_SCREEN_SIZES ?? '2000').split(',').map(Number).filter((n) => n && n !== size)) {
    const early = await editorBench(smaller);
    firstScreens.push([`first screen of rows, ${early.tracks} tracks (view opened → rows)`, fmt(early.first_screen_ms), '—']);
  }
  const result = await editorBench(size);
  table(`VS Code ${result.vscode}, extension host, ${result.tracks} tracks`, ['measure', 'p50', 'p95'], [
    ['activate()', fmt(result.activation_ms), '—'],
    ...firstScreens,
    [`first screen of rows, ${result.tracks} tracks (view opened → rows)`, fmt(result.first_screen_ms), '—'],
    ['tree: root groups from the store', fmt(result.groups_p50), fmt(result.groups_p95)],
    ['tree: open the largest group (first 200 rows)', fmt(result.largest_group_p50), fmt(result.largest_group_p95)],
    ['CLI write → tree refreshed (watcher)', fmt(result.cli_to_tree_p50), fmt(result.cli_to_tree_p95)],
  ]);
}
if (ONLY.has('original')) {
  const { originalFormatBench } = await import('./original-format.mjs');
  const result = await originalFormatBench(1000, SAMPLES, now, quantile);
  table(`Reading ${result.count} tracks: the original track-manager's format vs ours (same tracks, same run)`, ['read', 'ours p50', 'original p50', 'original p95', 'original / ours'], Object.entries(result.rows).map(([name, r]) => [
    name, fmt(r.ours.p50), fmt(r.original.p50), fmt(r.original.p95), `${(r.original.p50 / r.ours.p50).toFixed(2)}×`,
  ]));
}
if (ONLY.has('recovery')) {
  const { recoveryTickBench } = await import('./recovery.mjs');
  const result = await recoveryTickBench(SIZES[SIZES.length - 1], now);
  table(`Recovery timer, ${result.size} tracks, no change (${result.watchedPids} live agents watched; one detection to start: ${fmt(result.detectMs)} ms)`, ['measure', 'value'], [
    ['cost per tick (ms)', result.perTickMs.toFixed(5)],
    [`file-system calls in ${result.ticks} ticks`, String(result.fileCalls)],
    ['ticks that asked for a store read', String(result.due)],
    ['file-system calls of one detection (the counter works)', String(result.detectionCalls)],
    ['floor: one stat of the registry (ms)', result.statMs.toFixed(5)],
    ['tick / one stat', `${(result.perTickMs / result.statMs).toFixed(2)}×`],
  ]);
}
console.log('\nTargets: switch ≤ 5× fs floor in-process; CLI ≤ 1.5× node -e 0; brief ≤ 1.3× node -e 0; a guide script ≤ 1.1× the same `track` command; list+stats of 10 000 ≤ 20 ms; 8 writers ≥ 300 transitions/s; activation ≤ 20 ms; CLI write → tree ≤ 300 ms; groups of 10 000 tracks ≤ 50 ms; reading 1 000 tracks in the original format ≤ 1.5× ours; recovery tick with no change: 0 file calls, < 1 ms; first screen of rows at 2 000 tracks ≤ 500 ms.');
