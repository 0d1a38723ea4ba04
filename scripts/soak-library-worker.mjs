// One library writer of the soak (scripts/soak.mjs): a long-lived process using the bundled
// library as the extension does. Reads one JSON op per line on stdin, answers one JSON line each.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
// The path in a variable: the type-check (tsconfig.scripts.json) must not read the build output.
const bundle = '../dist/index.js';
const { TrackStore } = require(bundle);
const store = new TrackStore({ root: process.argv[2], lockTimeoutMs: Number(process.argv[3]), command: 'soak library writer' });

const actions = {
  decision: (op) => store.addDecision(op.trackId, { text: op.text }),
  // Two decisions at once through one process: they queue for the lock in-process. Each one's
  // outcome is reported (one may commit while the other is refused).
  burst: async (op) => {
    const settled = await Promise.allSettled(op.texts.map((text) => store.addDecision(op.trackId, { text })));
    const parts = settled.map((result) => (result.status === 'fulfilled' ? { ok: true } : { ok: false, code: result.reason?.code ?? 'UNKNOWN' }));
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw Object.assign(failure.reason, { parts });
    return { parts };
  },
  update: (op) => store.updateTrack(op.trackId, 'notes', op.value),
  switch: (op) => store.switchTrack(op.trackId),
  checkpoint: (op) => store.createCheckpoint(op.trackId, {}),
  pause: (op) => store.suspendTrack(op.trackId, 'soak'),
};

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  const op = JSON.parse(line);
  queue = queue.then(async () => {
    try {
      const result = await actions[op.kind](op);
      process.stdout.write(`${JSON.stringify({ id: op.id, ok: true, snapshotId: result?.snapshot_id ?? null, parts: result?.parts })}\n`);
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ id: op.id, ok: false, code: error?.code ?? 'UNKNOWN', message: String(error?.message ?? error), parts: error?.parts })}\n`);
    }
  });
});
// The queue never rejects: each operation reports its own failure on stdout.
lines.on('close', () => void queue.then(() => process.exit(0)));
