import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isTrackError, type TrackError } from '../../src/core/model/errors';
import { jsonErrorPosition } from '../../src/core/storage/files';
import { recoveryCheckDue } from '../../src/core/recovery';
import { TrackStore } from '../../src/core/store';
import { Workspace } from '../helpers/workspace';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<TrackError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isTrackError(error), `expected a TrackError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('core for the editor: structured errors, damaged files, runs of finishing tracks, live recovery', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let store: TrackStore;
  beforeEach(() => {
    ws = new Workspace();
    store = new TrackStore({ root: ws.dir, command: 'test' });
  });
  afterEach(() => ws.cleanup());

  const create = (name: string) => store.createTrack({ name, type: 'feature', goal: `Goal of ${name}`, ready: true });

  it('E_ANOTHER_ACTIVE names both tracks; automatic checkpoints are named after tracks, not ids', async () => {
    const pg = await create('Postgres 16 Migration');
    const sso = await create('SSO SAML Support');
    await store.activateTrack(pg.track_id);
    const error = await rejectsWith(store.activateTrack(sso.track_id), 'E_ANOTHER_ACTIVE');
    assert.deepEqual(error.details, { active_track: pg.track_id, active_track_name: 'Postgres 16 Migration', track_id: sso.track_id, track_name: 'SSO SAML Support' });
    await store.switchTrack(sso.track_id);
    const { checkpoints } = await store.listCheckpoints(pg.track_id);
    assert.equal(checkpoints[0].description, 'Switched to SSO SAML Support');
    const transition = await rejectsWith(store.resumeTrack(sso.track_id), 'E_INVALID_TRANSITION');
    assert.equal(transition.details.track_name, 'SSO SAML Support');
  });

  it('complete, fail and cancel refuse while runs are running unless told what to do with them', async () => {
    const track = await create('Runs Track');
    await store.activateTrack(track.track_id);
    const one = await store.startRun(track.track_id, { workflow: 'deploy', totalSteps: 4 });
    const two = await store.startRun(track.track_id, { workflow: 'tests' });
    const refused = await rejectsWith(store.completeTrack(track.track_id, { summary: 's' }), 'E_RUNS_IN_PROGRESS');
    assert.deepEqual((refused.details.runs as Array<{ run_id: string }>).map((r) => r.run_id), [one.run_id, two.run_id]);
    assert.equal(refused.details.track_name, 'Runs Track');
    await rejectsWith(store.failTrack(track.track_id, 'broken'), 'E_RUNS_IN_PROGRESS');
    await rejectsWith(store.cancelTrack(track.track_id, 'dropped'), 'E_RUNS_IN_PROGRESS');
    assert.equal((await store.getTrack(track.track_id)).status, 'active', 'nothing changed');
    assert.equal((await store.listRuns({ status: 'in_progress' })).length, 2);

    await store.failTrack(track.track_id, 'broken', { runs: 'fail' });
    const runs = await store.listRuns({ trackId: track.track_id });
    assert.deepEqual(runs.map((r) => r.status), ['failed', 'failed']);
    assert.equal((await store.detectInterrupted(0)).count, 0, 'nothing left to look interrupted');
    // A run of a finished track is never resumed.
    await rejectsWith(store.recoverRun(one.run_id), 'E_INVALID_TRANSITION');

    const other = await create('Completes Runs');
    await store.activateTrack(other.track_id);
    const run = await store.startRun(other.track_id, { workflow: 'deploy', totalSteps: 3 });
    await store.completeTrack(other.track_id, { runs: 'complete' });
    const done = (await store.listRuns({ trackId: other.track_id }))[0];
    assert.equal(done.status, 'completed');
    assert.equal(done.current_step, 3);
    assert.equal(run.run_id, done.run_id);
  });

  it('the CLI: complete refuses with exit 20 naming --runs; --runs complete finishes them; a bad value is refused', () => {
    const id = ws.create('CLI Runs').track_id;
    ws.ok(['activate', '--track-id', id]);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'deploy']);
    const refused = ws.cli(['complete', '--track-id', id]);
    assert.equal(refused.code, 20);
    assert.match(refused.stderr, /--runs complete/);
    assert.equal(ws.cli(['complete', '--track-id', id, '--runs', 'maybe']).code, 3);
    assert.equal(ws.ok(['complete', '--track-id', id, '--runs', 'complete']).status, 'completed');
    assert.equal(ws.ok(['run', 'list', '--track-id', id])[0].status, 'completed');
    assert.equal(ws.cli(['recover', 'resume', '--run-id', run.run_id]).code, 6);
  });

  it('a truncated track.json is reported with its line and column', async () => {
    const text = '{\n  "a": 1,\n  "b": ';
    assert.deepEqual(jsonErrorPosition(text, 'Unexpected end of JSON input'), { line: 3, column: 7 });
    assert.deepEqual(jsonErrorPosition('{\n "a" 1}', "Expected ':' after property name in JSON at position 6"), { line: 2, column: 5 });
    assert.deepEqual(jsonErrorPosition('x', 'Bad thing (line 22 column 5)'), { line: 22, column: 5 });
    const track = await create('Truncated');
    const file = ws.trackFile(track.track_id);
    const full = readFileSync(file, 'utf8');
    writeFileSync(file, full.slice(0, full.indexOf('"context"') + 12));
    const [damaged] = await store.inspectTrackFiles([track.track_id]);
    assert.equal(damaged.code, 'E_CORRUPT_FILE');
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(damaged.line, lines.length);
    assert.equal(damaged.column, lines.at(-1)!.length + 1);
    assert.match(damaged.message, new RegExp(`line ${damaged.line}, column ${damaged.column}`));
  });

  it('a damaged track keeps its place through doctor --repair and is restored from its newest checkpoint, damaged bytes kept aside', async () => {
    const keep = await create('Keeps Its Place');
    await store.activateTrack(keep.track_id);
    await store.createCheckpoint(keep.track_id, { name: 'Good state' });
    await store.updateTrack(keep.track_id, 'priority', 'P0');
    const file = ws.trackFile(keep.track_id);
    const damagedBytes = readFileSync(file, 'utf8').slice(0, 200);
    writeFileSync(file, damagedBytes);
    await rejectsWith(store.recoverDamagedTrack((await create('Healthy')).track_id), 'E_INVALID_INPUT');

    const report = await store.doctor({ repair: true });
    assert.ok(report.problems.some((p) => p.code === 'CORRUPT_FILE'));
    const listed = (await store.listTracks()).tracks.find((t) => t.track_id === keep.track_id);
    assert.equal(listed?.name, 'Keeps Its Place', 'still listed by name after the repair');
    assert.equal(listed?.status, 'active');

    const result = await store.recoverDamagedTrack(keep.track_id);
    assert.equal(result.checkpoint_name, 'Good state');
    const restored = await store.getTrack(keep.track_id);
    assert.equal(restored.status, 'active');
    assert.equal(restored.priority, 'P0', 'the index (newer than the checkpoint) decides status and priority');
    const aside = readdirSync(path.dirname(file)).filter((name) => name.startsWith('track.json.damaged-'));
    assert.equal(aside.length, 1);
    assert.equal(readFileSync(path.join(path.dirname(file), aside[0]), 'utf8'), damagedBytes);
    assert.deepEqual(await store.inspectTrackFiles([keep.track_id]), []);
    assert.equal((await store.doctor()).healthy, true);

    // The same through the CLI.
    writeFileSync(file, '{"oops": ');
    const repaired = ws.ok(['recover', 'damaged', '--track-id', keep.track_id]);
    assert.equal(repaired.checkpoint_name, 'Good state');
    assert.equal(ws.ok(['show', '--track-id', keep.track_id]).name, 'Keeps Its Place');
    assert.equal(ws.cli(['recover', 'damaged', '--track-id', keep.track_id]).code, 3, 'a healthy file is not rewritten');
  });

  it('the recovery watch: the next stale instant and the live owners, so a tick needs no read; a killed owner is due', async () => {
    const track = await create('Watched');
    await store.activateTrack(track.track_id);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const agent = new TrackStore({ root: ws.dir, command: 'agent', ownerPid: child.pid! });
      const run = await agent.startRun(track.track_id, { workflow: 'deploy' });
      const { result, watch } = await store.detectInterruptedWithWatch(30);
      assert.equal(result.count, 0);
      assert.deepEqual(watch.owner_pids, [child.pid]);
      assert.equal(watch.next_stale_at, Date.parse(run.updated_at) + 30 * 60_000);
      assert.equal(recoveryCheckDue(watch, Date.now()), false);
      assert.equal(recoveryCheckDue(watch, watch.next_stale_at), true, 'due when the stale instant comes');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(recoveryCheckDue(watch, Date.now()), true, 'due once the owner is dead');
      const after = await store.detectInterruptedWithWatch(30);
      assert.deepEqual(after.result.interrupted.map((item) => item.kind === 'run' && item.reason), ['owner-dead']);
      assert.equal(after.watch.track_names[track.track_id], 'Watched');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
