import * as assert from 'node:assert/strict';
import { TrackStore } from '../../src/core/store';
import { TrackError } from '../../src/core/model/errors';
import type { TrackStatus } from '../../src/core/model/schemas';
import { Workspace } from '../helpers/workspace';

const STATUSES: TrackStatus[] = ['draft', 'ready', 'active', 'paused', 'completed', 'failed', 'cancelled', 'archived'];

/** What DESIGN.md §3 allows, written out by hand so the test does not just mirror the code. */
const ALLOWED: Record<string, Partial<Record<TrackStatus, TrackStatus>>> = {
  ready: { draft: 'ready' },
  activate: { draft: 'active', ready: 'active' },
  pause: { active: 'paused' },
  resume: { paused: 'active' },
  complete: { active: 'completed', paused: 'completed' },
  fail: { active: 'failed', paused: 'failed' },
  cancel: { draft: 'cancelled', ready: 'cancelled', active: 'cancelled', paused: 'cancelled' },
  archive: { completed: 'archived', failed: 'archived', cancelled: 'archived' },
  reopen: { completed: 'ready', failed: 'ready', cancelled: 'ready', archived: 'ready' },
};

async function trackIn(store: TrackStore, status: TrackStatus): Promise<string> {
  const { track_id: id } = await store.createTrack({ name: `Track ${status}`, type: 'feature', goal: 'Test the lifecycle' });
  const path: Record<TrackStatus, Array<() => Promise<unknown>>> = {
    draft: [],
    ready: [() => store.markReady(id)],
    active: [() => store.activateTrack(id)],
    paused: [() => store.activateTrack(id), () => store.suspendTrack(id, 'break')],
    completed: [() => store.activateTrack(id), () => store.completeTrack(id)],
    failed: [() => store.activateTrack(id), () => store.failTrack(id, 'did not work')],
    cancelled: [() => store.cancelTrack(id, 'not needed')],
    archived: [() => store.activateTrack(id), () => store.completeTrack(id), () => store.archiveTrack(id)],
  };
  for (const step of path[status]) await step();
  assert.equal((await store.getTrack(id)).status, status);
  return id;
}

function act(store: TrackStore, action: string, id: string): Promise<unknown> {
  switch (action) {
    case 'ready': return store.markReady(id);
    case 'activate': return store.activateTrack(id);
    case 'pause': return store.suspendTrack(id, 'reason');
    case 'resume': return store.resumeTrack(id);
    case 'complete': return store.completeTrack(id, { summary: 'done' });
    case 'fail': return store.failTrack(id, 'broke');
    case 'cancel': return store.cancelTrack(id, 'dropped');
    case 'archive': return store.archiveTrack(id);
    case 'reopen': return store.reopenTrack(id);
    default: throw new Error(action);
  }
}

describe('lifecycle: every transition, allowed and refused', () => {
  let ws: Workspace;
  let store: TrackStore;
  beforeEach(() => {
    ws = new Workspace();
    store = new TrackStore({ root: ws.dir });
  });
  afterEach(() => ws.cleanup());

  for (const [action, allowed] of Object.entries(ALLOWED)) {
    for (const from of STATUSES) {
      const to = allowed[from];
      it(`${action} from ${from}: ${to ? `→ ${to}` : 'refused with E_INVALID_TRANSITION'}`, async () => {
        const id = await trackIn(store, from);
        const before = ws.readJson(ws.trackFile(id));
        if (to) {
          await act(store, action, id);
          const after = ws.readJson(ws.trackFile(id));
          assert.equal(after.status, to);
          assert.deepEqual(after.status_history.at(-1)?.from, from);
          assert.deepEqual(after.status_history.at(-1)?.to, to);
          assert.equal(ws.readIndex().tracks[id].status, to, 'registry follows');
          assert.equal(ws.readIndex().active_track, to === 'active' ? id : null);
        } else {
          await assert.rejects(act(store, action, id), (error: TrackError) => {
            assert.equal(error.code, 'E_INVALID_TRANSITION');
            assert.match(error.message, new RegExp(`Cannot ${action} track ${id}`));
            return true;
          });
          assert.deepEqual(ws.readJson(ws.trackFile(id)), before, 'a refused transition writes nothing');
        }
      });
    }
  }

  it('activate and resume refuse while another track is active (E_ANOTHER_ACTIVE); --force pauses it with a checkpoint', async () => {
    const a = await trackIn(store, 'active');
    const b = await trackIn(store, 'ready');
    const c = await trackIn(store, 'draft');
    await store.activateTrack(c).catch(() => undefined);
    await assert.rejects(store.activateTrack(b), { code: 'E_ANOTHER_ACTIVE' });
    await store.suspendTrack(a, 'x');
    await store.activateTrack(b);
    await assert.rejects(store.resumeTrack(a), { code: 'E_ANOTHER_ACTIVE' });
    const forced = await store.activateTrack(c, { force: true });
    assert.equal(forced.status, 'active');
    const bNow = await store.getTrack(b);
    assert.equal(bNow.status, 'paused');
    assert.match(String(bNow.last_checkpoint), /^snap-checkpoint-/);
    const actives = (await store.listTracks({ status: 'active' })).tracks;
    assert.deepEqual(actives.map((t) => t.track_id), [c]);
  });

  it('switch: to a paused track resumes it; to the active one is a no-op; to a finished one is refused', async () => {
    const a = await trackIn(store, 'active');
    const b = await trackIn(store, 'draft');
    assert.deepEqual(await store.switchTrack(b), { suspended: a, activated: b, checkpoint: (await store.getTrack(a)).last_checkpoint });
    const back = await store.switchTrack(a);
    assert.equal(back.suspended, b);
    assert.equal((await store.getTrack(a)).status, 'active');
    assert.deepEqual(await store.switchTrack(a), { suspended: null, activated: a, checkpoint: null });
    const done = await trackIn(store, 'cancelled');
    await assert.rejects(store.switchTrack(done), { code: 'E_INVALID_TRANSITION' });
    assert.equal((await store.getActiveTrack())?.track_id, a, 'a refused switch leaves the active track active');
  });

  it('records metrics: active time, pause count, checkpoints', async () => {
    let clock = Date.parse('2026-01-15T10:00:00Z');
    const timed = new TrackStore({ root: ws.dir, now: () => new Date(clock) });
    const { track_id: id } = await timed.createTrack({ name: 'Timed track', type: 'feature', goal: 'g' });
    await timed.activateTrack(id);
    clock += 60_000;
    await timed.suspendTrack(id, 'lunch');
    clock += 3_600_000;
    await timed.resumeTrack(id);
    clock += 30_000;
    const done = await timed.completeTrack(id);
    assert.equal(done.metrics.active_duration_ms, 90_000);
    assert.equal(done.metrics.pause_count, 1);
    assert.equal(done.metrics.snapshots_created, 1);
    assert.equal(done.started_at, '2026-01-15T10:00:00.000Z');
    assert.equal(done.completed_at, '2026-01-15T11:01:30.000Z');
    assert.equal(done.progress.percentage, 100);
  });

  it('update: only editable fields, each validated; status only through the lifecycle', async () => {
    const id = await trackIn(store, 'draft');
    await assert.rejects(store.updateTrack(id, 'status', 'banana'), (e: TrackError) => e.code === 'E_INVALID_INPUT' && /lifecycle commands/.test(e.message));
    await assert.rejects(store.updateTrack(id, 'status', 'active'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'priority', 'P9'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'type', 'banana'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'progress', '101'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'progress', 'lots'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'name', 'ab'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'track_id', 'track-other-1'), { code: 'E_INVALID_INPUT' });
    await assert.rejects(store.updateTrack(id, 'created_at', 'yesterday'), { code: 'E_INVALID_INPUT' });
    assert.equal((await store.getTrack(id)).status, 'draft');
    assert.equal((await store.updateTrack(id, 'progress', '45')).progress.percentage, 45);
    assert.deepEqual((await store.updateTrack(id, 'success_criteria', 'fast, correct')).context.success_criteria, ['fast', 'correct']);
    assert.deepEqual((await store.updateTrack(id, 'tags', '["auth","security"]')).metadata?.tags, ['auth', 'security']);
    assert.equal((await store.updateTrack(id, 'goal', 'A better goal')).context.goal, 'A better goal');
    assert.equal((await store.listTracks()).tracks[0].progress_percentage, 45, 'registry summary follows');
  });

  it('create validates its input', async () => {
    const bad: Array<Record<string, unknown>> = [
      { name: 'ab', type: 'feature', goal: 'g' },
      { name: 'Good name', type: 'banana', goal: 'g' },
      { name: 'Good name', type: 'feature', goal: '   ' },
      { name: 'Good name', type: 'feature', goal: 'g', priority: 'P4' },
      { name: 'Bad\u0000name', type: 'feature', goal: 'g' },
      { name: 'x'.repeat(101), type: 'feature', goal: 'g' },
      { name: 'Good name', type: 'feature', goal: 'g', unknown: 1 },
    ];
    for (const input of bad) {
      await assert.rejects(store.createTrack(input as never), { code: 'E_INVALID_INPUT' }, JSON.stringify(input));
    }
    assert.equal((await store.listTracks()).tracks.length, 0);
    const made = await store.createTrack({ name: '  Ünïcödé Café  ', type: 'feature', goal: 'g', ready: true });
    assert.match(made.track_id, /^track-unicode-cafe-\d{13}$/);
    assert.equal(made.name, 'Ünïcödé Café');
    assert.equal(made.status, 'ready');
    assert.equal(made.priority, 'P2');
  });

  it('two tracks with the same name in the same millisecond get distinct ids', async () => {
    const fixed = new TrackStore({ root: ws.dir, now: () => new Date('2026-01-15T10:00:00Z') });
    const ids = await Promise.all([1, 2, 3].map(() => fixed.createTrack({ name: 'Same Name', type: 'bugfix', goal: 'g' })));
    assert.equal(new Set(ids.map((t) => t.track_id)).size, 3);
    assert.equal((await store.listTracks()).tracks.length, 3);
  });
});
