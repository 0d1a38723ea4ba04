import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { activeIntervals, addBeat, parseSince, presenceRuns, workedIntervals } from '../../src/core/time';
import { Workspace } from '../helpers/workspace';
import type { Activity, TrackStatus } from '../../src/core/model/schemas';

const T = (hhmm: string, day = '01') => `2026-03-${day}T${hhmm}:00.000Z`;
const change = (from: TrackStatus | null, to: TrackStatus, at: string) => ({ from, to, at });
const MIN = 60_000;

describe('time per track', function () {
  this.timeout(30_000);

  it('active intervals come from the status history, the open one ending now', () => {
    const history = [change(null, 'draft', T('08:00')), change('draft', 'active', T('09:00')), change('active', 'paused', T('10:00')), change('paused', 'active', T('11:00'))];
    assert.deepEqual(activeIntervals({ status_history: history }, T('12:30')), [
      { start: T('09:00'), end: T('10:00') },
      { start: T('11:00'), end: T('12:30') },
    ]);
  });

  it('counts only near heartbeats: a closed window or a sleeping machine adds nothing', () => {
    // Active from 09:00 and never paused; beats until 09:40, then silence until 15:00, then beats to 15:20.
    const history = [change(null, 'ready', T('08:00')), change('ready', 'active', T('09:00'))];
    const activity = { intervals: [{ start: T('09:05'), end: T('09:40') }, { start: T('15:00'), end: T('15:20') }] };
    const worked = workedIntervals({ status_history: history }, activity, { staleMs: 30 * MIN, until: T('18:00') });
    assert.deepEqual(worked.map((w) => [w.start, w.end]), [[T('09:00'), T('09:40')], [T('15:00'), T('15:20')]]);
    assert.equal(worked.reduce((sum, w) => sum + w.ms, 0), 60 * MIN);
  });

  it('gaps shorter than the stale threshold join; longer ones split; beats outside active time do not count', () => {
    const runs = presenceRuns([{ start: T('09:00'), end: T('09:10') }, { start: T('09:35'), end: T('09:50') }, { start: T('10:30'), end: T('10:30') }], 30 * MIN);
    assert.equal(runs.length, 2);
    const history = [change('ready', 'active', T('09:00')), change('active', 'paused', T('09:20')), change('paused', 'active', T('09:45')), change('active', 'completed', T('10:00'))];
    const activity = { intervals: [{ start: T('09:00'), end: T('10:00') }] };
    const worked = workedIntervals({ status_history: history }, activity, { staleMs: 30 * MIN, until: T('12:00') });
    assert.deepEqual(worked.map((w) => w.ms), [20 * MIN, 15 * MIN]);
    // A window clips: since 09:50 only the last 10 minutes count.
    assert.deepEqual(workedIntervals({ status_history: history }, activity, { staleMs: 30 * MIN, since: T('09:50'), until: T('12:00') }).map((w) => w.ms), [10 * MIN]);
  });

  it('a track with only status changes (no heartbeats) counts the time between changes within the threshold', () => {
    const history = [change('ready', 'active', T('09:00')), change('active', 'paused', T('09:20')), change('paused', 'active', T('10:00')), change('active', 'paused', T('16:00'))];
    const worked = workedIntervals({ status_history: history }, null, { staleMs: 30 * MIN, until: T('18:00') });
    assert.deepEqual(worked.map((w) => w.ms), [20 * MIN]);
  });

  it('addBeat extends the last run within the threshold, starts a new one after', () => {
    let activity = addBeat(null, T('09:00'));
    activity = addBeat(activity, T('09:20'));
    activity = addBeat(activity, T('11:00'));
    assert.deepEqual(activity.intervals, [{ start: T('09:00'), end: T('09:20') }, { start: T('11:00'), end: T('11:00') }]);
  });

  it('parses periods and refuses nonsense', () => {
    const now = new Date(T('12:00', '08'));
    assert.equal(parseSince('7d', now), T('12:00', '01'));
    assert.equal(parseSince('90m', now), T('10:30', '08'));
    assert.equal(parseSince('2026-03-02', now), '2026-03-02T00:00:00.000Z');
    assert.throws(() => parseSince('last week', now), /7d/);
  });

  it('stats --since and show report time from the files (CLI)', () => {
    const ws = new Workspace();
    try {
      const id = ws.create('Timed Track', ['--ready']).track_id;
      ws.ok(['activate', '--track-id', id]);
      const hour = 3_600_000;
      const base = Date.now();
      const at = (hoursAgo: number) => new Date(base - hoursAgo * hour).toISOString();
      const track = ws.readJson(ws.trackFile(id));
      track.status_history = [change(null, 'ready', at(5)), change('ready', 'active', at(4))];
      track.last_activated_at = at(4);
      ws.writeJson(ws.trackFile(id), track);
      writeFileSync(path.join(ws.tracksDir, id, 'activity.json'), JSON.stringify({ schema_version: 1, intervals: [{ start: at(4), end: at(3) }] }));
      const stats = ws.ok(['stats', '--since', '7d']);
      assert.equal(stats.time?.by_track.length, 1);
      assert.equal(stats.time?.by_track[0].worked_ms, hour);
      assert.equal(stats.time?.by_type.feature, hour);
      const shown = ws.ok(['show', '--track-id', id]);
      assert.equal(shown.time.active_intervals.length, 1);
      assert.equal(shown.time.worked_ms, hour);
      assert.equal(ws.cli(['stats', '--since', 'yesterday']).code, 3);
      // Reads record nothing; a CLI call that changes the store is a heartbeat: a new run starting now.
      assert.equal(ws.readJson<Activity>(path.join(ws.tracksDir, id, 'activity.json')).intervals.length, 1);
      ws.ok(['context', 'add-decision', '--track-id', id, '--text', 'Work goes on']);
      const activity = ws.readJson<Activity>(path.join(ws.tracksDir, id, 'activity.json'));
      assert.equal(activity.intervals.length, 2);
    } finally {
      ws.cleanup();
    }
  });
});
