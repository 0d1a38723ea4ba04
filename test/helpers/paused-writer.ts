/**
 * A writer that stages a change under the store lock and then waits, so a test can SIGSTOP it
 * there (the worst moment: everything read, nothing committed yet).
 * Usage: node paused-writer.js ROOT TRACK_ID STALE_MS NOTES
 * Prints "staged" once it holds the lock with its change staged; commits when a line arrives on
 * stdin; prints {"ok":true} or {"code":"E_…"} and exits 0.
 */
import { createContext } from '../../src/core/storage/context';
import { mutate } from '../../src/core/storage/transaction';

const [root, trackId, staleText, notes] = process.argv.slice(2);
const ctx = createContext({ root, lockStaleMs: Number(staleText), command: 'paused writer' });

mutate(ctx, 'paused writer', async (tx) => {
  const track = await tx.track(trackId);
  tx.putTrack({ ...track, metadata: { ...(track.metadata ?? {}), notes } });
  process.stdout.write('staged\n');
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    process.stdin.resume();
  });
  process.stdin.pause();
}).then(
  () => { process.stdout.write(`${JSON.stringify({ ok: true })}\n`); process.exit(0); },
  (error: NodeJS.ErrnoException) => { process.stdout.write(`${JSON.stringify({ code: error?.code ?? 'UNKNOWN', message: String(error?.message ?? error) })}\n`); process.exit(0); },
);
