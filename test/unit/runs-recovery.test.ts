import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../helpers/workspace';
import type { Checkpoint } from '../../src/core/model/schemas';

describe('workflow runs, checkpoints, snapshots and recovery', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let id: string;
  beforeEach(() => {
    ws = new Workspace();
    id = ws.create('Recoverable Track').track_id;
  });
  afterEach(() => ws.cleanup());

  it('runs start only in the active track and validate their steps', () => {
    assert.equal(ws.cli(['run', 'start', '--track-id', id, '--workflow', 'w']).code, 6);
    ws.ok(['activate', '--track-id', id]);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', '.claude/workflows/greenfield-fullstack.yaml', '--total', '5', '--state', '{"a":1}']);
    assert.equal(run.run_id, 'run-001-greenfield-fullstack');
    assert.equal(run.status, 'in_progress');
    assert.equal(run.selected_workflow, '.claude/workflows/greenfield-fullstack.yaml');
    assert.equal(ws.cli(['run', 'step', '--run-id', run.run_id, '--step', '6']).code, 3, 'beyond the total');
    assert.equal(ws.cli(['run', 'step', '--run-id', run.run_id, '--step', 'two']).code, 3);
    assert.equal(ws.cli(['run', 'step', '--run-id', run.run_id, '--step', '1', '--state', '{oops']).code, 3);
    assert.equal(ws.cli(['run', 'step', '--run-id', run.run_id, '--step', '1', '--state', '[1,2]']).code, 3);
    assert.equal(ws.cli(['run', 'step', '--run-id', 'run-404-missing', '--step', '1']).code, 12);
    const step = ws.ok(['run', 'step', '--run-id', run.run_id, '--step', '2', '--total', '6']);
    assert.deepEqual({ current_step: step.current_step, total_steps: step.total_steps }, { current_step: 2, total_steps: 6 });
    assert.ok(existsSync(path.join(ws.tracksDir, id, 'workflows', run.run_id, 'snapshots', `${step.snapshot}.json`)));
    const done = ws.ok(['run', 'complete', '--run-id', run.run_id]);
    assert.equal(done.status, 'completed');
    assert.equal(done.current_step, 6);
    assert.equal(ws.cli(['run', 'step', '--run-id', run.run_id, '--step', '3']).code, 6, 'a finished run takes no steps');
    const second = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'testing']);
    assert.equal(second.run_id, 'run-002-testing');
    ws.ok(['run', 'fail', '--run-id', second.run_id, '--reason', 'flaky']);
    assert.deepEqual(ws.ok(['run', 'list', '--status', 'failed']).map((r) => r.run_id), ['run-002-testing']);
    assert.equal(ws.ok(['run', 'list', '--track-id', id]).length, 2);
  });

  it('resume --checkpoint restores that checkpoint after checkpointing the current state', () => {
    ws.ok(['activate', '--track-id', id]);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '30']);
    ws.ok(['context', 'add-decision', '--track-id', id, '--text', 'Use Postgres']);
    const first = ws.ok(['pause', '--track-id', id, '--reason', 'first']).checkpoint;
    ws.ok(['resume', '--track-id', id]);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '70']);
    ws.ok(['context', 'add-decision', '--track-id', id, '--text', 'Switch to SQLite']);
    ws.ok(['pause', '--track-id', id, '--reason', 'second']);
    assert.equal(ws.cli(['resume', '--track-id', id, '--checkpoint', 'snap-checkpoint-1-abcdef']).code, 13);
    const resumed = ws.ok(['resume', '--track-id', id, '--checkpoint', first]);
    assert.equal(resumed.status, 'active');
    assert.equal(resumed.checkpoint_restored, first);
    assert.equal(resumed.progress_percentage, 30);
    const show = ws.ok(['show', '--track-id', id]);
    assert.deepEqual(show.decisions.map((d) => d.text), ['Use Postgres']);
    const saved = show.checkpoints.find((c) => c.snapshot_id === resumed.checkpoint_saved);
    assert.equal(saved?.type, 'recovery');
    assert.equal(ws.readJson<Checkpoint>(path.join(ws.dir, saved.file)).state.track.progress.percentage, 70, 'the state before the restore is kept');
    const listed = ws.ok(['checkpoint', 'list', '--track-id', id]);
    assert.equal(listed.length, 3);
    assert.ok(listed[0].created_at >= listed[1].created_at && listed[1].created_at >= listed[2].created_at, 'newest first');
  });

  it('checkpoint restore puts a checkpoint back into an active track, keeping it active', () => {
    ws.ok(['activate', '--track-id', id]);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '20']);
    const early = ws.ok(['checkpoint', 'create', '--track-id', id]).snapshot_id;
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '90']);
    const restored = ws.ok(['checkpoint', 'restore', '--track-id', id, '--checkpoint', early]);
    assert.equal(restored.status, 'active');
    assert.equal(restored.progress_percentage, 20);
    assert.equal(restored.checkpoint_restored, early);
    const undo = ws.ok(['checkpoint', 'restore', '--track-id', id, '--checkpoint', restored.checkpoint_saved!]);
    assert.equal(undo.progress_percentage, 90, 'the state before the restore can be restored in turn');
    ws.ok(['complete', '--track-id', id]);
    assert.equal(ws.cli(['checkpoint', 'restore', '--track-id', id, '--checkpoint', early]).code, 6);
  });

  it('checkpoints record the git branch and HEAD of the workspace', function () {
    if (spawnSync('git', ['--version']).status !== 0) this.skip();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.dir, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'feature/oauth');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '--allow-empty', '-m', 'init');
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', id]);
    assert.deepEqual(checkpoint.git, { branch: 'feature/oauth', head: git('rev-parse', 'HEAD') });
    git('pack-refs', '--all');
    assert.deepEqual(ws.ok(['checkpoint', 'create', '--track-id', id]).git, { branch: 'feature/oauth', head: git('rev-parse', 'HEAD') }, 'packed refs too');
  });

  it('snapshot prune keeps the newest N per track and per run, and never a track\'s last checkpoint', () => {
    ws.ok(['activate', '--track-id', id]);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'w']);
    for (let i = 1; i <= 4; i += 1) {
      ws.ok(['checkpoint', 'create', '--track-id', id, '--name', `cp ${i}`]);
      ws.ok(['run', 'step', '--run-id', run.run_id, '--step', String(i)]);
    }
    const other = ws.create('Other Track').track_id;
    ws.ok(['checkpoint', 'create', '--track-id', other]);
    assert.equal(ws.ok(['snapshot', 'list']).length, 9);
    const dry = ws.ok(['snapshot', 'prune', '--keep-count', '2', '--dry-run']);
    assert.equal(dry.removed_count, 4);
    assert.equal(ws.ok(['snapshot', 'list']).length, 9, 'dry run removes nothing');
    const pruned = ws.ok(['snapshot', 'prune', '--keep-count', '2']);
    assert.equal(pruned.removed_count, 4);
    assert.ok(pruned.freed_bytes > 0);
    assert.equal(ws.ok(['snapshot', 'list']).length, 5);
    const zero = ws.ok(['snapshot', 'prune', '--keep-count', '0']);
    assert.equal(zero.removed_count, 2);
    const left = ws.ok(['snapshot', 'list']);
    assert.deepEqual(left.map((s) => `${s.track_id === id ? 'mine' : 'other'}:${s.type}`).sort(), ['mine:auto', 'mine:checkpoint', 'other:checkpoint']);
    assert.equal(ws.ok(['checkpoint', 'list', '--track-id', id])[0].name, 'cp 4', 'the newest one is the one kept');
    assert.equal(ws.ok(['recover', 'resume', '--run-id', run.run_id]).resumed_from_step, 4, 'recovery still works after pruning');
    assert.equal(ws.cli(['snapshot', 'prune', '--keep-count', '-1']).code, 3, 'a negative count is read as a value, and is not a number of snapshots');
    assert.equal(ws.cli(['snapshot', 'prune', '--keep-count', 'lots']).code, 3);
  });

  it('detect uses the stale threshold and the owner process; nothing stale prints a clear line', () => {
    ws.ok(['activate', '--track-id', id]);
    assert.equal(ws.cli(['recover', 'detect']).stdout, 'No interrupted sessions detected (stale after 30 minutes).\n');
    // Backdate the track by 35 minutes (files edited as a crash would leave them), reindex with doctor.
    const file = ws.trackFile(id);
    const past = new Date(Date.now() - 35 * 60_000).toISOString();
    ws.writeJson(file, { ...ws.readJson(file), updated_at: past });
    ws.ok(['doctor', '--repair']);
    const text = ws.cli(['recover', 'detect']).stdout;
    assert.match(text, /^Detected 1 interrupted session\(s\):/);
    assert.match(text, /\(35 minutes ago\)/);
    assert.match(ws.cli(['recover', 'detect', '--stale-after', '40']).stdout, /^No interrupted sessions/);

    // A run whose owner process is dead counts at once.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'w', '--owner-pid', dead]);
    const report = ws.ok(['recover', 'detect', '--stale-after', '40', '--json']);
    assert.deepEqual(report.interrupted.map((i) => [i.kind, i.reason]), [['run', 'owner-dead']]);
    assert.match(ws.cli(['recover', 'detect', '--stale-after', '40']).stdout, new RegExp(`Owner: pid ${dead} on .* is no longer running`));
    const live = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'w2', '--owner-pid', String(process.pid)]);
    assert.ok(!ws.ok(['recover', 'detect', '--stale-after', '40', '--json']).interrupted.some((i) => 'run_id' in i && i.run_id === live.run_id));
    assert.ok(run.run_id);
  });

  it('recovery without a snapshot says so (E_NO_SNAPSHOT) and changes nothing', () => {
    ws.ok(['activate', '--track-id', id]);
    const before = ws.readJson(ws.trackFile(id));
    const result = ws.cli(['recover', 'resume', '--track-id', id]);
    assert.equal(result.code, 11);
    assert.match(result.stderr, /No snapshots found for recovery/);
    assert.deepEqual(ws.readJson(ws.trackFile(id)), before);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'w']);
    assert.equal(ws.cli(['recover', 'resume', '--run-id', run.run_id]).code, 11);
    assert.equal(ws.cli(['recover', 'resume']).code, 2, 'one of --track-id and --run-id is needed');
    assert.equal(ws.cli(['recover', 'resume', '--track-id', id, '--run-id', run.run_id]).code, 2);
  });

  it('recovering a paused track resumes it; a finished one is refused', () => {
    ws.ok(['activate', '--track-id', id]);
    const checkpoint = ws.ok(['pause', '--track-id', id, '--reason', 'crash soon']).checkpoint;
    const result = ws.ok(['recover', 'resume', '--track-id', id]);
    assert.equal(result.status, 'active');
    assert.equal(result.checkpoint_restored, checkpoint);
    ws.ok(['complete', '--track-id', id]);
    assert.equal(ws.cli(['recover', 'resume', '--track-id', id]).code, 6);
  });
});
