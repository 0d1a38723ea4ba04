/**
 * One writer of the concurrency test: a separate process doing random mutations through the
 * bundled library, printing what it did as JSON. Usage: node concurrency-worker.js ROOT SEED COUNT SHARED_ID
 */
import * as path from 'node:path';

// The built package, as a user would load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, loaded by path at run time
const { TrackStore } = require(path.resolve(__dirname, '..', '..', '..', 'dist', 'index.js')) as typeof import('../../src/core/index');

const [root, seedText, countText, sharedId] = process.argv.slice(2);
let seed = Number(seedText);
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];

/** What a worker prints when it is done. */
export interface WorkerReport {
  creates: string[];
  decisions: number;
  switches: number;
  pauses: number;
  updates: number;
  refused: Record<string, number>;
}

async function main(): Promise<void> {
  const store = new TrackStore({ root, lockTimeoutMs: 30_000 });
  const done: WorkerReport = { creates: [], decisions: 0, switches: 0, pauses: 0, updates: 0, refused: {} };
  for (let i = 0; i < Number(countText); i += 1) {
    const op = i < 3 ? 'create' : pick(['create', 'switch', 'switch', 'pause', 'update', 'decision']);
    try {
      if (op === 'create') {
        const track = await store.createTrack({ name: `Worker ${seedText} track ${i}`, type: 'feature', goal: 'Concurrency', ready: random() < 0.5 });
        done.creates.push(track.track_id);
      } else if (op === 'switch') {
        const { tracks } = await store.listTracks();
        const candidates = tracks.filter((t: { status: string }) => ['draft', 'ready', 'paused', 'active'].includes(t.status));
        await store.switchTrack(pick(candidates).track_id);
        done.switches += 1;
      } else if (op === 'pause') {
        const active = await store.getActiveTrack();
        if (!active) continue;
        await store.suspendTrack(active.track_id, `paused by worker ${seedText}`);
        done.pauses += 1;
      } else if (op === 'update') {
        const { tracks } = await store.listTracks();
        await store.updateTrack(pick(tracks).track_id, 'priority', pick(['P0', 'P1', 'P2', 'P3']));
        done.updates += 1;
      } else {
        await store.addDecision(sharedId, { text: `decision ${seedText}-${i}` });
        done.decisions += 1;
      }
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      // Losing a race (the track we meant to pause was paused meanwhile) is fine; anything else is not.
      if (code !== 'E_INVALID_TRANSITION') throw error;
      done.refused[code] = (done.refused[code] ?? 0) + 1;
    }
  }
  process.stdout.write(JSON.stringify(done));
}

main().catch((error: NodeJS.ErrnoException) => {
  process.stderr.write(`${error?.code ?? ''} ${error?.stack ?? String(error)}\n`);
  process.exit(1);
});
