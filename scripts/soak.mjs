// Soak test of the store under attack (npm run soak; not run in CI). Writers, half through the CLI
// (one process per op) and half through the library (a long-lived process each, as the extension),
// do mixed ops on one store while this script SIGKILLs ops at random moments, SIGSTOPs lock holders
// past the stale time (so others take the lock over) and plants ownerless and future-dated locks.
// Then it checks that every acknowledged op is in the store and nothing else went wrong.
//
//   node scripts/soak.mjs [--writers 12] [--ops 300] [--kills 500] [--takeovers 50] [--odd-locks 20]
//                         [--stale-ms 4000] [--seed 1] [--json] [--keep]
//
// Ops and what "lost" means: each op carries a unique mark. decision/burst: the decision text must
// be in the ledger track's decisions; update: the writer's own track's notes must hold the mark of
// its last acknowledged update or a later one; checkpoint: the acknowledged checkpoint must exist.
// An op is acknowledged when its process said it succeeded (exit 0 / an ok answer). A killed op may
// or may not have committed; an op refused with E_LOCK_COMPROMISED must not have (a "phantom").
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const projectRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(projectRoot, 'dist', 'cli.js');
const LIBRARY_WORKER = path.join(projectRoot, 'scripts', 'soak-library-worker.mjs');
const require = createRequire(import.meta.url);
const { TrackStore } = require(path.join(projectRoot, 'dist', 'index.js'));

const { values: args } = parseArgs({
  options: {
    writers: { type: 'string', default: '12' },
    ops: { type: 'string', default: '300' },
    kills: { type: 'string', default: '500' },
    takeovers: { type: 'string', default: '50' },
    'odd-locks': { type: 'string', default: '20' },
    'stale-ms': { type: 'string', default: '4000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const WRITERS = Number(args.writers);
const OPS = Number(args.ops);
const KILLS = Number(args.kills);
const TAKEOVERS = Number(args.takeovers);
const ODD_LOCKS = Number(args['odd-locks']);
const STALE_MS = Number(args['stale-ms']);
const LOCK_TIMEOUT_MS = 120_000;

let seed = Number(args.seed) >>> 0 || 1;
function random() {
  // mulberry32: reproducible choices for one seed (timing still varies run to run).
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => { if (!args.json) process.stderr.write(`soak: ${text}\n`); };

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'track-soak-'));
const childEnv = {
  ...process.env,
  TRACK_MANAGER_ROOT: workspace,
  TRACK_MANAGER_LOCK_STALE_MS: String(STALE_MS),
  TRACK_MANAGER_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS),
  TRACK_OWNER_PID: '',
};
process.env.TRACK_MANAGER_LOCK_STALE_MS = String(STALE_MS);
const store = new TrackStore({ root: workspace, lockTimeoutMs: LOCK_TIMEOUT_MS, command: 'soak' });
const tracksDir = store.paths.tracksDir;
const lockDir = store.paths.lockDir;

const stats = {
  opsAttempted: 0, acknowledged: 0, kills: 0, stops: 0, takeovers: 0, ownerlessLocks: 0, futureLocks: 0,
  outcomes: {}, unexpected: [], liveCompromised: 0, liveCompromisedOps: [],
};
const ops = [];
/** Running op processes (CLI children and library workers) by pid. */
const running = new Map();
let writersDone = false;
// Never leave a SIGSTOPped child behind if this script is interrupted.
process.on('exit', () => { for (const { child } of running.values()) child.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

function killProbability() {
  const remainingOps = Math.max(1, WRITERS * OPS - stats.opsAttempted);
  return Math.min(0.9, (1.3 * Math.max(0, KILLS - stats.kills)) / remainingOps);
}

/** SIGKILLs the process running `op` after a random delay, unless it finished or is stopped. */
function maybeKill(op, child) {
  if (random() >= killProbability()) return;
  setTimeout(() => {
    const entry = running.get(child.pid);
    if (!entry || entry.stopped || op.outcome) return;
    if (child.kill('SIGKILL')) op.killRequested = true;
  }, random() * 450);
}

function cliArgs(op) {
  switch (op.kind) {
    case 'decision': return ['context', 'add-decision', '--track-id', op.trackId, '--text', op.text];
    case 'update': return ['update', '--track-id', op.trackId, '--field', 'notes', '--value', op.value];
    case 'switch': return ['switch', '--to', op.trackId];
    case 'checkpoint': return ['checkpoint', 'create', '--track-id', op.trackId];
    case 'pause': return ['pause', '--track-id', op.trackId, '--reason', 'soak'];
    default: throw new Error(op.kind);
  }
}

function runCli(op) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...cliArgs(op), '--json'], { cwd: workspace, env: childEnv });
    running.set(child.pid, { child, op, stopped: false });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code, signal) => {
      running.delete(child.pid);
      if (signal === 'SIGKILL') return resolve({ killed: true });
      if (code === 0) {
        let snapshotId = null;
        try { snapshotId = JSON.parse(stdout).snapshot_id ?? null; } catch { /* not JSON */ }
        return resolve({ ok: true, snapshotId });
      }
      let errorCode = `EXIT_${code}`;
      let message = stderr.trim();
      try { const parsed = JSON.parse(stderr).error; errorCode = parsed.code; message = parsed.message; } catch { /* raw */ }
      resolve({ ok: false, code: errorCode, message });
    });
    maybeKill(op, child);
  });
}

/** One long-lived library process per library writer; respawned after a kill. */
class LibraryWriter {
  constructor() { this.child = null; this.pending = null; }

  start() {
    const child = spawn(process.execPath, [LIBRARY_WORKER, workspace, String(LOCK_TIMEOUT_MS)], { cwd: workspace, env: childEnv, stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    running.set(child.pid, { child, op: null, stopped: false });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line);
      const pending = this.pending;
      if (pending && pending.op.id === answer.id) {
        this.pending = null;
        pending.resolve(answer.ok ? { ok: true, snapshotId: answer.snapshotId, parts: answer.parts } : { ok: false, code: answer.code, message: answer.message, parts: answer.parts });
      }
    });
    child.on('close', () => {
      running.delete(child.pid);
      if (this.child === child) this.child = null;
      const pending = this.pending;
      this.pending = null;
      if (pending) pending.resolve({ killed: true });
    });
  }

  run(op) {
    if (!this.child) this.start();
    const child = this.child;
    return new Promise((resolve) => {
      this.pending = { op, resolve };
      running.get(child.pid).op = op;
      child.stdin.write(`${JSON.stringify(op)}\n`);
      maybeKill(op, child);
    });
  }

  stop() { this.child?.stdin.end(); }
}

function makeOp(writer, k, face, writerTracks) {
  const id = `w${writer}-op${k}`;
  const roll = random();
  const own = writerTracks[writer];
  if (roll < 0.4) return { id, kind: 'decision', trackId: ledgerId, text: `soak ${id}` };
  if (roll < 0.45) return face === 'library'
    ? { id, kind: 'burst', trackId: ledgerId, texts: [`soak ${id} a`, `soak ${id} b`] }
    : { id, kind: 'decision', trackId: ledgerId, text: `soak ${id}` };
  if (roll < 0.65) return { id, kind: 'update', trackId: own, value: `${id}` };
  if (roll < 0.8) return { id, kind: 'switch', trackId: pick(writerTracks) };
  if (roll < 0.9) return { id, kind: 'checkpoint', trackId: own };
  return { id, kind: 'pause', trackId: own };
}

async function runWriter(writer, writerTracks) {
  const face = writer % 2 === 0 ? 'cli' : 'library';
  const library = face === 'library' ? new LibraryWriter() : null;
  for (let k = 0; k < OPS; k += 1) {
    const op = makeOp(writer, k, face, writerTracks);
    op.writer = writer;
    op.k = k;
    op.face = face;
    ops.push(op);
    stats.opsAttempted += 1;
    op.outcome = face === 'cli' ? await runCli(op) : await library.run(op);
    const key = op.outcome.killed ? 'killed' : op.outcome.ok ? 'ok' : op.outcome.code;
    stats.outcomes[key] = (stats.outcomes[key] ?? 0) + 1;
    if (op.outcome.killed) stats.kills += 1;
    if (op.outcome.ok) stats.acknowledged += 1;
    if (!op.outcome.ok && !op.outcome.killed) {
      const expected = ['E_INVALID_TRANSITION', 'E_ANOTHER_ACTIVE', 'E_LOCK_COMPROMISED'];
      if (!expected.includes(op.outcome.code)) stats.unexpected.push({ id: op.id, kind: op.kind, face, code: op.outcome.code, message: op.outcome.message?.slice(0, 300) });
      if (op.outcome.code === 'E_LOCK_COMPROMISED' && !op.stopped) {
        stats.liveCompromised += 1;
        stats.liveCompromisedOps.push({ id: op.id, kind: op.kind, face, message: op.outcome.message?.slice(0, 300) });
      }
    }
  }
  library?.stop();
}

function lockOwner() {
  try {
    const name = fs.readdirSync(lockDir).find((entry) => /^owner\.[0-9a-f]{32}\.json$/.test(entry));
    if (!name) return null;
    const owner = JSON.parse(fs.readFileSync(path.join(lockDir, name), 'utf8'));
    return { pid: owner.pid, file: path.join(lockDir, name) };
  } catch {
    return null;
  }
}

/** SIGSTOPs whichever of our processes holds the lock, past the stale time, then SIGCONTs it. */
async function stopper() {
  while (!writersDone && stats.takeovers < TAKEOVERS) {
    // Polled often: a write holds the lock for a few milliseconds, and a short run (the bounded soak
    // of the unit tests: ~4 s) must still catch holders.
    await sleep(5 + random() * 45);
    const owner = lockOwner();
    const entry = owner && running.get(owner.pid);
    if (!entry || entry.stopped) continue;
    try { process.kill(owner.pid, 'SIGSTOP'); } catch { continue; }
    entry.stopped = true;
    if (entry.op) entry.op.stopped = true;
    stats.stops += 1;
    // Long enough for the lock to go stale and for a waiting writer to take it over.
    const until = Date.now() + STALE_MS + 4_000;
    while (Date.now() < until && fs.existsSync(owner.file)) await sleep(100);
    if (!fs.existsSync(owner.file)) stats.takeovers += 1;
    await sleep(300);
    try { process.kill(owner.pid, 'SIGCONT'); } catch { /* it was killed */ }
    entry.stopped = false;
  }
}

/** Plants ownerless and future-dated lock directories whenever the lock is free. */
async function oddLocks() {
  let planted = 0;
  let next = Date.now() + 1_000;
  while (!writersDone && planted < ODD_LOCKS) {
    // Poll often: with many writers the lock is free only for moments.
    await sleep(10 + random() * 40);
    if (Date.now() < next) continue;
    try {
      fs.mkdirSync(lockDir);
    } catch {
      continue;
    }
    next = Date.now() + 3_000 + random() * 3_000;
    if (planted % 2 === 1) {
      const future = (Date.now() + 20_000) / 1000;
      fs.utimesSync(lockDir, future, future);
      stats.futureLocks += 1;
    } else {
      stats.ownerlessLocks += 1;
    }
    planted += 1;
  }
}

function walk(dir, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, found);
    else found.push(full);
  }
  return found;
}

function cliJson(cliArguments) {
  const result = spawnSync(process.execPath, [CLI, ...cliArguments, '--json'], { cwd: workspace, env: childEnv, encoding: 'utf8' });
  try {
    return JSON.parse(result.stdout);
  } catch {
    return { error: result.stderr.trim() };
  }
}

// ---- setup
const ledger = await store.createTrack({ name: 'Soak ledger', type: 'custom', goal: 'Collect every decision' });
const ledgerId = ledger.track_id;
const writerTracks = [];
for (let writer = 0; writer < WRITERS; writer += 1) {
  writerTracks.push((await store.createTrack({ name: `Soak writer ${writer}`, type: 'feature', goal: 'Be contested', ready: true })).track_id);
}
log(`${WRITERS} writers × ${OPS} ops on ${workspace} (stale ${STALE_MS} ms)`);
const started = Date.now();
const progress = setInterval(() => log(`${stats.opsAttempted} ops, ${stats.kills} kills, ${stats.takeovers}/${stats.stops} takeovers/stops, ${stats.ownerlessLocks + stats.futureLocks} odd locks`), 15_000);

// ---- run
const background = [stopper(), oddLocks()];
await Promise.all(Array.from({ length: WRITERS }, (_, writer) => runWriter(writer, writerTracks)));
writersDone = true;
await Promise.all(background);
clearInterval(progress);
const seconds = (Date.now() - started) / 1000;

// ---- verify
let torn = 0;
const tornFiles = [];
const leftoverTemps = [];
for (const file of walk(store.paths.conductorDir)) {
  const name = path.basename(file);
  if (name.endsWith('.tmp')) { leftoverTemps.push(file); continue; }
  if (!name.endsWith('.json')) continue;
  try { JSON.parse(fs.readFileSync(file, 'utf8')); } catch { torn += 1; tornFiles.push(path.relative(store.paths.conductorDir, file)); }
}
const doctorBefore = cliJson(['doctor']);
const doctorAfterRepair = cliJson(['doctor', '--repair']);

const decisionTexts = new Map();
for (const decision of JSON.parse(fs.readFileSync(path.join(tracksDir, ledgerId, 'context', 'decisions.json'), 'utf8')).decisions) {
  decisionTexts.set(decision.text, (decisionTexts.get(decision.text) ?? 0) + 1);
}
const snapshotIds = new Map();
for (const trackId of writerTracks) {
  const dir = path.join(tracksDir, trackId, 'checkpoints');
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.endsWith('.json')) continue;
    const id = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')).snapshot_id;
    snapshotIds.set(id, (snapshotIds.get(id) ?? 0) + 1);
  }
}
let lost = 0;
let phantom = 0;
const lostOps = [];
const compromised = (op) => op.outcome && !op.outcome.ok && op.outcome.code === 'E_LOCK_COMPROMISED';
for (const op of ops) {
  const texts = op.kind === 'decision' ? [op.text] : op.kind === 'burst' ? op.texts : [];
  texts.forEach((text, i) => {
    // A burst's two decisions each have their own outcome.
    const part = op.outcome.parts?.[i] ?? op.outcome;
    if (part.ok && !decisionTexts.has(text)) { lost += 1; lostOps.push(`${op.id}${texts.length > 1 ? `#${i}` : ''} (${op.face} ${op.kind}${op.stopped ? ', was stopped' : ''})`); }
    if (!part.ok && part.code === 'E_LOCK_COMPROMISED' && decisionTexts.has(text)) phantom += 1;
  });
  if (op.kind === 'checkpoint' && op.outcome.ok && !snapshotIds.has(op.outcome.snapshotId)) { lost += 1; lostOps.push(`${op.id} (${op.face} checkpoint)`); }
}
for (let writer = 0; writer < WRITERS; writer += 1) {
  const acknowledged = ops.filter((op) => op.writer === writer && op.kind === 'update' && op.outcome.ok).map((op) => op.k);
  const notes = JSON.parse(fs.readFileSync(path.join(tracksDir, writerTracks[writer], 'track.json'), 'utf8')).metadata?.notes;
  const finalK = notes ? Number(/op(\d+)$/.exec(notes)?.[1]) : -1;
  if (acknowledged.length > 0 && finalK < Math.max(...acknowledged)) { lost += 1; lostOps.push(`w${writer} update op${Math.max(...acknowledged)} (store has ${notes})`); }
  const finalOp = ops.find((op) => op.id === notes);
  if (finalOp && compromised(finalOp)) phantom += 1;
}
const doubled = [...decisionTexts.values()].filter((count) => count > 1).length + [...snapshotIds.values()].filter((count) => count > 1).length;

// Two active at once: the intervals each track spent active (from every status history) never overlap.
const intervals = [];
let activeNow = 0;
for (const name of fs.readdirSync(tracksDir)) {
  const file = path.join(tracksDir, name, 'track.json');
  if (!fs.existsSync(file)) continue;
  const track = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (track.status === 'active') activeNow += 1;
  let since = null;
  for (const change of track.status_history) {
    if (change.to === 'active') since = Date.parse(change.at);
    else if (change.from === 'active' && since !== null) { intervals.push([since, Date.parse(change.at)]); since = null; }
  }
  if (since !== null) intervals.push([since, Number.MAX_SAFE_INTEGER]);
}
intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
let twoActive = activeNow > 1 ? 1 : 0;
for (let i = 1; i < intervals.length; i += 1) if (intervals[i][0] < intervals[i - 1][1]) twoActive += 1;

const summary = {
  seconds: Math.round(seconds),
  writers: WRITERS,
  ops_per_writer: OPS,
  faces: 'even writers: CLI (a process per op); odd writers: library (a long-lived process each)',
  stale_ms: STALE_MS,
  ops_attempted: stats.opsAttempted,
  ops_committed: stats.acknowledged,
  ops_lost: lost,
  lost_ops: lostOps.slice(0, 20),
  torn_files: torn,
  torn_file_names: tornFiles.slice(0, 10),
  doubled_commits: doubled,
  two_active_events: twoActive,
  compromised_ops_that_committed: phantom,
  live_writers_compromised: stats.liveCompromised,
  live_writers_compromised_ops: stats.liveCompromisedOps.slice(0, 10),
  unexpected_errors: stats.unexpected.length,
  unexpected: stats.unexpected.slice(0, 10),
  sigkills: stats.kills,
  sigstops: stats.stops,
  takeovers_of_stopped_holders: stats.takeovers,
  ownerless_locks_planted: stats.ownerlessLocks,
  future_dated_locks_planted: stats.futureLocks,
  outcomes: stats.outcomes,
  leftover_temp_files: leftoverTemps.length,
  doctor: { healthy: doctorBefore.healthy, problems: (doctorBefore.problems ?? []).map((p) => p.code) },
  doctor_after_repair: { healthy: doctorAfterRepair.healthy, problems: (doctorAfterRepair.problems ?? []).map((p) => p.code) },
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const line = (label, value) => process.stdout.write(`${label.padEnd(34)} ${typeof value === 'object' ? JSON.stringify(value) : value}\n`);
  for (const [key, value] of Object.entries(summary)) line(key.replaceAll('_', ' '), value);
}
if (!args.keep) fs.rmSync(workspace, { recursive: true, force: true });
const failed = lost + torn + doubled + twoActive + phantom + stats.unexpected.length > 0 || doctorAfterRepair.healthy !== true;
process.exit(failed ? 1 : 0);
