// The live-recovery timer of the extension: what one tick costs when nothing changed. A tick
// decides from the last detection alone (the next stale instant, the owner pids of running runs),
// so it must read no file; file-system calls are counted to prove it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seed } from './seed.mjs';

const require = createRequire(import.meta.url);
const { TrackStore, recoveryCheckDue } = require(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js'));

const COUNTED = ['readFile', 'readFileSync', 'open', 'openSync', 'read', 'readSync', 'stat', 'statSync', 'lstat', 'lstatSync', 'readdir', 'readdirSync', 'access', 'accessSync', 'existsSync'];

/** Wraps every file-reading function of fs and fs/promises with a counter; returns the restorer. */
function countFileCalls(counter) {
  const restore = [];
  for (const module of [fs, fsp]) {
    for (const name of COUNTED) {
      const original = module[name];
      if (typeof original !== 'function') continue;
      module[name] = function counted(...args) {
        counter.calls += 1;
        return original.apply(this, args);
      };
      restore.push(() => { module[name] = original; });
    }
  }
  return () => restore.forEach((undo) => undo());
}

export async function recoveryTickBench(size, now, ticks = 100_000) {
  const workspace = mkdtempSync(join(tmpdir(), `track-bench-recovery-${size}-`));
  const agents = [];
  try {
    const { store, template } = await seed(workspace, size);
    await store.activateTrack(template.track_id);
    // Three agents, each a live process owning a running run: the tick checks each one's pid.
    for (let i = 0; i < 3; i += 1) {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      agents.push(child);
      const agent = new TrackStore({ root: workspace, ownerPid: child.pid });
      await agent.startRun(template.track_id, { workflow: `agent-${i}` });
    }
    const detectStart = now();
    const { result, watch } = await store.detectInterruptedWithWatch(30);
    const detectMs = now() - detectStart;
    const watches = new Map([['folder', watch]]);
    const tick = () => {
      const at = Date.now();
      for (const w of watches.values()) if (recoveryCheckDue(w, at)) return true;
      return false;
    };
    for (let i = 0; i < 1000; i += 1) tick(); // warm up
    const counter = { calls: 0 };
    const restore = countFileCalls(counter);
    let due = 0;
    const start = now();
    for (let i = 0; i < ticks; i += 1) if (tick()) due += 1;
    const perTickMs = (now() - start) / ticks;
    // The counter itself is checked: one detection (what a due tick triggers) does read files.
    const tickCalls = counter.calls;
    store.forgetCaches();
    await store.detectInterruptedWithWatch(30);
    const detectionCalls = counter.calls - tickCalls;
    counter.calls = tickCalls;
    restore();
    // The floor: the cheapest possible store read, one stat of the registry.
    const registry = join(workspace, '.claude', 'conductor', 'tracks', 'track-registry.json');
    const floorStart = now();
    for (let i = 0; i < 10_000; i += 1) statSync(registry);
    const statMs = (now() - floorStart) / 10_000;
    return { size, ticks, perTickMs, fileCalls: counter.calls, detectionCalls, due, statMs, detectMs, watchedPids: watch.owner_pids.length, interrupted: result.count };
  } finally {
    for (const child of agents) child.kill('SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
  }
}
