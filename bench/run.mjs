// `npm run bench`: speed of the core in-process and of the CLI as a process, each next to the floor
// measured in the same run. Prints tables; asserts nothing (tests never assert on time).
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesPerWrite, cliRatios, readAfterOtherProcessWrite } from './figures.mjs';
import { seed } from './seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { TrackStore } = require(join(root, 'dist', 'index.js'));
const CLI = join(root, 'dist', 'cli.js');
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
/** BENCH_ONLY=core,cli,writers runs a part of the benchmark. */
const LIBRARY = join(root, 'dist', 'index.js');
const ONLY = new Set((process.env.BENCH_ONLY ?? 'core,cli,brief,scripts,writers,editor,original,recovery').split(','));

const now = () => Number(process.hrtime.bigint()) / 1e6;
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const fmt = (ms) => (typeof ms !== 'number' ? 'n/a' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
async function time(samples, fn) {
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const start = now();
    await fn(i);
    times.push(now() - start);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

/** Issue 10's figures, each beside its target, printed together at the end. */
const summary = [];
function figure(name, measured, target, met) {
  summary.push([name, measured, target, met === null ? '—' : met ? 'yes' : 'NO']);
}

const FLOOR_BYTES = 16 * 1024;
/** The floor of a durable write: one atomic replace of a 16 KB file (temp, fsync, rename, folder fsync). */
function fsFloor(dir, bytes = FLOOR_BYTES) {
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
    const { store, reindexMs } = await seed(workspace, size);
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
    const afterOther = await readAfterOtherProcessWrite({ store, workspace, trackId: a, samples: SAMPLES, now, quantile, library: LIBRARY });
    // Bytes put on disk by a single-track write, beyond the track's own files.
    const updateBytes = await bytesPerWrite(Math.min(SAMPLES, 10), async (i) => {
      await store.updateTrack(a, 'notes', `bytes ${i}`);
      return { files: () => Promise.resolve([store.paths.trackFile(a)]) };
    });
    // Pause: the track file and its new checkpoint are the track's own.
    const pauseBytes = await bytesPerWrite(Math.min(SAMPLES, 10), async () => {
      const { checkpoint } = await store.suspendTrack(drafts[0], 'bench');
      return {
        files: async () => {
          const entry = (await store.listCheckpoints(drafts[0])).checkpoints.find((c) => c.snapshot_id === checkpoint.snapshot_id);
          return [store.paths.trackFile(drafts[0]), isAbsolute(entry.file) ? entry.file : join(workspace, entry.file)];
        },
      };
    }, () => store.switchTrack(drafts[0]));
    const list = await time(SAMPLES, () => store.listTracks());
    const stats = await time(SAMPLES, () => store.getStats());
    const listStatsWarm = await time(SAMPLES, async () => { await store.listTracks(); await store.getStats(); });
    const floor = await fsFloor(workspace);
    return {
      size, reindexMs, floor, updateBytes, pauseBytes,
      rows: {
        create, activate: { p50: quantile(activateTimes, 0.5), p95: quantile(activateTimes, 0.95) },
        'switch (with checkpoint)': switching, 'pause (with checkpoint)': { p50: quantile(pauseTimes, 0.5), p95: quantile(pauseTimes, 0.95) },
        'list (warm)': list, 'stats (warm)': stats, 'list+stats (warm)': listStatsWarm,
        'list+stats (after a write)': { p50: quantile(coldTimes, 0.5), p95: quantile(coldTimes, 0.95) },
        "list+stats (after another process's write)": afterOther,
      },
    };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function cliProcess(size) {
  const workspace = mkdtempSync(join(tmpdir(), `track-bench-cli-${size}-`));
  try {
    const { store } = await seed(workspace, size);
    const ids = [];
    for (let i = 0; i < 2; i += 1) ids.push((await store.createTrack({ name: `Cli ${i}`, type: 'feature', goal: 'g', ready: true })).track_id);
    await store.activateTrack(ids[0], { force: true });
    const samples = Math.max(10, Math.floor(SAMPLES / 2));
    // One untimed round first: the V8 code cache of each bundle is written by its first run.
    cliRatios({ cli: CLI, workspace, ids, samples: 1, now, quantile });
    return { size, ...cliRatios({ cli: CLI, workspace, ids, samples, now, quantile }) };
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
      const { TrackStore } = require(${JSON.stringify(LIBRARY)});
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
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
for (const size of ONLY.has('core') ? SIZES : []) {
  const result = await inProcess(size);
  const rows = Object.entries(result.rows).map(([name, t]) => [name, fmt(t.p50), fmt(t.p95), `${(t.p50 / result.floor.p50).toFixed(1)}×`]);
  rows.push(['fs floor: atomic replace of a 16 KB file', fmt(result.floor.p50), fmt(result.floor.p95), '1.0×']);
  table(`In-process, ${size} tracks (index built from the track files in ${fmt(result.reindexMs)} ms)`, ['operation', 'p50', 'p95', 'p50 / fs floor'], rows);
  const switchRatio = result.rows['switch (with checkpoint)'].p50 / result.floor.p50;
  figure(`in-process switch with checkpoint ÷ fs floor, ${size} tracks`, `${switchRatio.toFixed(1)}×`, '≤ 5×', switchRatio <= 5);
  const afterOther = result.rows["list+stats (after another process's write)"].p50;
  figure(`list+stats in a warm process right after another process's write, ${size} tracks`, `${fmt(afterOther)} ms`, size >= 10000 ? '≤ 20 ms' : '— (≤ 20 ms at 10 000)', size >= 10000 ? afterOther <= 20 : null);
  if (result.updateBytes) {
    table(`Bytes per single-track write, ${size} tracks, beyond the track's own files (median of /proc/self/io)`, ['write', 'written', 'read'], [
      ['update (track.json)', kib(result.updateBytes.overhead), kib(result.updateBytes.read)],
      ['pause (track.json + its checkpoint)', kib(result.pauseBytes.overhead), kib(result.pauseBytes.read)],
    ]);
    for (const [name, bytes] of /** @type {Array<[string, { overhead: number; read: number }]>} */ ([['update', result.updateBytes], ['pause', result.pauseBytes]])) {
      figure(`bytes written by one ${name} beyond the track's files, ${size} tracks`, kib(bytes.overhead), '≤ 32 KiB', bytes.overhead <= 32 * 1024);
    }
  } else {
    figure(`bytes written per single-track write, ${size} tracks`, 'n/a (no /proc/self/io)', '≤ 32 KiB', null);
  }
}
const READS = new Set(['get-active', 'show', 'list', 'stats']);
for (const size of ONLY.has('cli') ? SIZES : []) {
  const result = await cliProcess(size);
  table(`CLI as a process, ${size} tracks (each command interleaved with node -e 0)`, ['command', 'p50', 'p95', 'p50 / node -e 0'], [
    ['node -e 0 (floor)', fmt(result.floor), '—', '1.00×'],
    ...result.rows.map((r) => [r.name, fmt(r.p50), fmt(r.p95), `${r.ratio.toFixed(2)}×`]),
  ]);
  for (const row of result.rows) {
    const read = READS.has(row.name);
    // The issue sets 100 and 10 000; a size in between is held to the larger one's target.
    const target = read ? (size <= 100 ? 1.15 : 1.3) : (size <= 100 ? 1.3 : 1.5);
    figure(`CLI ${row.name} ÷ node -e 0, ${size} tracks`, `${row.ratio.toFixed(2)}×`, `≤ ${target}×`, row.ratio <= target);
  }
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
  const eight = await concurrentWriters(8, 60);
  const one = await concurrentWriters(1, 60);
  table('Concurrent writers (switch with checkpoint, separate processes, one store)', ['writers', 'transitions', 'seconds', 'transitions/s'],
    [eight, one].map((w) => [w.writers, w.transitions, w.seconds.toFixed(2), w.perSecond.toFixed(0)]));
  figure('8 writer processes, transitions/s', eight.perSecond.toFixed(0), '≥ 300', eight.perSecond >= 300);
  figure('8 writer processes ÷ one writer alone', `${(eight.perSecond / one.perSecond).toFixed(2)}×`, '> 1×', eight.perSecond > one.perSecond);
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
    ['  refreshes per CLI write', String(result.refreshes_per_write), '—'],
    ['  for comparison: CLI write → first event of VS Code\'s file watcher in the host', fmt(result.cli_to_first_event_p50), fmt(result.cli_to_first_event_p95)],
    ['  the read alone: list + active track in the host after a CLI write', fmt(result.read_after_cli_write_p50), fmt(result.read_after_cli_write_p95)],
    ...Object.entries(result.phases_p50 ?? {}).map(([name, ms]) => [`  refresh step ${name}`, fmt(ms), '—']),
  ]);
  figure(`CLI write → tree refreshed, ${result.tracks} tracks (p50)`, `${fmt(result.cli_to_tree_p50)} ms`, result.tracks >= 10000 ? '≤ 300 ms' : '— (≤ 300 ms at 10 000)',
    result.tracks >= 10000 ? result.cli_to_tree_p50 <= 300 : null);
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
if (summary.length > 0) table("Issue 10's figures (ratios to floors measured in the same run)", ['figure', 'measured', 'target', 'met?'], summary);
console.log('\nOther targets: brief ≤ 1.3× node -e 0; a guide script ≤ 1.1× the same `track` command; activation ≤ 20 ms; groups of 10 000 tracks ≤ 50 ms; reading 1 000 tracks in the original format ≤ 1.5× ours; recovery tick with no change: 0 file calls, < 1 ms; first screen of rows at 2 000 tracks ≤ 500 ms.');
