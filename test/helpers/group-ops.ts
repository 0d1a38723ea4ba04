/**
 * Groupable operations only the group-commit tests use, registered in every process of a test
 * (a holder runs what its requesters queued, so both sides must know them).
 */
import * as path from 'node:path';
import { createTrack } from '../../src/core/lifecycle';
import { TrackError } from '../../src/core/model/errors';
import type { StoreContext } from '../../src/core/storage/context';
import { registerGroupOperation } from '../../src/core/storage/group-commit';
import { mutate } from '../../src/core/storage/transaction';

/** Stages a change of the track and a new file, then fails: a group must keep no trace of it. */
registerGroupOperation('test-poison', (ctx: StoreContext, [trackId]: unknown[]) => mutate(ctx, 'test-poison', async (tx) => {
  const track = await tx.track(trackId as string);
  tx.putTrack({ ...track, description: 'POISON' });
  tx.put(path.join(tx.paths.trackDir(track.track_id), 'poison.json'), { poison: true });
  tx.afterCommit.push(() => Promise.reject(new Error('the poisoned operation left an after-commit action')));
  throw new TrackError('E_INVALID_INPUT', 'poisoned on purpose', { field: 'test' });
}));

/**
 * Creates a track; in a process started with GROUP_TEST_BLOCK=1 it first prints "blocked" and waits
 * for a line on stdin: a holder stopped or killed there has claimed its group and committed nothing.
 */
registerGroupOperation('test-block', async (ctx: StoreContext, [name]: unknown[]) => {
  if (process.env.GROUP_TEST_BLOCK === '1') {
    process.stdout.write('blocked\n');
    await nextLine();
  }
  return createTrack(ctx, { name: name as string, type: 'feature', goal: 'Created by a blocking operation' });
});

/**
 * A groupable write that holds the lock: sets the track's notes to "holder", prints "staged" and
 * waits for a line on stdin before the queue is run and the commit made (group-holder.ts).
 */
registerGroupOperation('test-hold', (ctx: StoreContext, [trackId]: unknown[]) => mutate(ctx, 'test-hold', async (tx) => {
  const track = await tx.track(trackId as string);
  tx.putTrack({ ...track, metadata: { ...(track.metadata ?? {}), notes: 'holder' } });
  process.stdout.write('staged\n');
  await nextLine();
  return null;
}));

export function nextLine(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.stdin.once('data', () => {
      process.stdin.pause();
      resolve();
    });
    process.stdin.resume();
  });
}
