// `track brief` runs in every agent's session-start hook: its time as a process, next to the floor
// (`node -e 0`) measured in the same run, alternating the two so drift hits both alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from './seed.mjs';

export async function briefBench(cli, samples, now, quantile) {
  const workspace = mkdtempSync(join(tmpdir(), 'track-bench-brief-'));
  try {
    const { store } = await seed(workspace, 100);
    const track = await store.createTrack({ name: 'Brief Bench', type: 'feature', goal: 'Measure the session-start brief' });
    await store.activateTrack(track.track_id);
    for (let i = 0; i < 5; i += 1) await store.addDecision(track.track_id, { text: `Decision ${i}`, rationale: 'because' });
    await store.createCheckpoint(track.track_id, { name: 'bench' });
    const env = { ...process.env, TRACK_MANAGER_ROOT: '' };
    const run = (args) => {
      const start = now();
      const result = spawnSync(process.execPath, args, { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], env });
      const ms = now() - start;
      if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr.toString()}`);
      return ms;
    };
    run([cli, 'brief']); // fills the code cache
    const floor = [];
    const brief = [];
    for (let i = 0; i < samples; i += 1) {
      floor.push(run(['-e', '0']));
      brief.push(run([cli, 'brief']));
    }
    const stats = (times) => ({ p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
    return { floor: stats(floor), brief: stats(brief) };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
