// The guide's scripts as `track init` installs them, against the same command through `track`:
// samples alternate between the two (and which goes first), so machine drift hits both alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PAIRS = [
  ['get-active', ['.claude/skills/track-manager/registry.mjs', 'get-active'], ['get-active']],
  ['list', ['.claude/skills/track-manager/registry.mjs', 'list'], ['list']],
  ['stats', ['.claude/skills/track-manager/registry.mjs', 'stats'], ['stats']],
  ['create', ['.claude/skills/track-manager/manager.mjs', 'create', '--name', 'Bench Script', '--type', 'feature', '--goal', 'g'], ['create', '--name', 'Bench Cli', '--type', 'feature', '--goal', 'g']],
  ['detect', ['.claude/tools/session-recovery.mjs', 'detect'], ['recover', 'detect']],
];

export function guideScriptsBench({ cli, samples, now, quantile, size = 100 }) {
  const workspace = mkdtempSync(join(tmpdir(), 'track-bench-scripts-'));
  const run = (args) => {
    const start = now();
    const result = spawnSync(process.execPath, args, { cwd: workspace, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
    const elapsed = now() - start;
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr.toString()}`);
    return elapsed;
  };
  try {
    run([cli, 'init']);
    for (let i = 0; i < size; i += 1) run([cli, 'create', '--name', `Seed ${i}`, '--type', 'feature', '--goal', 'g']);
    const rows = [];
    for (const [name, scriptArgs, trackArgs] of PAIRS) {
      // Warm both code caches first.
      run(scriptArgs);
      run([cli, ...trackArgs]);
      const script = [];
      const track = [];
      for (let i = 0; i < samples; i += 1) {
        if (i % 2 === 0) {
          track.push(run([cli, ...trackArgs]));
          script.push(run(scriptArgs));
        } else {
          script.push(run(scriptArgs));
          track.push(run([cli, ...trackArgs]));
        }
      }
      rows.push({ name, script: quantile(script, 0.5), track: quantile(track, 0.5) });
    }
    return rows;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
