import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { QUEUE_FOLDER } from '../../src/core/storage/group-commit';
import type { Checkpoint, Track } from '../../src/core/model/schemas';
import type { SwitchResult } from '../../src/core/lifecycle';
import type { GroupWorkerLine, GroupWorkerOp } from '../helpers/group-worker';
import { Workspace } from '../helpers/workspace';

const helper = (name: string) => path.join(__dirname, '..', 'helpers', name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** Waits (without a time limit of its own: mocha's applies) until the condition holds. */
async function until(condition: () => boolean, what: string, started?: Started[]): Promise<void> {
  while (!condition()) {
    for (const one of started ?? []) {
      if (one.child.exitCode !== null && one.child.exitCode !== 0) throw new Error(`a process exited ${one.child.exitCode} while waiting for ${what}`);
    }
    await sleep(10);
  }
}

function lines(worker: Started): GroupWorkerLine[] {
  return worker.output().trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as GroupWorkerLine);
}

describe('group commit: a lock holder commits the queued writes of other processes (issue 10)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let queue: string;
  const workers: Started[] = [];
  beforeEach(() => {
    ws = new Workspace();
    queue = path.join(ws.tracksDir, QUEUE_FOLDER);
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exit;
      }
    }
    ws.cleanup();
  });

  const queued = (kind: 'request' | 'claimed' | 'results') => (existsSync(queue) ? readdirSync(queue).filter((name) => name.endsWith(`.${kind}.json`)).length : 0);
  /**
   * Requests written whole: a requester creates its file, then writes it, and a holder that lists the
   * queue in between leaves that request to its next round — so a test that wants one group waits for these.
   */
  const requestsWritten = () => (existsSync(queue) ? readdirSync(queue) : []).filter((name) => {
    if (!name.endsWith('.request.json')) return false;
    try {
      JSON.parse(readFileSync(path.join(queue, name), 'utf8'));
      return true;
    } catch {
      return false;
    }
  }).length;
  /** The results committed in the queue's group results files, one entry per request. */
  const resultEntries = () => (existsSync(queue) ? readdirSync(queue) : [])
    .filter((name) => name.endsWith('.results.json'))
    .flatMap((name) => (JSON.parse(readFileSync(path.join(queue, name), 'utf8')) as { results: Array<{ token: string }> }).results);
  const tracks = () => readdirSync(ws.tracksDir)
    .filter((name) => name.startsWith('track-') && existsSync(ws.trackFile(name)))
    .map((name) => ws.readJson(ws.trackFile(name)));
  const checkpoints = () => tracks().flatMap((track) => {
    const dir = path.join(ws.tracksDir, track.track_id, 'checkpoints');
    return existsSync(dir) ? readdirSync(dir).map((name) => (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Checkpoint).snapshot_id) : [];
  });
  const worker = (ops: GroupWorkerOp[], wait = false, env: NodeJS.ProcessEnv = {}) => {
    const started = start([helper('group-worker.js'), ws.dir, JSON.stringify(ops), ...(wait ? ['wait'] : [])], env);
    workers.push(started);
    return started;
  };
  /** A holder of the lock that runs the queue: stages its own change, then waits for a line. */
  const holder = async (trackId: string, mode: 'block' | 'after-commit', env: NodeJS.ProcessEnv = {}) => {
    const started = start([helper('group-holder.js'), ws.dir, trackId, mode], env);
    workers.push(started);
    await until(() => started.output().includes('staged'), 'the holder to stage its change', [started]);
    return started;
  };
  const namesOf = (list: Track[]) => list.map((track) => track.name);

  it('many processes × many operations: each committed exactly once, each result to its caller, a failing one in a group leaves no trace', async () => {
    const shared = [ws.create('Shared Alpha'), ws.create('Shared Beta'), ws.create('Shared Gamma')].map((track) => track.track_id);
    const before = tracks().length;
    // Rotated per worker: the first operations of the five, queued together, hold one of each kind.
    const opsOf = (w: number): GroupWorkerOp[] => {
      const ops: GroupWorkerOp[] = [
        ['switch', shared[w % 3]],
        ['create', `Worker ${w} first`],
        ['update', shared[(w + 1) % 3], `described by worker ${w}`],
        ['group', 'test-poison', shared[(w + 2) % 3]],
        ['switch', 'track-does-not-exist'],
        ['switch', shared[(w + 1) % 3]],
        ['create', `Worker ${w} second`],
        ['switch', shared[(w + 2) % 3]],
      ];
      return [...ops.slice(w), ...ops.slice(0, w)];
    };
    // A holder keeps the lock until every worker has queued its first operation, then runs them
    // all in its own commit (a poisoned one among them); later ones group as they meet.
    const blocker = await holder(shared[0], 'block');
    const started = Array.from({ length: 5 }, (_, w) => worker(opsOf(w), true));
    for (const one of started) one.child.stdin!.write('go\n');
    await until(() => requestsWritten() === 5, 'every worker to queue its first operation', started);
    blocker.child.stdin!.write('go\n');
    await blocker.exit;
    assert.equal(await Promise.all(started.map((one) => one.exit)).then((codes) => codes.every((code) => code === 0)), true);

    const all = started.map((one, w) => ({ w, results: lines(one) }));
    const checkpointIds: string[] = [];
    for (const { w, results } of all) {
      const ops = opsOf(w);
      assert.equal(results.length, ops.length, `worker ${w} reported every operation`);
      for (const result of results) {
        const op = ops[result.i];
        if (op[0] === 'group') {
          assert.deepEqual(result.ok ? null : [result.code, result.message], ['E_INVALID_INPUT', 'poisoned on purpose']);
        } else if (op[1] === 'track-does-not-exist') {
          assert.equal(result.ok ? null : result.code, 'E_TRACK_NOT_FOUND');
        } else {
          assert.ok(result.ok, `worker ${w} op ${result.i} failed: ${JSON.stringify(result)}`);
          if (op[0] === 'switch') {
            const value = result.value as SwitchResult;
            assert.equal(value.activated, op[1], 'the switch result belongs to the caller who asked for it');
            if (value.checkpoint) checkpointIds.push(value.checkpoint);
          } else if (op[0] === 'create') {
            assert.equal((result.value as Track).name, op[1]);
          } else {
            assert.equal((result.value as Track).description, op[2]);
          }
        }
      }
    }
    // Exactly once: every track created once, every checkpoint on disk reported to exactly one caller.
    const after = tracks();
    assert.equal(after.length, before + 10);
    for (const { w, results } of all) {
      for (const name of [`Worker ${w} first`, `Worker ${w} second`]) {
        const created = after.filter((track) => track.name === name);
        assert.equal(created.length, 1, `${name} exists once`);
        const reported = results.find((result) => result.ok && (result.value as Track).name === name);
        assert.equal(reported?.ok && (reported.value as Track).track_id, created[0].track_id);
      }
    }
    assert.deepEqual(checkpoints().sort(), checkpointIds.sort());
    // The poisoned operation left nothing: not its track change, not its file.
    assert.ok(after.every((track) => track.description !== 'POISON'));
    for (const id of shared) assert.equal(existsSync(path.join(ws.tracksDir, id, 'poison.json')), false);
    assert.equal(after.filter((track) => track.status === 'active').length, 1);
    // The requesters removed their requests and results.
    assert.deepEqual(existsSync(queue) ? readdirSync(queue) : [], []);
    assert.equal(ws.ok(['doctor', '--json']).healthy, true);
  });

  for (const moment of ['before', 'after'] as const) {
    it(`a holder SIGKILLed in the middle of a group (${moment} its commit point): every requester still gets its operation exactly once`, async () => {
      const own = ws.create('Holder Track').track_id;
      const target = ws.create('Switch Target').track_id;
      const first = await holder(own, moment === 'before' ? 'block' : 'after-commit', moment === 'before' ? { GROUP_TEST_BLOCK: '1' } : {});
      const ops: GroupWorkerOp[][] = [
        [['create', 'Queued One']],
        [['switch', target]],
        [['group', 'test-block', 'Queued Blocker']],
        [['group', 'test-poison', target]],
        [['create', 'Queued Two']],
      ];
      const started: Started[] = [];
      for (const list of ops) {
        started.push(worker(list));
        await until(() => requestsWritten() === started.length, 'the request to be queued', started);
      }
      first.child.stdin!.write('go\n');
      await until(() => first.output().includes(moment === 'before' ? 'blocked' : 'committed'), 'the holder to reach the moment', [first]);
      assert.equal(queued('claimed'), 5);
      // The requesters are held still: the next holder is a newcomer, which finds the group's
      // files as the killed holder left them (claimed, and after the commit point their results).
      for (const one of started) one.child.kill('SIGSTOP');
      first.child.kill('SIGKILL');
      await first.exit;
      const late = worker([['update', own, 'late writer']]);
      assert.equal(await late.exit, 0);
      assert.equal(lines(late)[0].ok, true);
      // The group's five results in one file.
      assert.equal(queued('results'), 1);
      assert.equal(resultEntries().length, 5);
      for (const one of started) one.child.kill('SIGCONT');
      for (const one of started) assert.equal(await one.exit, 0);

      const results = started.map((one) => lines(one)[0]);
      assert.deepEqual(results.map((result) => result.ok), [true, true, true, false, true]);
      assert.equal(!results[3].ok && results[3].code, 'E_INVALID_INPUT');
      const names = namesOf(tracks());
      for (const name of ['Queued One', 'Queued Blocker', 'Queued Two']) assert.equal(names.filter((n) => n === name).length, 1, `${name} exists once`);
      const switched = results[1].ok ? (results[1].value as SwitchResult) : null;
      assert.equal(switched?.activated, target);
      assert.equal(ws.readJson(ws.trackFile(target)).status, 'active');
      // The killed holder's own change counts only if it was committed.
      assert.equal(ws.readJson(ws.trackFile(own)).metadata?.notes, moment === 'after' ? 'holder' : undefined);
      assert.ok(tracks().every((track) => track.description !== 'POISON'));
      assert.deepEqual(existsSync(queue) ? readdirSync(queue) : [], []);
      assert.equal(ws.ok(['doctor', '--json']).healthy, true);
    });
  }

  it('a holder SIGSTOPped in the middle of a group past the stale time: its group is committed once by the next holder, never again by it', async () => {
    const stale = { TRACK_MANAGER_LOCK_STALE_MS: '2000' };
    const own = ws.create('Stopped Holder Track').track_id;
    const target = ws.create('Switch Target').track_id;
    const first = await holder(own, 'block', { ...stale, GROUP_TEST_BLOCK: '1' });
    const ops: GroupWorkerOp[][] = [
      [['create', 'Queued One']],
      [['group', 'test-block', 'Queued Blocker']],
      [['switch', target]],
    ];
    const started: Started[] = [];
    for (const list of ops) {
      started.push(worker(list, false, stale));
      await until(() => requestsWritten() === started.length, 'the request to be queued', started);
    }
    first.child.stdin!.write('go\n');
    await until(() => first.output().includes('blocked'), 'the holder to stop inside its group', [first]);
    first.child.kill('SIGSTOP');
    // The requesters find the lock stale, take it over and run the claimed group themselves.
    for (const one of started) assert.equal(await one.exit, 0);
    assert.deepEqual(started.map((one) => lines(one)[0].ok), [true, true, true]);
    first.child.kill('SIGCONT');
    first.child.stdin!.write('go\n');
    await first.exit;
    const last = JSON.parse(first.output().trim().split('\n').pop()!) as { code?: string };
    assert.equal(last.code, 'E_LOCK_COMPROMISED');
    const names = namesOf(tracks());
    for (const name of ['Queued One', 'Queued Blocker']) assert.equal(names.filter((n) => n === name).length, 1, `${name} exists once`);
    assert.equal(ws.readJson(ws.trackFile(own)).metadata?.notes, undefined);
    assert.equal(ws.readJson(ws.trackFile(target)).status, 'active');
    assert.equal(checkpoints().length, 0);
    assert.deepEqual(existsSync(queue) ? readdirSync(queue) : [], []);
  });

  it('a holder serves the next writes of the writers it answered before letting the lock go; killed then, each write still happens once', async () => {
    const own = ws.create('Serving Holder Track').track_id;
    const first = await holder(own, 'block', { GROUP_TEST_BLOCK: '1' });
    // Its second write is queued only once the first has its result, from the holder's first commit.
    const requester = worker([['create', 'Round One'], ['group', 'test-block', 'Round Two']]);
    await until(() => requestsWritten() === 1, 'the first write to be queued', [requester]);
    first.child.stdin!.write('go\n');
    // The holder runs the second write too, in a later round under the same lock: it stops there.
    await until(() => {
      if (first.child.exitCode !== null) throw new Error('the holder let the lock go without serving the second write');
      return first.output().includes('blocked');
    }, 'the holder to run the second write', [first, requester]);
    assert.equal(lines(requester)[0]?.ok, true);
    first.child.kill('SIGKILL');
    await first.exit;
    // The requester takes the lock of the dead holder over and runs its claimed, uncommitted write itself.
    assert.equal(await requester.exit, 0);
    assert.deepEqual(lines(requester).map((line) => line.ok), [true, true]);
    const names = namesOf(tracks());
    for (const name of ['Round One', 'Round Two']) assert.equal(names.filter((n) => n === name).length, 1, `${name} exists once`);
    // The holder's own write and its first round were committed before it was killed.
    assert.equal(ws.readJson(ws.trackFile(own)).metadata?.notes, 'holder');
    assert.deepEqual(existsSync(queue) ? readdirSync(queue) : [], []);
    assert.equal(ws.ok(['doctor', '--json']).healthy, true);
  });

  it('the queued writes of a process that is gone are never run; the next holder or doctor --repair removes them', () => {
    const id = ws.create('Survivor').track_id;
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const leave = (token: string, kind: string, content: object) => {
      mkdirSync(queue, { recursive: true });
      writeFileSync(path.join(queue, `${token}.${kind}.json`), JSON.stringify({ token, pid: gone, host: hostname(), ...content }));
    };
    const request = { operation: 'create', args: [{ name: 'Ghost Track', type: 'feature', goal: 'never' }], queued_at: 1 };
    leave('a'.repeat(32), 'request', request);
    // A group's results, one of them for a dead requester whose claimed file is still there.
    writeFileSync(path.join(queue, `${'b'.repeat(32)}.results.json`), JSON.stringify({
      group: 'b'.repeat(32),
      results: [{ token: 'e'.repeat(32), pid: gone, host: hostname(), outcome: { ok: true, value: null } }],
    }));
    leave('e'.repeat(32), 'claimed', request);
    const found = ws.ok(['doctor', '--json']).problems.filter((problem) => problem.code === 'LEFTOVER_REQUEST');
    assert.equal(found.length, 3);
    assert.deepEqual(found.map((problem) => problem.severity), ['warning', 'warning', 'warning']);
    // A write through the library holds the lock and looks at the queue: it runs nothing of the dead.
    const writer = spawnSync(process.execPath, [helper('group-worker.js'), ws.dir, JSON.stringify([['update', id, 'still here']])], { encoding: 'utf8' });
    assert.equal(writer.status, 0, writer.stderr);
    assert.deepEqual(readdirSync(queue), []);
    assert.ok(!namesOf(tracks()).includes('Ghost Track'));
    leave('c'.repeat(32), 'claimed', request);
    const repaired = ws.ok(['doctor', '--repair', '--json']);
    assert.ok(repaired.repaired.some((line) => line.includes('abandoned queued write')));
    assert.deepEqual(readdirSync(queue), []);
    assert.equal(repaired.healthy, true);
  });

  it('a request its requester was killed writing (created, never written) is removed a minute on by the next holder or doctor --repair; a fresh one is left', () => {
    const id = ws.create('Survivor').track_id;
    mkdirSync(queue, { recursive: true });
    const old = path.join(queue, `${'f'.repeat(32)}.request.json`);
    const fresh = path.join(queue, `${'9'.repeat(32)}.request.json`);
    writeFileSync(old, '');
    writeFileSync(fresh, '{"token":');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(old, twoMinutesAgo, twoMinutesAgo);
    const found = ws.ok(['doctor', '--json']).problems.filter((problem) => problem.code === 'LEFTOVER_REQUEST');
    assert.deepEqual(found.map((problem) => path.basename(problem.file)), [path.basename(old)], 'only the one left a minute ago');
    const writer = spawnSync(process.execPath, [helper('group-worker.js'), ws.dir, JSON.stringify([['update', id, 'still here']])], { encoding: 'utf8' });
    assert.equal(writer.status, 0, writer.stderr);
    assert.deepEqual(readdirSync(queue), [path.basename(fresh)], 'the holder removed the old one and left the one that may be being written');
    utimesSync(fresh, twoMinutesAgo, twoMinutesAgo);
    const repaired = ws.ok(['doctor', '--repair', '--json']);
    assert.equal(repaired.healthy, true);
    assert.deepEqual(readdirSync(queue), []);
  });

  it('a queue file that is not a valid request (its arguments not a list) is never run, whoever left it', () => {
    const id = ws.create('Survivor').track_id;
    const token = 'd'.repeat(32);
    mkdirSync(queue, { recursive: true });
    // Its requester (this process) is alive: only the file's shape can keep a holder from running it.
    const file = path.join(queue, `${token}.request.json`);
    writeFileSync(file, JSON.stringify({ token, operation: 'create', args: { name: 'Malformed Track', type: 'feature', goal: 'never' }, pid: process.pid, host: hostname(), queued_at: 1 }));
    const writer = spawnSync(process.execPath, [helper('group-worker.js'), ws.dir, JSON.stringify([['update', id, 'still here']])], { encoding: 'utf8' });
    assert.equal(writer.status, 0, writer.stderr);
    assert.ok(!namesOf(tracks()).includes('Malformed Track'));
    assert.ok(!resultEntries().some((entry) => entry.token === token), 'no result: nothing was run');
    unlinkSync(file);
  });

  it('a queued write the commit would refuse (a link in the way) fails alone; the rest of its group commits', async () => {
    const own = ws.create('Holder Track').track_id;
    const plain = ws.create('Plain Track').track_id;
    const linked = ws.create('Linked Track').track_id;
    // track.json of one track is a link to a file outside the store: writes through it are refused.
    const outside = path.join(ws.dir, 'outside-track.json');
    copyFileSync(ws.trackFile(linked), outside);
    unlinkSync(ws.trackFile(linked));
    symlinkSync(outside, ws.trackFile(linked));
    const first = await holder(own, 'block');
    const started: Started[] = [];
    for (const list of [[['update', plain, 'plain change']], [['update', linked, 'linked change']], [['create', 'Queued After']]] as GroupWorkerOp[][]) {
      started.push(worker(list));
      await until(() => requestsWritten() === started.length, 'the request to be queued', started);
    }
    first.child.stdin!.write('go\n');
    assert.equal(await first.exit, 0);
    assert.deepEqual(JSON.parse(first.output().trim().split('\n').pop()!), { ok: true });
    for (const one of started) assert.equal(await one.exit, 0);
    const [updated, refused, created] = started.map((one) => lines(one)[0]);
    assert.equal(updated.ok, true);
    assert.equal(refused.ok ? null : refused.code, 'E_UNSAFE_PATH');
    assert.equal(created.ok, true);
    assert.equal(ws.readJson(ws.trackFile(plain)).description, 'plain change');
    assert.notEqual((JSON.parse(readFileSync(outside, 'utf8')) as Track).description, 'linked change');
    assert.equal(ws.readJson(ws.trackFile(own)).metadata?.notes, 'holder');
  });

  it('a link where the queue folder should be: nothing is queued through it, writers wait for the lock as before', async () => {
    const other = ws.create('Other Track').track_id;
    const outside = path.join(ws.dir, 'outside-queue');
    mkdirSync(outside);
    symlinkSync(outside, queue);
    const seen: string[] = [];
    const watcher = watch(outside, (_event, name) => seen.push(String(name)));
    try {
      const locker = start([helper('lock-holder.js'), ws.dir]);
      workers.push(locker);
      await until(() => locker.output().includes('locked'), 'the lock to be held', [locker]);
      const waiting = worker([['update', other, 'waited for the lock']]);
      await sleep(1_500); // sequencing only: time for the writer to find the lock busy
      locker.child.stdin!.end();
      assert.equal(await waiting.exit, 0);
      assert.equal(lines(waiting)[0].ok, true);
      assert.equal(ws.readJson(ws.trackFile(other)).description, 'waited for the lock');
    } finally {
      watcher.close();
    }
    assert.deepEqual(seen, []);
    assert.deepEqual(readdirSync(outside), []);
  });
});
