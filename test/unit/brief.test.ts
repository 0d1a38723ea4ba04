import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Workspace } from '../helpers/workspace';

/** A pid that was a process a moment ago and is no longer. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('track brief', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
  });
  afterEach(() => ws.cleanup());

  const brief = (args: string[] = []) => {
    const result = ws.cli(['brief', ...args]);
    assert.equal(result.code, 0, `brief always exits 0 (stderr: ${result.stderr})`);
    return result.stdout;
  };

  it('on an empty workspace says how to start', () => {
    assert.match(brief(), /no tracks in this workspace yet.*track create/);
  });

  it('shows the active track: goal, progress, last checkpoint and decisions', () => {
    const id = ws.create('OAuth Login').track_id;
    ws.ok(['activate', '--track-id', id]);
    assert.match(brief(), /Last checkpoint: none yet/);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '40']);
    ws.ok(['context', 'add-decision', '--track-id', id, '--text', 'Use PKCE', '--rationale', 'public client']);
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', id, '--name', 'before refactor']);
    const text = brief();
    assert.match(text, new RegExp(`Active track: “OAuth Login” \\(${id}\\) — feature, P2, 40% done\\.`));
    assert.match(text, /Goal: Goal of OAuth Login/);
    assert.match(text, new RegExp(`Last checkpoint: ${checkpoint.snapshot_id} “before refactor” \\(just now\\)`));
    assert.match(text, /Decisions \(1\):\n {2}- Use PKCE \(why: public client\)/);
    assert.doesNotMatch(text, /Interrupted/);
    assert.ok(text.split('\n').length <= 12, 'a few lines');
  });

  it('lists interrupted work with the exact resume command: a dead owner and a stale track', () => {
    const id = ws.create('Big Refactor').track_id;
    ws.ok(['activate', '--track-id', id]);
    const pid = deadPid();
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'refactor', '--total', '4'], { env: { TRACK_OWNER_PID: String(pid) } });
    ws.ok(['run', 'step', '--run-id', run.run_id, '--step', '2'], { env: { TRACK_OWNER_PID: String(pid) } });
    let text = brief();
    assert.match(text, new RegExp(`Workflow run ${run.run_id} \\(refactor, step 2 of 4\\) of track ${id}: its process \\(pid ${pid}\\) is no longer running\\. Resume: track recover resume --run-id ${run.run_id}`));
    assert.doesNotMatch(text, /Track “Big Refactor”.*untouched/, 'the track itself was just touched');

    // Two hours without a write: the track is stale too.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const registry = ws.readIndex();
    registry.tracks[id].updated_at = twoHoursAgo;
    registry.runs[run.run_id].updated_at = twoHoursAgo;
    ws.writeJson(ws.registryFile, registry);
    text = brief();
    assert.match(text, new RegExp(`Track “Big Refactor” \\(${id}\\) is active but untouched since 2 h ago\\. Resume: track recover resume --track-id ${id}`));
    assert.match(text, /Interrupted work \(2\):/);
    // The same rule as `track recover detect`.
    const detected = ws.ok(['recover', 'detect', '--json']);
    assert.equal(detected.count, 2);
  });

  it('never fails: a corrupt registry, a corrupt track, an unknown option', () => {
    const id = ws.create('Fragile').track_id;
    ws.ok(['activate', '--track-id', id]);
    writeFileSync(ws.trackFile(id), '{');
    assert.match(brief(), /track\.json cannot be read; run `track doctor`/);
    writeFileSync(ws.registryFile, 'not json at all');
    assert.match(brief(), /could not be read.*run `track doctor`/);
    assert.match(brief(['--no-such-option']), /Track Manager/);
    assert.match(ws.cli(['brief', '--help']).stdout, /Usage: track brief/);
  });
});
