import * as assert from 'node:assert/strict';
import { TrackStore } from '../../src/core/store';
import { Workspace } from '../helpers/workspace';

/**
 * A warm reader keeps list and stats derived from its index view and, after another process's
 * write, updates them for the tracks that write touched only. Whatever the writes, its answers
 * must equal those of a reader that reads the index afresh.
 */
describe('warm list and stats after other processes write', function () {
  this.timeout(120_000);
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('equal a fresh read after updates, transitions, creates and type changes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const created = ws.ok(['create', '--name', `Track ${i}`, '--type', i % 2 ? 'feature' : 'testing', '--goal', 'g', '--priority', `P${i % 4}`]);
      ids.push(created.track_id);
    }
    const warm = new TrackStore({ root: ws.dir });
    const fresh = new TrackStore({ root: ws.dir });
    const compare = async (step: string) => {
      const warmList = await warm.listTracks();
      const warmPaused = await warm.listTracks({ status: 'paused' });
      const warmStats = await warm.getStats();
      fresh.forgetCaches();
      assert.deepEqual(warmList, await fresh.listTracks(), `list after ${step}`);
      assert.deepEqual(warmPaused, await fresh.listTracks({ status: 'paused' }), `list --status paused after ${step}`);
      // Key order too: stats print as JSON.
      assert.equal(JSON.stringify(warmStats), JSON.stringify(await fresh.getStats()), `stats after ${step}`);
    };
    await compare('the first read');
    const steps: Array<[string, string[]]> = [
      ['activate', ['activate', '--track-id', ids[1]]],
      ['a progress update', ['update', '--track-id', ids[1], '--field', 'progress', '--value', '40']],
      ['a priority change', ['update', '--track-id', ids[2], '--field', 'priority', '--value', 'P0']],
      ['a rename', ['update', '--track-id', ids[3], '--field', 'name', '--value', 'Renamed']],
      ['a switch', ['switch', '--to', ids[2]]],
      ['a type change', ['update', '--track-id', ids[0], '--field', 'type', '--value', 'bugfix']],
      ['a create', ['create', '--name', 'Late', '--type', 'refactor', '--goal', 'g', '--priority', 'P3']],
      ['a complete', ['complete', '--track-id', ids[2]]],
    ];
    for (const [step, args] of steps) {
      ws.ok(args);
      await compare(step);
    }
    // A warm returned list is the caller's own: changing it does not change the next answer.
    const mine = await warm.listTracks();
    mine.tracks[0].name = 'changed by the caller';
    mine.tracks.reverse();
    await compare('a caller changed its list');
  });
});
