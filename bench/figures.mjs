// The figures of issue 10 that need more than one process or a byte count: the CLI's commands
// interleaved with `node -e 0`, a warm reader right after another process's write, and the bytes a
// single-track write puts on disk. Everything goes through the CLI or the library.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

/** Bytes this process has passed to write()/read() so far (Linux), or null elsewhere. */
export function ioCounters() {
  if (!existsSync('/proc/self/io')) return null;
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { written: field('wchar'), read: field('rchar') };
}

/**
 * Each command of the CLI and the floor (`node -e 0`) in turn, sample after sample, so load on a
 * shared machine hits both alike; ratio = median of the command / median of the floor.
 */
export function cliRatios({ cli, workspace, ids, samples, now, quantile }) {
  const env = { ...process.env, TRACK_MANAGER_ROOT: '' };
  const runOnce = (args) => {
    const start = now();
    const result = spawnSync(process.execPath, args, { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'], env });
    const ms = now() - start;
    if (result.status !== 0) throw new Error(`${args.slice(1).join(' ')}: ${result.stderr.toString()}`);
    return ms;
  };
  const [a, b] = ids;
  const commands = {
    'get-active': () => [cli, 'get-active'],
    show: () => [cli, 'show', '--track-id', a],
    list: () => [cli, 'list'],
    stats: () => [cli, 'stats'],
    create: (i) => [cli, 'create', '--name', `Process ${i}`, '--type', 'feature', '--goal', 'g'],
    // a is active before each round: switch to b, pause b, then (untimed) resume a.
    switch: () => [cli, 'switch', '--to', b],
    pause: () => [cli, 'pause', '--track-id', b, '--reason', 'bench'],
  };
  const times = { floor: [], ...Object.fromEntries(Object.keys(commands).map((name) => [name, []])) };
  for (let i = 0; i < samples; i += 1) {
    for (const [name, args] of Object.entries(commands)) {
      times.floor.push(runOnce(['-e', '0']));
      times[name].push(runOnce(args(i)));
    }
    runOnce([cli, 'resume', '--track-id', a]);
  }
  const p50 = (values) => quantile(values, 0.5);
  const floor = p50(times.floor);
  return {
    floor,
    rows: Object.keys(commands).map((name) => ({ name, p50: p50(times[name]), p95: quantile(times[name], 0.95), ratio: p50(times[name]) / floor })),
  };
}

/**
 * A warm reader (this process, its index already read) right after another process wrote: the
 * writer is a long-lived library process, told over stdin to change one track, so only the read
 * after its write is timed.
 */
export async function readAfterOtherProcessWrite({ store, workspace, trackId, samples, now, quantile, library }) {
  const script = `
    const { TrackStore } = require(${JSON.stringify(library)});
    const store = new TrackStore({ root: ${JSON.stringify(workspace)} });
    const lines = require('node:readline').createInterface({ input: process.stdin });
    lines.on('line', async (line) => {
      await store.updateTrack(${JSON.stringify(trackId)}, 'notes', line);
      process.stdout.write('ok\\n');
    });`;
  const writer = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let waiting = null;
  let buffered = '';
  writer.stdout.on('data', (chunk) => {
    buffered += chunk;
    while (buffered.includes('\n')) {
      buffered = buffered.slice(buffered.indexOf('\n') + 1);
      const resolve = waiting;
      waiting = null;
      resolve?.();
    }
  });
  const write = (text) => new Promise((resolve) => {
    waiting = resolve;
    writer.stdin.write(`${text}\n`);
  });
  try {
    await store.listTracks();
    await store.getStats();
    const times = [];
    for (let i = 0; i < samples; i += 1) {
      await write(`note ${i} ${Math.random()}`);
      const start = now();
      await store.listTracks();
      await store.getStats();
      times.push(now() - start);
    }
    return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
  } finally {
    writer.stdin.end();
    writer.kill();
  }
}

/**
 * Bytes written (and read) by one single-track write, minus the track's own files it rewrote: the
 * cost of the index, the journal and the lock. `write` returns the files of the track it wrote;
 * `prepare` (not counted) sets the store up for it.
 */
export async function bytesPerWrite(samples, write, prepare = /** @param {number} _i */ async (_i) => {}) {
  const overheads = [];
  const reads = [];
  for (let i = 0; i < samples; i += 1) {
    await prepare(i);
    const before = ioCounters();
    if (!before) return null;
    const written = await write(i);
    const after = ioCounters();
    const ownFiles = await written.files();
    const own = ownFiles.reduce((sum, file) => sum + statSync(file).size, 0);
    overheads.push(after.written - before.written - own);
    reads.push(after.read - before.read);
  }
  overheads.sort((x, y) => x - y);
  reads.sort((x, y) => x - y);
  return { overhead: overheads[Math.floor(overheads.length / 2)], read: reads[Math.floor(reads.length / 2)] };
}
