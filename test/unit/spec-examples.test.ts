import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, runNode, Workspace } from '../helpers/workspace';
import type { Checkpoint, Run, RunSnapshot } from '../../src/core/model/schemas';

/** The examples of seed/track-manager-usage.md, replayed through the real CLI. */
describe('spec examples through the CLI', () => {
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace(); });
  afterEach(() => ws.cleanup());

  it('Example 1: feature development track (create, activate, pause, resume, complete)', () => {
    const created = ws.ok(['create', '--name', 'OAuth Authentication', '--type', 'feature',
      '--goal', 'Add OAuth 2.0 authentication with Google and GitHub providers', '--priority', 'P1']);
    assert.match(created.track_id, /^track-oauth-authentication-\d{13}$/);
    assert.deepEqual(
      { name: created.name, type: created.type, status: created.status, priority: created.priority },
      { name: 'OAuth Authentication', type: 'feature', status: 'draft', priority: 'P1' },
    );
    assert.deepEqual(Object.keys(created).slice(0, 5), ['track_id', 'name', 'type', 'status', 'priority']);
    const id = created.track_id;
    assert.equal(ws.readJson(ws.trackFile(id)).status, 'draft');

    assert.equal(ws.ok(['activate', '--track-id', id]).status, 'active');
    assert.equal(ws.readJson(ws.registryFile).active_track, id, 'registry agrees with track.json after activate');

    const paused = ws.ok(['pause', '--track-id', id, '--reason', 'Waiting for security review']);
    assert.equal(paused.status, 'paused');
    assert.match(paused.checkpoint, /^snap-checkpoint-\d{13}-[0-9a-f]{6}$/);
    // The guide's checkpoint-001.json, with the snapshot's random part added so clones never collide.
    const checkpointFile = path.join(ws.tracksDir, id, 'checkpoints', `checkpoint-001-${paused.checkpoint.slice(-6)}.json`);
    const checkpoint = ws.readJson<Checkpoint>(checkpointFile);
    assert.equal(checkpoint.snapshot_id, paused.checkpoint);
    assert.equal(checkpoint.track_id, id, 'checkpoint is linked to its track');
    assert.equal(checkpoint.state.track.status, 'active');
    assert.equal(ws.readJson(ws.registryFile).active_track, null);

    const resumed = ws.ok(['resume', '--track-id', id]);
    assert.equal(resumed.status, 'active');
    assert.equal(ws.readJson(ws.registryFile).active_track, id);

    const completed = ws.ok(['complete', '--track-id', id]);
    assert.equal(completed.status, 'completed');
    const onDisk = ws.readJson(ws.trackFile(id));
    assert.equal(onDisk.status, 'completed');
    assert.deepEqual(onDisk.status_history.map((h) => h.to), ['draft', 'active', 'paused', 'active', 'completed']);
    assert.equal(onDisk.status_history[2].reason, 'Waiting for security review');
    assert.equal(onDisk.metrics.pause_count, 1);
    assert.equal(ws.readJson(ws.registryFile).active_track, null);
  });

  it('Example 2: switching to a bug fix and back', () => {
    const feature = ws.create('OAuth Authentication').track_id;
    ws.ok(['activate', '--track-id', feature]);
    const active = ws.ok(['get-active']);
    assert.equal(active?.track_id, feature);
    assert.equal(active?.status, 'active');

    const bug = ws.ok(['create', '--name', 'Login Timeout Fix', '--type', 'bugfix',
      '--goal', 'Fix login session timeout after 5 minutes', '--priority', 'P0']).track_id;
    const switched = ws.ok(['switch', '--to', bug]);
    assert.deepEqual(Object.keys(switched), ['suspended', 'activated', 'checkpoint']);
    assert.equal(switched.suspended, feature);
    assert.equal(switched.activated, bug);
    assert.match(switched.checkpoint ?? '', /^snap-checkpoint-\d{13}-[0-9a-f]{6}$/);
    assert.equal(ws.readJson(ws.trackFile(feature)).status, 'paused');
    assert.equal(ws.readJson(ws.trackFile(feature)).last_checkpoint, switched.checkpoint);
    assert.equal(ws.readJson(ws.trackFile(bug)).status, 'active');

    assert.equal(ws.ok(['complete', '--track-id', bug]).status, 'completed');
    assert.equal(ws.ok(['get-active']), null, 'no active track after completing');

    const back = ws.ok(['switch', '--to', feature]);
    assert.deepEqual(back, { suspended: null, activated: feature, checkpoint: null });
    assert.equal(ws.ok(['get-active'])?.track_id, feature);
  });

  it('Example 3: detecting and recovering interrupted sessions', () => {
    const id = ws.create('OAuth Authentication').track_id;
    ws.ok(['activate', '--track-id', id]);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '45']);
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', id, '--reason', 'before risky refactor']);
    ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', '60']);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'greenfield-fullstack.yaml']);
    let autoSnapshot = '';
    for (let step = 1; step <= 7; step += 1) {
      autoSnapshot = ws.ok(['run', 'step', '--run-id', run.run_id, '--step', String(step), '--state', JSON.stringify({ step, done: `step ${step}` })]).snapshot;
    }

    const detect = ws.cli(['recover', 'detect', '--stale-after', '0']);
    assert.equal(detect.code, 0, detect.stderr);
    const lines = detect.stdout.split('\n');
    assert.equal(lines[0], 'Detected 2 interrupted session(s):');
    assert.equal(lines[1], '');
    assert.ok(detect.stdout.includes(`- Track: OAuth Authentication (${id})\n  Status: active\n  Progress: 60%\n  Last Updated: `));
    assert.ok(detect.stdout.includes(`- Workflow Run: ${run.run_id}\n  Status: in_progress\n  Workflow: greenfield-fullstack.yaml\n  Current Step: 7\n  Last Updated: `));
    assert.match(detect.stdout, /Last Updated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(0 minutes ago\)/);

    const detectJson = ws.ok(['recover', 'detect', '--stale-after', '0', '--json']);
    assert.equal(detectJson.count, 2);

    const recoveredTrack = ws.ok(['recover', 'resume', '--track-id', id]);
    assert.deepEqual(
      { success: recoveredTrack.success, track_id: recoveredTrack.track_id, track_name: recoveredTrack.track_name, progress_percentage: recoveredTrack.progress_percentage, checkpoint_restored: recoveredTrack.checkpoint_restored },
      { success: true, track_id: id, track_name: 'OAuth Authentication', progress_percentage: 45, checkpoint_restored: checkpoint.snapshot_id },
    );
    assert.equal(ws.readJson(ws.trackFile(id)).progress.percentage, 45, 'recovery really restored the track');

    // The agent got half-way through step 8 (run.json says so) when the machine crashed.
    const runFile = path.join(ws.tracksDir, id, 'workflows', run.run_id, 'run.json');
    ws.writeJson(runFile, { ...ws.readJson<Run>(runFile), current_step: 8, state: { half: 'written' } });
    const recoveredRun = ws.ok(['recover', 'resume', '--run-id', run.run_id]);
    assert.deepEqual(Object.keys(recoveredRun).slice(0, 5), ['success', 'run_id', 'resumed_from_step', 'snapshot_used', 'snapshot_created_at']);
    assert.equal(recoveredRun.success, true);
    assert.equal(recoveredRun.run_id, run.run_id);
    assert.equal(recoveredRun.resumed_from_step, 7);
    assert.equal(recoveredRun.snapshot_used, autoSnapshot);
    assert.match(recoveredRun.snapshot_used, /^snap-auto-\d{13}-[0-9a-f]{6}$/);
    assert.match(recoveredRun.snapshot_created_at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(recoveredRun.state, { step: 7, done: 'step 7' });
    const runAfter = ws.readJson<Run>(runFile);
    assert.equal(runAfter.current_step, 7);
    assert.deepEqual(runAfter.state, { step: 7, done: 'step 7' });
    // Nothing is lost: the half-written state was saved as a recovery snapshot first.
    const saved = ws.ok(['snapshot', 'list', '--run-id', run.run_id]).find((s) => s.snapshot_id === recoveredRun.snapshot_saved);
    assert.equal(saved?.type, 'recovery');
    assert.deepEqual(ws.readJson<RunSnapshot>(path.join(ws.dir, saved.file)).state.run.state, { half: 'written' });
  });

  it('Example 4: registry operations (list by status and type, stats, update)', () => {
    const ids = {
      oauth: ws.ok(['create', '--name', 'OAuth Authentication', '--type', 'feature', '--goal', 'g', '--priority', 'P1']).track_id,
      dash: ws.ok(['create', '--name', 'User Dashboard', '--type', 'feature', '--goal', 'g', '--priority', 'P2']).track_id,
      search: ws.ok(['create', '--name', 'Search Feature', '--type', 'feature', '--goal', 'g', '--priority', 'P2']).track_id,
      bug: ws.ok(['create', '--name', 'Login Timeout Fix', '--type', 'bugfix', '--goal', 'g', '--priority', 'P0']).track_id,
      refactor: ws.ok(['create', '--name', 'Session Store Refactor', '--type', 'refactor', '--goal', 'g', '--priority', 'P1']).track_id,
    };
    for (const id of [ids.dash, ids.search]) { ws.ok(['switch', '--to', id]); }
    ws.ok(['switch', '--to', ids.bug]);
    ws.ok(['complete', '--track-id', ids.bug]);
    ws.ok(['switch', '--to', ids.refactor]);
    ws.ok(['complete', '--track-id', ids.refactor]);
    ws.ok(['switch', '--to', ids.oauth]);

    const active = ws.ok(['list', '--status', 'active']);
    assert.deepEqual(active.map((t) => t.track_id), [ids.oauth]);
    const features = ws.ok(['list', '--type', 'feature']);
    assert.deepEqual(features.map((t) => t.track_id).sort(), [ids.oauth, ids.dash, ids.search].sort());

    const stats = ws.ok(['stats']);
    assert.deepEqual(
      {
        total_tracks: stats.total_tracks, active_count: stats.active_count, paused_count: stats.paused_count,
        completed_count: stats.completed_count, failed_count: stats.failed_count, by_type: stats.by_type,
        by_priority: stats.by_priority, active_track: stats.active_track,
      },
      {
        total_tracks: 5, active_count: 1, paused_count: 2, completed_count: 2, failed_count: 0,
        by_type: { feature: 3, bugfix: 1, refactor: 1 }, by_priority: { P0: 1, P1: 2, P2: 2 }, active_track: ids.oauth,
      },
    );

    const updated = ws.ok(['update', '--track-id', ids.oauth, '--field', 'priority', '--value', 'P0']);
    assert.equal(updated.priority, 'P0');
    assert.equal(ws.readJson(ws.trackFile(ids.oauth)).priority, 'P0');
    assert.deepEqual(ws.ok(['stats']).by_priority, { P0: 2, P1: 1, P2: 2 });
  });

  for (const flavour of ['esm', 'commonjs'] as const) {
    it(`Example 5: programmatic track management (${flavour}), store found from the working directory`, async () => {
      mkdirSync(path.join(ws.dir, 'node_modules'), { recursive: true });
      symlinkSync(PROJECT_ROOT, path.join(ws.dir, 'node_modules', 'track-manager'), 'dir');
      mkdirSync(path.join(ws.conductor), { recursive: true });
      const imports = flavour === 'esm'
        ? `import { createTrack, activateTrack, suspendTrack, resumeTrack, completeTrack, switchTrack, TrackRegistry, getActiveTrack } from 'track-manager';`
        : `const { createTrack, activateTrack, suspendTrack, resumeTrack, completeTrack, switchTrack, TrackRegistry, getActiveTrack } = require('track-manager');`;
      const body = `
const track = await createTrack({
  name: 'User Dashboard',
  type: 'feature',
  goal: 'Implement user dashboard with analytics widgets',
  priority: 'P1',
  successCriteria: ['Dashboard loads in <2 seconds', 'All widgets display accurate data', 'Mobile responsive design'],
});
console.log(\`Created track: \${track.track_id}\`);
await activateTrack(track.track_id);
const { checkpoint } = await suspendTrack(track.track_id, 'Design review pending');
console.log(\`Created checkpoint: \${checkpoint.snapshot_id}\`);
await resumeTrack(track.track_id);
await completeTrack(track.track_id, {
  artifactsCreated: ['dashboard-component.tsx', 'analytics-widget.tsx', 'dashboard-tests.spec.ts'],
  filesModified: ['routes.tsx', 'app.tsx'],
  summary: 'User dashboard completed with 5 analytics widgets. Performance optimized.',
  lessonsLearned: ['Widget lazy loading reduced initial load time by 40%', 'React.memo() prevented unnecessary re-renders'],
});
console.log('Track completed successfully');
const registry = new TrackRegistry();
const activeTrack = await getActiveTrack();
console.log(\`Active track: \${activeTrack?.name || 'None'}\`);
const pausedTracks = await registry.listTracks({ status: 'paused' });
console.log(\`Paused tracks: \${pausedTracks.length}\`);
const stats = await registry.getStats();
console.log(\`Total tracks: \${stats.total_tracks}\`);
console.log(\`Completed: \${stats.completed_count}\`);
void switchTrack;`;
      const file = path.join(ws.dir, 'src', flavour === 'esm' ? 'example.mjs' : 'example.cjs');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, flavour === 'esm' ? `${imports}\n${body}\n` : `${imports}\n(async () => {${body}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
      // Run from a subfolder: the store is found in the ancestor, not next to the script.
      const result = await runNode([file], { cwd: path.join(ws.dir, 'src'), env: { TRACK_MANAGER_ROOT: '' } });
      assert.equal(result.code, 0, result.stderr);
      const out = result.stdout.trim().split('\n');
      assert.match(out[0], /^Created track: track-user-dashboard-\d{13}$/);
      assert.match(out[1], /^Created checkpoint: snap-checkpoint-\d{13}-[0-9a-f]{6}$/);
      assert.deepEqual(out.slice(2), ['Track completed successfully', 'Active track: None', 'Paused tracks: 0', 'Total tracks: 1', 'Completed: 1']);
      const trackId = out[0].split(': ')[1];
      const onDisk = ws.readJson(ws.trackFile(trackId));
      assert.equal(onDisk.outcomes?.summary, 'User dashboard completed with 5 analytics widgets. Performance optimized.');
      assert.deepEqual(onDisk.outcomes?.files_modified, ['routes.tsx', 'app.tsx']);
      assert.deepEqual(onDisk.context.success_criteria.length, 3);
      assert.ok(!existsSync(path.join(ws.dir, 'src', '.claude')), 'no store created beside the script');
      const types = path.join(PROJECT_ROOT, 'dist', 'types', 'core', 'index.d.ts');
      assert.match(readFileSync(types, 'utf8'), /createTrack/, 'type declarations ship with the library');
    });
  }

  it('Example 6: the directory structure of a track with several workflows', () => {
    const id = ws.ok(['create', '--name', 'User Dashboard', '--type', 'feature', '--goal', 'g', '--ready']).track_id;
    ws.ok(['activate', '--track-id', id]);
    for (const [i, workflow] of ['architecture', 'implementation', 'testing'].entries()) {
      const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', workflow]);
      assert.equal(run.run_id, `run-00${i + 1}-${workflow}`);
      ws.ok(['run', 'step', '--run-id', run.run_id, '--step', '1']);
      ws.ok(['run', 'complete', '--run-id', run.run_id]);
      if (i < 2) ws.ok(['checkpoint', 'create', '--track-id', id, '--name', `Before ${workflow}`]);
    }
    for (const name of ['project-brief.json', 'system-architecture.json', 'prd.json']) {
      ws.ok(['context', 'add-artifact', '--track-id', id, '--name', name, '--content', '{}']);
    }
    const trackDir = path.join(ws.tracksDir, id);
    const listing = (dir: string) => readdirSync(path.join(trackDir, dir)).sort();
    assert.ok(existsSync(path.join(trackDir, 'track.json')));
    assert.deepEqual(listing('context'), ['artifacts', 'assumptions.json', 'decisions.json']);
    assert.deepEqual(listing('context/artifacts'), ['prd.json', 'project-brief.json', 'system-architecture.json']);
    assert.deepEqual(listing('workflows'), ['run-001-architecture', 'run-002-implementation', 'run-003-testing']);
    for (const run of listing('workflows')) {
      assert.deepEqual(listing(`workflows/${run}`), ['artifacts', 'reasoning', 'run.json', 'snapshots']);
    }
    assert.deepEqual(listing('checkpoints').map((name) => name.replace(/-[0-9a-f]{6}\.json$/, '.json')), ['checkpoint-001.json', 'checkpoint-002.json']);
  });

  it('Example 7: track context isolation', () => {
    const one = ws.create('OAuth Authentication').track_id;
    const two = ws.create('User Dashboard').track_id;
    ws.ok(['context', 'add-artifact', '--track-id', one, '--name', 'oauth-config.json', '--content', '{"a":1}']);
    ws.ok(['context', 'add-artifact', '--track-id', two, '--name', 'dashboard-config.json', '--content', '{"b":2}']);
    ws.ok(['context', 'add-decision', '--track-id', one, '--text', 'Use PKCE', '--rationale', 'public clients']);
    ws.ok(['context', 'add-assumption', '--track-id', two, '--text', 'Widgets are read-only']);
    const showOne = ws.ok(['show', '--track-id', one]);
    const showTwo = ws.ok(['show', '--track-id', two]);
    assert.deepEqual(showOne.artifacts.map((a) => a.name), ['oauth-config.json']);
    assert.deepEqual(showTwo.artifacts.map((a) => a.name), ['dashboard-config.json']);
    assert.deepEqual(showOne.decisions.map((d) => d.text), ['Use PKCE']);
    assert.deepEqual(showTwo.decisions, []);
    assert.deepEqual(showTwo.assumptions.map((d) => d.text), ['Widgets are read-only']);
    assert.deepEqual(showOne.assumptions, []);
    for (const name of ['../escape.json', '../../x', '/etc/passwd', 'a/b.json', '..', '.hidden']) {
      const result = ws.cli(['context', 'add-artifact', '--track-id', one, '--name', name, '--content', 'x']);
      assert.equal(result.code, 3, `${name}: ${result.stderr}`);
    }
    assert.ok(!existsSync(path.join(ws.tracksDir, one, 'context', 'escape.json')));
  });

  it('Troubleshooting: the spec\'s error messages', () => {
    const a = ws.create('Track Alpha').track_id;
    const b = ws.create('Track Beta').track_id;
    ws.ok(['activate', '--track-id', a]);
    const another = ws.cli(['activate', '--track-id', b]);
    assert.equal(another.code, 5);
    assert.match(another.stderr, /Cannot activate track - another track is active/);
    assert.match(another.stderr, new RegExp(`track switch --to ${b}`));
    const missing = ws.cli(['show', '--track-id', 'track-nope-1']);
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /Track not found: track-nope-1\. List tracks to verify the id: `track list`/);
  });
});
