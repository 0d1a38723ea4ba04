import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync,
  symlinkSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isTrackError } from '../../src/core/model/errors';
import { TrackStore } from '../../src/core/store';
import { recordLockOwner } from '../helpers/lock-owner';
import { CLI, parseJson, Workspace } from '../helpers/workspace';
import type { CliOutputs } from '../helpers/cli-output';

/** Issue 7, items 3–8 and the smaller findings: each test failed on the code before its fix. */
describe('store hardening (issue 7)', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  const journal = () => path.join(ws.tracksDir, 'track-journal.json');
  const errorOf = (result: { stderr: string }) => parseJson<{ error: { code: string; message: string; details?: Record<string, unknown> } }>(result.stderr)!.error;

  describe('3. a write that cannot complete never blocks the store', () => {
    it('a folder in the way of an artifact refuses that write before its commit point, and leaves no journal', () => {
      const a = ws.create('Blocked Artifact').track_id;
      const b = ws.create('Other Track').track_id;
      mkdirSync(path.join(ws.tracksDir, a, 'context', 'artifacts', 'notes.md'), { recursive: true });
      const failed = ws.cli(['context', 'add-artifact', '--track-id', a, '--name', 'notes.md', '--content', 'hi', '--json']);
      assert.notEqual(failed.code, 0);
      assert.equal(errorOf(failed).code, 'E_IO');
      assert.match(errorOf(failed).message, /notes\.md/);
      assert.equal(existsSync(journal()), false, 'no journal left behind');
      ws.ok(['update', '--track-id', b, '--field', 'priority', '--value', 'P0']);
      ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P1']);
      assert.equal(ws.cli(['doctor']).code, 0);
      assert.deepEqual(readdirSync(path.join(ws.tracksDir, a, 'context', 'artifacts')).filter((n) => n.endsWith('.tmp')), []);
    });

    it('doctor --repair sets aside a journal that cannot be applied (keeping its bytes) and writes work again', () => {
      const a = ws.create('Stuck Journal').track_id;
      const target = path.join(ws.tracksDir, a, 'context', 'artifacts', 'notes.md');
      mkdirSync(target, { recursive: true });
      const temp = path.join(ws.tracksDir, a, 'context', 'artifacts', '.notes.md.999999.1.abcdef01.tmp');
      writeFileSync(temp, 'kept bytes');
      ws.writeJson(journal(), {
        schema_version: 1, created_at: new Date().toISOString(),
        entries: [{ target: path.relative(ws.conductor, target), temp: path.relative(ws.conductor, temp) }],
      });
      const blocked = ws.cli(['update', '--track-id', a, '--field', 'priority', '--value', 'P0', '--json']);
      assert.notEqual(blocked.code, 0);
      assert.match(errorOf(blocked).message, /doctor --repair/);
      const repaired = ws.cli(['doctor', '--repair']);
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      assert.equal(existsSync(journal()), false);
      const kept = readdirSync(ws.tracksDir).filter((name) => name.startsWith('track-journal.json.unapplied-'));
      assert.equal(kept.length, 1, 'the journal bytes are kept aside');
      const keptTemps = readdirSync(path.dirname(target)).filter((name) => name.includes('unapplied'));
      assert.equal(keptTemps.length, 1);
      assert.equal(readFileSync(path.join(path.dirname(target), keptTemps[0]), 'utf8'), 'kept bytes');
      ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P0']);
    });

    it('doctor --repair on a torn journal keeps it aside instead of failing with E_CORRUPT_FILE', () => {
      const a = ws.create('Torn Journal').track_id;
      writeFileSync(journal(), '{"schema_version": 1, "entr');
      const report = ws.cli(['doctor']);
      assert.equal(report.code, 15);
      const repaired = ws.cli(['doctor', '--repair']);
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      assert.equal(existsSync(journal()), false);
      assert.ok(readdirSync(ws.tracksDir).some((name) => name.startsWith('track-journal.json.unapplied-')));
      ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P0']);
    });
  });

  describe('4. no locked section waits on its own lock', () => {
    it('snapshot prune with the registry missing prunes (CLI)', () => {
      const a = ws.create('Prune Me').track_id;
      ws.ok(['checkpoint', 'create', '--track-id', a]);
      ws.ok(['checkpoint', 'create', '--track-id', a]);
      unlinkSync(ws.registryFile);
      const result = ws.cli(['snapshot', 'prune', '--keep-count', '1']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.json?.removed_count, 1, result.stdout);
    });

    it('snapshot prune with the registry missing settles (library)', async () => {
      const a = ws.create('Prune Lib').track_id;
      ws.ok(['checkpoint', 'create', '--track-id', a]);
      ws.ok(['checkpoint', 'create', '--track-id', a]);
      unlinkSync(ws.registryFile);
      const store = new TrackStore({ root: ws.dir, lockTimeoutMs: 2_000 });
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('hung'), 8_000); });
      const outcome = await Promise.race([store.pruneSnapshots({ keepCount: 1 }).then((r) => r.removed_count), hang]);
      clearTimeout(timer);
      assert.equal(outcome, 1);
    });

    it('a read inside a locked section that needs re-indexing answers from the files instead of waiting', async () => {
      const a = ws.create('Read Under Lock').track_id;
      unlinkSync(ws.registryFile);
      const { mutate } = await import('../../src/core/storage/transaction');
      const store = new TrackStore({ root: ws.dir, lockTimeoutMs: 1_000 });
      const listed = await mutate(store.ctx, 'outer', () => store.listTracks());
      assert.deepEqual(listed.tracks.map((t) => t.track_id), [a]);
    });

    it('a read while another process holds the lock and the index is stale answers without waiting for it', () => {
      const a = ws.create('Held Elsewhere').track_id;
      unlinkSync(ws.registryFile);
      // A live holder (this process), recorded inside the lock as a holder does: never taken over.
      mkdirSync(path.join(ws.tracksDir, 'track-registry.lock'));
      recordLockOwner(path.join(ws.tracksDir, 'track-registry.lock'));
      const result = ws.cli(['list'], { env: { TRACK_MANAGER_LOCK_TIMEOUT_MS: '300' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.json[0].track_id, a);
    });

    it('a re-entrant lock attempt is an immediate internal error, not a hang', async () => {
      ws.create('Reentrant');
      const { mutate } = await import('../../src/core/storage/transaction');
      const store = new TrackStore({ root: ws.dir, lockTimeoutMs: 1_000 });
      await assert.rejects(
        mutate(store.ctx, 'outer', () => mutate(store.ctx, 'inner', () => Promise.resolve(1))),
        (error: unknown) => isTrackError(error, 'E_INTERNAL') && /re-entr/i.test((error as Error).message),
      );
    });
  });

  describe('5. symlinks inside the store', () => {
    let outside: string;
    beforeEach(() => { outside = mkdtempSync(path.join(tmpdir(), 'track-outside-')); });
    afterEach(() => rmSync(outside, { recursive: true, force: true }));
    const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

    it('a track folder that is a symlink: update is refused with E_UNSAFE_PATH (exit 18) naming the link', () => {
      const a = ws.create('Linked Track').track_id;
      const real = path.join(outside, 'track');
      cpSync(path.join(ws.tracksDir, a), real, { recursive: true });
      rmSync(path.join(ws.tracksDir, a), { recursive: true });
      symlinkSync(real, path.join(ws.tracksDir, a));
      const before = readFileSync(path.join(real, 'track.json'), 'utf8');
      const result = ws.cli(['update', '--track-id', a, '--field', 'priority', '--value', 'P0', '--json']);
      assert.equal(result.code, 18, result.stderr);
      assert.equal(errorOf(result).code, 'E_UNSAFE_PATH');
      assert.match(errorOf(result).message, new RegExp(a));
      assert.equal(readFileSync(path.join(real, 'track.json'), 'utf8'), before);
      assert.ok(listing(real).every((name) => !name.endsWith('.tmp')));
    });

    it('checkpoints/ or context/artifacts/ as symlinks: checkpoint create, pause and add-artifact write nothing outside', () => {
      const a = ws.create('Linked Parts').track_id;
      ws.ok(['activate', '--track-id', a]);
      for (const sub of ['checkpoints', path.join('context', 'artifacts')]) {
        const target = path.join(outside, sub.replace('/', '-'));
        mkdirSync(target);
        rmSync(path.join(ws.tracksDir, a, sub), { recursive: true, force: true });
        symlinkSync(target, path.join(ws.tracksDir, a, sub));
      }
      for (const args of [
        ['checkpoint', 'create', '--track-id', a],
        ['pause', '--track-id', a, '--reason', 'x'],
        ['context', 'add-artifact', '--track-id', a, '--name', 'n.md', '--content', 'hi'],
      ]) {
        const result = ws.cli([...args, '--json']);
        assert.equal(result.code, 18, `${args.join(' ')}: ${result.stderr}`);
        assert.match(errorOf(result).message, /symlink|symbolic link/i);
      }
      assert.deepEqual(listing(outside), ['checkpoints', 'context-artifacts']);
      const report = ws.cli(['doctor']);
      assert.equal(report.code, 15);
      const unsafe = report.json.problems.filter((p) => p.code === 'UNSAFE_PATH');
      assert.equal(unsafe.length, 2, report.stdout);
    });

    it('a tracks/ folder that is a symlink: writes are refused before the lock is taken there, doctor --repair writes nothing', () => {
      const a = ws.create('Linked Tracks').track_id;
      const real = path.join(outside, 'tracks');
      renameSync(ws.tracksDir, real);
      symlinkSync(real, ws.tracksDir);
      const before = listing(real);
      const result = ws.cli(['update', '--track-id', a, '--field', 'priority', '--value', 'P0', '--json']);
      assert.equal(result.code, 18, result.stderr);
      assert.equal(ws.cli(['doctor', '--repair']).code, 15);
      assert.deepEqual(listing(real), before);
    });

    it('a checkpoint that is a symlink to /etc/passwd: its bytes are never quoted', () => {
      const a = ws.create('Passwd Link').track_id;
      ws.ok(['checkpoint', 'create', '--track-id', a]);
      const file = path.join(ws.tracksDir, a, 'checkpoints', 'checkpoint-002.json');
      symlinkSync('/etc/passwd', file);
      const head = readFileSync('/etc/passwd', 'utf8').slice(0, 6);
      for (const args of [['checkpoint', 'list', '--track-id', a], ['show', '--track-id', a], ['doctor']]) {
        const result = ws.cli(args);
        assert.ok(!result.stderr.includes(head) && !result.stdout.includes(head), `${args.join(' ')} quoted it: ${result.stderr}${result.stdout}`);
      }
    });
  });

  describe('6. a track file changed outside the tool', () => {
    it('list shows the edited status, and a second track cannot become active', () => {
      const a = ws.create('First Active').track_id;
      const b = ws.create('Edited Outside').track_id;
      const c = ws.create('Third Track').track_id;
      ws.ok(['activate', '--track-id', a]);
      const file = ws.trackFile(b);
      writeFileSync(file, readFileSync(file, 'utf8').replace('"status": "draft"', '"status": "active"'));
      const listed = ws.ok(['list']);
      assert.equal(listed.find((t) => t.track_id === b)?.status, 'active');
      ws.ok(['pause', '--track-id', a, '--reason', 'break']);
      const activated = ws.cli(['activate', '--track-id', c, '--json']);
      assert.equal(activated.code, 5, activated.stderr);
      assert.equal(errorOf(activated).details?.active_track, b);
      assert.equal(ws.ok(['get-active'])?.track_id, b);
    });

    it('an in-place edit that keeps the size (paused → active) is noticed too', () => {
      const a = ws.create('Paused One').track_id;
      const c = ws.create('Other One').track_id;
      ws.ok(['activate', '--track-id', a]);
      ws.ok(['pause', '--track-id', a, '--reason', 'x']);
      const file = ws.trackFile(a);
      const text = readFileSync(file, 'utf8');
      const edited = text.replace(/"status": "paused"/, '"status": "active"');
      assert.equal(edited.length, text.length + 0);
      writeFileSync(file, edited);
      assert.equal(ws.ok(['get-active'])?.track_id, a);
      assert.equal(ws.cli(['activate', '--track-id', c]).code, 5);
    });
  });

  describe('7. a read-only checkout without a registry', () => {
    it('list, get-active and stats work for a user who cannot write', function () {
      if (process.getuid?.() !== 0) this.skip();
      const a = ws.create('Read Only').track_id;
      ws.ok(['activate', '--track-id', a]);
      unlinkSync(ws.registryFile);
      chmodSync(ws.dir, 0o755);
      for (const args of [['list'], ['get-active'], ['stats']]) {
        const result = spawnSync(process.execPath, [CLI, ...args, '--json'], {
          cwd: ws.dir, env: { ...process.env, TRACK_MANAGER_ROOT: '' }, encoding: 'utf8', uid: 65534, gid: 65534,
        });
        assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
        if (args[0] === 'list') assert.equal(parseJson<CliOutputs['list']>(result.stdout)?.[0]?.track_id, a);
        if (args[0] === 'get-active') assert.equal(parseJson<CliOutputs['get-active']>(result.stdout)?.track_id, a);
        if (args[0] === 'stats') assert.equal(parseJson<CliOutputs['stats']>(result.stdout)?.active_count, 1);
      }
      assert.equal(existsSync(ws.registryFile), false);
    });
  });

  describe('8. deep or huge JSON input', () => {
    it('run step --state with 5 000 nested arrays is E_INVALID_INPUT, and --help states the limits', () => {
      const a = ws.create('Deep State').track_id;
      ws.ok(['activate', '--track-id', a]);
      const run = ws.ok(['run', 'start', '--track-id', a, '--workflow', 'w']);
      const deep = `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const result = ws.cli(['run', 'step', '--run-id', run.run_id, '--step', '1', '--state', deep, '--json']);
      assert.equal(result.code, 3, result.stderr.slice(0, 300));
      assert.equal(errorOf(result).code, 'E_INVALID_INPUT');
      const help = ws.cli(['run', 'step', '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /deep/);
    });

    it('the library refuses deep state too', async () => {
      const a = ws.create('Deep Lib').track_id;
      ws.ok(['activate', '--track-id', a]);
      let deep: unknown = 1;
      for (let i = 0; i < 5000; i += 1) deep = [deep];
      const store = new TrackStore({ root: ws.dir });
      await assert.rejects(store.startRun(a, { workflow: 'w', state: { deep } }), { code: 'E_INVALID_INPUT' });
      await assert.rejects(store.startRun(a, { workflow: 'w', state: { big: 'y'.repeat(1100 * 1024) } }), { code: 'E_INVALID_INPUT' });
      const run = await store.startRun(a, { workflow: 'w', state: { fine: [[[1]]] } });
      assert.deepEqual(run.state, { fine: [[[1]]] });
    });
  });

  describe('smaller findings', () => {
    it('the library throws only TrackErrors (a track.json that is a folder)', async () => {
      const a = ws.create('Folder Track').track_id;
      rmSync(ws.trackFile(a));
      mkdirSync(ws.trackFile(a));
      const store = new TrackStore({ root: ws.dir });
      await assert.rejects(store.getTrack(a), (error: unknown) => isTrackError(error));
      await assert.rejects(store.getTrackDetails(a), (error: unknown) => isTrackError(error));
      await assert.rejects(store.markReady(a), (error: unknown) => isTrackError(error));
    });

    it('doctor reports one unreadable track.json and goes on', () => {
      const a = ws.create('Unreadable Track').track_id;
      ws.create('Readable Track');
      rmSync(ws.trackFile(a));
      mkdirSync(ws.trackFile(a));
      const report = ws.cli(['doctor']);
      assert.equal(report.code, 15, report.stderr);
      assert.equal(report.json.tracks_checked, 2);
      assert.ok(report.json.problems.some((p) => p.file.includes(a)), report.stdout);
      const listed = ws.cli(['list']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, new RegExp(a));
    });

    it('progress "", " " and 0x10 are refused', () => {
      const a = ws.create('Progress Values').track_id;
      for (const value of ['', ' ', '0x10', '1e1', 'Infinity']) {
        const result = ws.cli(['update', '--track-id', a, '--field', 'progress', '--value', value]);
        assert.equal(result.code, 3, `${JSON.stringify(value)} → ${result.code} ${result.stdout}`);
      }
      assert.equal(ws.ok(['update', '--track-id', a, '--field', 'progress', '--value', '42.5']).progress_percentage, 42.5);
    });

    it('a repeated flag is E_USAGE; repeatable ones still repeat', () => {
      const a = ws.create('Repeated Flags').track_id;
      const result = ws.cli(['update', '--track-id', a, '--field', 'name', '--field', 'priority', '--value', 'P0']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--field/);
      const created = ws.create('Tagged Track', ['--tag', 'one', '--tag', 'two']);
      assert.deepEqual(created.metadata?.tags, ['one', 'two']);
    });

    it('--value -1 is read as a value, and refused as out of range', () => {
      const a = ws.create('Negative Value').track_id;
      const result = ws.cli(['update', '--track-id', a, '--field', 'progress', '--value', '-1', '--json']);
      assert.equal(result.code, 3, result.stderr);
      assert.equal(errorOf(result).code, 'E_INVALID_INPUT');
      const text = ws.ok(['update', '--track-id', a, '--field', 'notes', '--value', '-a note starting with a dash']);
      assert.equal(text.metadata?.notes, '-a note starting with a dash');
    });

    it('a write on a missing store creates nothing; only create starts a store', () => {
      const missing = path.join(ws.dir, 'no', 'such', 'place');
      const result = ws.cli(['update', '--root', missing, '--track-id', 'track-x-1', '--field', 'priority', '--value', 'P0', '--json']);
      assert.notEqual(result.code, 0);
      assert.match(errorOf(result).message, /track create/);
      assert.ok(errorOf(result).message.includes(path.join(missing, '.claude', 'conductor')), errorOf(result).message);
      assert.equal(existsSync(missing), false);
      const bare = path.join(ws.dir, 'bare');
      mkdirSync(bare);
      for (const args of [['snapshot', 'prune', '--keep-count', '1'], ['doctor', '--repair']]) {
        const r = ws.cli([...args, '--root', bare]);
        assert.notEqual(r.code, 0, `${args.join(' ')}: ${r.stdout}`);
        assert.equal(existsSync(path.join(bare, '.claude')), false, args.join(' '));
      }
      assert.equal(ws.cli(['create', '--root', missing, '--name', 'Nowhere', '--type', 'feature', '--goal', 'g']).code, 3);
      assert.equal(existsSync(missing), false);
      assert.equal(ws.cli(['create', '--root', bare, '--name', 'Somewhere', '--type', 'feature', '--goal', 'g']).code, 0);
    });

    it('a checkpoint taken while a run.json is corrupt says which run it left out', () => {
      const a = ws.create('Corrupt Run').track_id;
      ws.ok(['activate', '--track-id', a]);
      const run = ws.ok(['run', 'start', '--track-id', a, '--workflow', 'w']);
      writeFileSync(path.join(ws.tracksDir, a, 'workflows', run.run_id, 'run.json'), '{"torn');
      const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', a]);
      assert.equal(checkpoint.skipped_runs?.length, 1, JSON.stringify(checkpoint));
      assert.equal(checkpoint.skipped_runs[0].run_id, run.run_id);
      const paused = ws.ok(['pause', '--track-id', a, '--reason', 'x']);
      assert.equal(paused.skipped_runs?.[0]?.run_id, run.run_id);
    });
  });
});
