import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { runNode, Workspace } from '../helpers/workspace';
import type { ContextEntry } from '../../src/core/model/schemas';
import type { WorkerReport } from '../helpers/concurrency-worker';

const WORKERS = 8;
const MUTATIONS = 50;

describe('concurrency: 8 processes × 50 mutations on one store', function () {
  this.timeout(180_000);
  let ws: Workspace;
  before(() => { ws = new Workspace(); });
  after(() => ws.cleanup());

  it('loses no update, never has two active tracks, and leaves the registry equal to a rebuild', async () => {
    const store = new TrackStore({ root: ws.dir });
    const shared = await store.createTrack({ name: 'Shared decisions', type: 'custom', goal: 'Collect decisions' });
    const worker = path.join(__dirname, '..', 'helpers', 'concurrency-worker.js');
    const results = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => runNode([worker, ws.dir, String(i + 1), String(MUTATIONS), shared.track_id])),
    );
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    const reports = results.map((result) => JSON.parse(result.stdout) as WorkerReport);

    // No lost update: every create and every appended decision is there.
    const created = reports.flatMap((r) => r.creates);
    const tracks = (await store.listTracks()).tracks;
    assert.equal(tracks.length, created.length + 1);
    for (const id of created) assert.ok(tracks.some((t) => t.track_id === id), id);
    const folders = readdirSync(ws.tracksDir).filter((name) => name.startsWith('track-') && !name.startsWith('track-registry') && !name.startsWith('track-index'));
    assert.equal(folders.length, created.length + 1);
    const decisions = ws.readJson<{ decisions: ContextEntry[] }>(path.join(ws.tracksDir, shared.track_id, 'context', 'decisions.json')).decisions;
    assert.equal(decisions.length, reports.reduce((sum, r) => sum + r.decisions, 0));
    assert.equal(new Set(decisions.map((d) => d.id)).size, decisions.length, 'decision ids unique');

    // Never two active: at most one now, and the active intervals in the histories never overlap.
    const records = folders.map((id) => ws.readJson(ws.trackFile(id)));
    assert.ok(records.filter((t) => t.status === 'active').length <= 1);
    const intervals: Array<[number, number, string]> = [];
    for (const track of records) {
      let since: number | null = null;
      for (const change of track.status_history) {
        if (change.to === 'active') since = Date.parse(change.at);
        else if (change.from === 'active' && since !== null) {
          intervals.push([since, Date.parse(change.at), track.track_id]);
          since = null;
        }
      }
      if (since !== null) intervals.push([since, Number.MAX_SAFE_INTEGER, track.track_id]);
    }
    intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 1; i < intervals.length; i += 1) {
      assert.ok(intervals[i][0] >= intervals[i - 1][1], `active intervals overlap: ${JSON.stringify([intervals[i - 1], intervals[i]])}`);
    }
    const transitions = reports.reduce((sum, r) => sum + r.switches + r.pauses, 0);
    assert.ok(transitions > 50, `enough transitions happened (${transitions})`);

    // The registry equals a rebuild from the track files; nothing left behind.
    const report = await store.doctor();
    assert.deepEqual(report.problems, []);
    assert.equal(report.healthy, true);
  });
});
