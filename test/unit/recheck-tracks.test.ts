import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { TrackStore } from '../../src/core/store';
import { Workspace } from '../helpers/workspace';

describe('a long-lived reader told which track files changed', () => {
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('shows a paused track changed by hand (a pull) even when another process wrote in the same moment', async () => {
    const reader = new TrackStore({ root: ws.dir });
    const writer = new TrackStore({ root: ws.dir });
    const paused = await writer.createTrack({ name: 'Paused Then Pulled', type: 'feature', goal: 'g' });
    await writer.activateTrack(paused.track_id, { force: true });
    await writer.suspendTrack(paused.track_id, 'before the pull');
    const names = async () => (await reader.listTracks()).tracks.map((track) => track.name).sort();
    assert.deepEqual(await names(), ['Paused Then Pulled']);

    // The pull renames the paused track in its own file; a write lands at the same moment.
    const file = ws.trackFile(paused.track_id);
    const track = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...track, name: 'Renamed By A Pull', updated_at: new Date().toISOString() }, null, 2));
    await writer.createTrack({ name: 'Written Meanwhile', type: 'bugfix', goal: 'g' });
    // A cached view re-checks only the active tracks: the rename is not seen yet.
    assert.deepEqual(await names(), ['Paused Then Pulled', 'Written Meanwhile']);

    reader.recheckTracks([paused.track_id]);
    assert.deepEqual(await names(), ['Renamed By A Pull', 'Written Meanwhile']);
  });
});
