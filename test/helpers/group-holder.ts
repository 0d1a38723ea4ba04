/**
 * A lock holder of the group-commit tests. It stages its own change (the track's notes), prints
 * "staged" and waits for a line on stdin; then it runs the queued requests and commits.
 * Usage: node group-holder.js ROOT TRACK_ID MODE
 *   MODE block:  started with GROUP_TEST_BLOCK=1, it stops inside the group at a test-block request
 *                ("blocked"; a line continues it);
 *   MODE after-commit: once its journal is renamed in (the commit point) it prints "committed"
 *                and blocks forever, before any file of the commit is renamed into place.
 * Prints {"ok":true} or {"code":"E_…"} at the end.
 */
import './group-ops';
import '../../src/core/group-operations';
import * as path from 'node:path';
import { createContext } from '../../src/core/storage/context';
import { runGrouped } from '../../src/core/storage/group-commit';

const [root, trackId, mode] = process.argv.slice(2);
const ctx = createContext({ root, command: 'group holder' });

if (mode === 'after-commit') {
  // The module object itself (journal.ts looks its functions up on it at each call). The commit
  // point is a synchronous rename (see HeldLock.assertHeld), so the wait after it blocks the thread.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  const renameSync = fs.renameSync;
  fs.renameSync = (from, to) => {
    renameSync(from, to);
    if (path.resolve(String(to)) === ctx.paths.journalFile) {
      fs.writeSync(1, 'committed\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
  };
}

// A groupable operation (only those run the queue), tried while the lock is free: this process holds it.
runGrouped(ctx, 'test-hold', [trackId]).then(
  () => { process.stdout.write(`${JSON.stringify({ ok: true })}\n`); process.exit(0); },
  (error: NodeJS.ErrnoException) => { process.stdout.write(`${JSON.stringify({ code: error?.code ?? 'UNKNOWN', message: String(error?.message ?? error) })}\n`); process.exit(0); },
);
