import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createContext } from '../../src/core/storage/context';
import { TrackStore } from '../../src/core/store';
import { commitFiles, rollForwardJournal } from '../../src/core/storage/journal';
import { withStoreLock } from '../../src/core/storage/lock';
import { CLI, cliError, runNode, Workspace } from '../helpers/workspace';
import type { ContextEntry } from '../../src/core/model/schemas';
import type { WorkerReport } from '../helpers/concurrency-worker';
import type { DoctorReport } from '../../src/core/doctor';

const helper = (name: string) => path.join(__dirname, '..', 'helpers', name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a child and resolves once it printed `line` on stdout. */
function startUntil(args: string[], line: string): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes(line)) resolve({ child, output: () => output });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code} before printing ${line}: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** What the paused writer reported after it was let go. */
async function letGo(writer: { child: ChildProcess; output: () => string }): Promise<{ ok?: boolean; code?: string }> {
  writer.child.kill('SIGCONT');
  writer.child.stdin!.write('go\n');
  await exited(writer.child);
  const last = writer.output().trim().split('\n').pop()!;
  return JSON.parse(last) as { ok?: boolean; code?: string };
}

function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (/\.tmp$|lock-owner\.json\.|^track-journal\.json$/.test(entry.name)) found.push(path.join(current, entry.name));
      if (entry.isDirectory() && entry.name !== 'track-registry.lock') walk(path.join(current, entry.name));
    }
  };
  walk(dir);
  return found;
}

describe('the store lock under attack: takeovers, pauses, clocks (issue 7)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let id: string;
  let lockDir: string;
  beforeEach(() => {
    ws = new Workspace();
    id = ws.create('Contested Track').track_id;
    lockDir = path.join(ws.tracksDir, 'track-registry.lock');
  });
  afterEach(() => ws.cleanup());

  const notes = () => ws.readJson(ws.trackFile(id)).metadata?.notes;
  const update = (value: string, env: NodeJS.ProcessEnv = {}) =>
    ws.cli(['update', '--track-id', id, '--field', 'notes', '--value', value, '--json'], { env: { TRACK_MANAGER_LOCK_TIMEOUT_MS: '800', ...env } });

  it('a holder SIGSTOPped past the stale time whose lock was taken over does not commit when continued, even if the lock directory was re-created with the same inode', async () => {
    // The victim's own stale time is long, so its refresh timer cannot notice anything: only ownership can.
    const victim = await startUntil([helper('paused-writer.js'), ws.dir, id, '30000', 'victim'], 'staged');
    victim.child.kill('SIGSTOP');
    await sleep(2_300);
    // A writer with a 2 s stale time finds the stopped holder's lock stale, takes it over and commits;
    // while it still holds the lock (on ext4 a directory with the victim's old inode), the victim wakes up.
    const taker = createContext({ root: ws.dir, lockStaleMs: 2_000, lockTimeoutMs: 10_000 });
    let result: { ok?: boolean; code?: string } = {};
    await withStoreLock(taker.paths, { staleMs: 2_000, timeoutMs: 10_000, command: 'taker' }, async (lock) => {
      const track = ws.readJson(ws.trackFile(id));
      await commitFiles(taker.paths, lock, new Map([[ws.trackFile(id), `${JSON.stringify({ ...track, metadata: { ...(track.metadata ?? {}), notes: 'taker' } }, null, 2)}\n`]]));
      result = await letGo(victim);
    });
    assert.equal(result.code, 'E_LOCK_COMPROMISED', JSON.stringify(result));
    assert.equal(notes(), 'taker', 'the taker\'s committed write survives');
    assert.deepEqual(leftovers(ws.conductor), [], 'the victim wrote nothing, not even a temp file');
    assert.equal(update('after').code, 0);
  });

  it('a holder paused longer than the stale time never commits, even when nobody took its lock over', async () => {
    const before = readFileSync(ws.trackFile(id), 'utf8');
    const victim = await startUntil([helper('paused-writer.js'), ws.dir, id, '2000', 'victim'], 'staged');
    victim.child.kill('SIGSTOP');
    await sleep(2_600);
    const result = await letGo(victim);
    assert.equal(result.code, 'E_LOCK_COMPROMISED', JSON.stringify(result));
    assert.equal(readFileSync(ws.trackFile(id), 'utf8'), before);
    assert.deepEqual(leftovers(ws.conductor), []);
    assert.equal(update('after').code, 0, 'the paused holder released its lock');
  });

  it('an ownerless lock 1.7 s old and 8 writers starting at once: exactly one takeover, no live writer loses its lock, every op commits', async function () {
    this.timeout(90_000);
    const store = new TrackStore({ root: ws.dir });
    const shared = await store.createTrack({ name: 'Shared decisions', type: 'custom', goal: 'Collect decisions' });
    let expectedDecisions = 0;
    let createdCount = 0;
    for (let round = 0; round < 4; round += 1) {
      mkdirSync(lockDir);
      // Old enough that its grace ends while all eight are starting up and polling.
      const aged = (Date.now() - 1_000) / 1000;
      utimesSync(lockDir, aged, aged);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => runNode([helper('concurrency-worker.js'), ws.dir, String(round * 10 + i + 1), '3', shared.track_id])),
      );
      for (const result of results) assert.equal(result.code, 0, `a writer failed: ${result.stderr}`);
      const reports = results.map((result) => JSON.parse(result.stdout) as WorkerReport);
      expectedDecisions += reports.reduce((sum, r) => sum + r.decisions, 0);
      createdCount += reports.reduce((sum, r) => sum + r.creates.length, 0);
    }
    const decisions = ws.readJson<{ decisions: ContextEntry[] }>(path.join(ws.tracksDir, shared.track_id, 'context', 'decisions.json')).decisions;
    assert.equal(decisions.length, expectedDecisions, 'no decision lost');
    assert.equal((await store.listTracks()).tracks.length, createdCount + 2, 'no create lost');
    const report = await store.doctor();
    assert.deepEqual(report.problems, []);
  });

  it('a journal is never rolled forward by another while its writer still holds the lock', async () => {
    const ctx = createContext({ root: ws.dir });
    const journalFile = path.join(ws.tracksDir, 'track-journal.json');
    await withStoreLock(ctx.paths, { command: 'journal writer' }, async (lock) => {
      writeFileSync(journalFile, JSON.stringify({ schema_version: 1, created_at: new Date().toISOString(), writer: lock.token, entries: [] }));
      await assert.rejects(rollForwardJournal(ctx.paths), { code: 'E_LOCK_COMPROMISED' });
      assert.ok(existsSync(journalFile), 'left for its writer');
    });
    // Once the writer is gone (killed after its commit point), the next holder finishes it.
    await withStoreLock(ctx.paths, {}, async () => assert.equal(await rollForwardJournal(ctx.paths), true));
    assert.equal(existsSync(journalFile), false);
  });

  it('a journal its writer removes while the next holder rolls it forward (the writer went on late) is no error: the write stands', async () => {
    // What the soak caught (seed 19): a holder paused after its commit point and taken over went on
    // and removed its journal while the next holder was rolling it forward; that holder failed
    // with E_IO "ENOENT … unlink track-journal.json" and its own write was lost to its caller.
    const trackFile = ws.trackFile(id);
    const temp = path.join(path.dirname(trackFile), '.track.json.999999.1.abcdef01.tmp');
    writeFileSync(temp, JSON.stringify({ ...ws.readJson(trackFile), name: 'Rolled Forward' }, null, 2));
    const journalFile = path.join(ws.tracksDir, 'track-journal.json');
    writeFileSync(journalFile, JSON.stringify({
      schema_version: 1, created_at: new Date().toISOString(),
      entries: [{ target: path.relative(ws.conductor, trackFile), temp: path.relative(ws.conductor, temp) }],
    }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to wrap the core's call
    const fsp = require('node:fs/promises') as { unlink: (...args: unknown[]) => Promise<void> };
    const original = fsp.unlink;
    let removedByItsWriter = 0;
    fsp.unlink = async (...args: unknown[]) => {
      if (args[0] === journalFile && removedByItsWriter === 0) {
        removedByItsWriter += 1;
        rmSync(journalFile);
      }
      return original(...args);
    };
    try {
      await new TrackStore({ root: ws.dir }).updateTrack(id, 'notes', 'after the roll forward');
    } finally {
      fsp.unlink = original;
    }
    assert.equal(removedByItsWriter, 1);
    assert.equal(ws.readJson(trackFile).name, 'Rolled Forward', 'the journal was applied');
    assert.equal(notes(), 'after the roll forward', 'and the write that finished it landed');
    assert.equal(existsSync(journalFile), false);
  });

  it('a lock with an owner file, even one that cannot be read, is not ownerless: past the grace it is kept until stale', async () => {
    mkdirSync(lockDir);
    // Owner files appear whole (renamed in); an unreadable one is damage, never a holder half-way.
    writeFileSync(path.join(lockDir, `owner.${'ab'.repeat(16)}.json`), '');
    await sleep(2_300);
    const blocked = update('must wait', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '600' });
    assert.equal(blocked.code, 7, `refused while the lock has an owner being recorded: ${blocked.stderr}`);
    assert.equal(cliError(blocked.stderr).code, 'E_LOCK_TIMEOUT');
    assert.ok(existsSync(path.join(lockDir, `owner.${'ab'.repeat(16)}.json`)), 'the owner file was not removed');
    assert.notEqual(notes(), 'must wait');
    const stale = update('after stale', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '6000', TRACK_MANAGER_LOCK_STALE_MS: '2000' });
    assert.equal(stale.code, 0, stale.stderr);
    assert.equal(notes(), 'after stale');
  });

  it('an ownerless lock dated 20 s in the future: waiters never see a negative age, and it is taken over after the short grace', () => {
    mkdirSync(lockDir);
    const future = (Date.now() + 20_000) / 1000;
    utimesSync(lockDir, future, future);
    const blocked = update('blocked', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '300' });
    if (blocked.code !== 0) {
      const error = cliError<{ refreshed_ms_ago: number }>(blocked.stderr);
      assert.equal(error.code, 'E_LOCK_TIMEOUT');
      assert.doesNotMatch(error.message, /-\d/, error.message);
      assert.match(error.message, /last refreshed \d+\.\d s ago/);
      assert.ok((error.details?.refreshed_ms_ago ?? -1) >= 0);
    }
    assert.equal(update('after future', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '6000' }).code, 0);
    assert.equal(notes(), 'after future');
  });

  it('doctor reports a future-dated ownerless lock as stale (never with a negative age) and --repair clears it', async () => {
    mkdirSync(lockDir);
    const future = (Date.now() + 20_000) / 1000;
    utimesSync(lockDir, future, future);
    await sleep(2_200);
    const report = ws.cli(['doctor']).json;
    const stale = report.problems.find((p) => p.code === 'STALE_LOCK');
    assert.ok(stale, JSON.stringify(report.problems));
    assert.doesNotMatch(stale.message, /-\d/);
    const repaired = ws.cli(['doctor', '--repair']).json;
    assert.equal(repaired.healthy, true, JSON.stringify(repaired));
    assert.equal(update('after repair').code, 0);
  });

  for (const [label, offsetMs] of [['20 s in the future', 20_000], ['60 s in the past', -60_000]] as const) {
    it(`a lock dated ${label} whose holder died (SIGKILL) is taken over at once`, async () => {
      const holder = await startUntil([helper('lock-holder.js'), ws.dir], 'locked');
      holder.child.kill('SIGKILL');
      await exited(holder.child);
      const when = (Date.now() + offsetMs) / 1000;
      utimesSync(lockDir, when, when);
      assert.equal(update(`after ${label}`, { TRACK_MANAGER_LOCK_TIMEOUT_MS: '1500' }).code, 0);
    });

    it(`a lock dated ${label} whose holder is alive is judged by its real age: a live holder that stopped refreshing ${offsetMs > 0 ? 'only just' : 'long ago'}`, async () => {
      const holder = await startUntil([helper('lock-holder.js'), ws.dir], 'locked');
      try {
        const when = (Date.now() + offsetMs) / 1000;
        utimesSync(lockDir, when, when);
        const result = update('contested', { TRACK_MANAGER_LOCK_TIMEOUT_MS: '1000' });
        if (offsetMs > 0) {
          assert.equal(result.code, 7, 'a future date is not a licence to take a live holder\'s lock');
          assert.doesNotMatch(cliError(result.stderr).message, /-\d/);
        } else {
          assert.equal(result.code, 0, 'a lock not refreshed for 60 s is stale even if its holder runs');
        }
      } finally {
        holder.child.stdin!.end();
        await exited(holder.child);
      }
    });
  }

  it('a writer whose new lock is taken over before proper-lockfile first touches it tries again: no E_INTERNAL, the write lands once', async () => {
    // The moment the soak caught (a writer SIGSTOPped right after recording itself in a new lock, then
    // taken over): here the lock is removed as a takeover would, right after this writer established it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to wrap the core's call
    const fsp = require('node:fs/promises') as { readdir: (...args: unknown[]) => Promise<string[]> };
    const original = fsp.readdir;
    let takenOver = 0;
    fsp.readdir = async (...args: unknown[]) => {
      const entries = await original(...args);
      if (takenOver === 0 && args[0] === lockDir && entries.length === 1 && entries[0].startsWith('owner.')) {
        takenOver += 1;
        rmSync(lockDir, { recursive: true, force: true });
      }
      return entries;
    };
    try {
      const store = new TrackStore({ root: ws.dir });
      await store.updateTrack(id, 'notes', 'after a lost acquisition');
    } finally {
      fsp.readdir = original;
    }
    assert.equal(takenOver, 1, 'the lock was taken over once, between its creation and its first use');
    assert.equal(notes(), 'after a lost acquisition');
    assert.equal(existsSync(lockDir), false, 'released');
  });

  it('a full disk leaves no lock-owner temp file and no lock behind', function () {
    const probe = spawnSync('unshare', ['-rm', 'true']);
    if (probe.status !== 0) this.skip();
    const script = [
      'set -e',
      'mount -t tmpfs -o size=512k tmpfs "$W"',
      'cd "$W"',
      `"${process.execPath}" "${CLI}" create --name Full --type feature --goal "Fill the disk" > /dev/null`,
      'dd if=/dev/zero of="$W/fill" bs=4k 2>/dev/null || true',
      `"${process.execPath}" "${CLI}" create --name Second --type feature --goal "No room" --json > /dev/null 2>/dev/null && echo WROTE || echo REFUSED`,
      'echo ---',
      'ls -a "$W/.claude/conductor/tracks"',
      'rm "$W/fill"',
      'echo ---',
      `"${process.execPath}" "${CLI}" doctor --json`,
    ].join('\n');
    const scratch = new Workspace('track-full-');
    try {
      const result = spawnSync('unshare', ['-rm', 'sh', '-c', script], { env: { ...process.env, W: scratch.dir, TRACK_MANAGER_ROOT: '' }, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const [outcome, listing, doctor] = result.stdout.split('---\n');
      assert.match(outcome, /REFUSED/);
      const names = listing.split('\n').filter(Boolean);
      assert.deepEqual(names.filter((name) => /lock-owner|track-registry\.lock|\.tmp$/.test(name)), [], names.join(' '));
      assert.deepEqual((JSON.parse(doctor) as DoctorReport).problems.filter((p) => p.code === 'LEFTOVER_TEMP' || p.code === 'STALE_LOCK'), []);
    } finally {
      scratch.cleanup();
    }
  });
});
