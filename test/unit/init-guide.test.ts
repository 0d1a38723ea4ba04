import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { parseJson, runNode, Workspace } from '../helpers/workspace';
import type { GUIDE_SCRIPTS } from '../../src/cli/guide-scripts';
import type { Run } from '../../src/core/model/schemas';
import type { CliOutput, CliOutputs } from '../helpers/cli-output';

/**
 * The usage guide's command lines, copied from seed/track-manager-usage.md character for character,
 * run by a shell in a workspace set up with `track init` (no node_modules anywhere above it). Only
 * the example ids are replaced by the ones the commands printed.
 */
const GUIDE = {
  ex1: [
    `node .claude/skills/track-manager/manager.mjs create \\
  --name "OAuth Authentication" \\
  --type feature \\
  --goal "Add OAuth 2.0 authentication with Google and GitHub providers" \\
  --priority P1`,
    `node .claude/skills/track-manager/manager.mjs activate \\
  --track-id track-oauth-authentication-1736899200000`,
    `node .claude/skills/track-manager/manager.mjs pause \\
  --track-id track-oauth-authentication-1736899200000 \\
  --reason "Waiting for security review"`,
    `node .claude/skills/track-manager/manager.mjs resume \\
  --track-id track-oauth-authentication-1736899200000`,
    `node .claude/skills/track-manager/manager.mjs complete \\
  --track-id track-oauth-authentication-1736899200000`,
  ],
  ex2: [
    'node .claude/skills/track-manager/registry.mjs get-active',
    `node .claude/skills/track-manager/manager.mjs create \\
  --name "Login Timeout Fix" \\
  --type bugfix \\
  --goal "Fix login session timeout after 5 minutes" \\
  --priority P0`,
    `node .claude/skills/track-manager/manager.mjs switch \\
  --to track-login-timeout-fix-1736899300000`,
    `node .claude/skills/track-manager/manager.mjs complete \\
  --track-id track-login-timeout-fix-1736899300000`,
    `node .claude/skills/track-manager/manager.mjs switch \\
  --to track-oauth-authentication-1736899200000`,
  ],
  ex3: [
    'node .claude/tools/session-recovery.mjs detect',
    `node .claude/tools/session-recovery.mjs resume \\
  --track-id track-oauth-authentication-1736899200000`,
    `node .claude/tools/session-recovery.mjs resume \\
  --run-id greenfield-fullstack-xyz123`,
  ],
  ex4: [
    'node .claude/skills/track-manager/registry.mjs list --status active',
    'node .claude/skills/track-manager/registry.mjs list --type feature',
    'node .claude/skills/track-manager/registry.mjs stats',
    `node .claude/skills/track-manager/registry.mjs update \\
  --track-id track-oauth-authentication-1736899200000 \\
  --field priority \\
  --value P0`,
  ],
  troubleshooting: [
    'node .claude/skills/track-manager/manager.mjs switch --to <track-id>',
    'node .claude/skills/track-manager/registry.mjs list',
  ],
  prune: 'node .claude/tools/snapshot-manager.mjs prune --keep-count 10',
  example5: `import {
  createTrack,
  activateTrack,
  suspendTrack,
  resumeTrack,
  completeTrack,
  switchTrack,
} from './.claude/skills/track-manager/manager.mjs';
import { TrackRegistry, getActiveTrack } from './.claude/skills/track-manager/registry.mjs';

// Create a new feature track
const track = await createTrack({
  name: 'User Dashboard',
  type: 'feature',
  goal: 'Implement user dashboard with analytics widgets',
  priority: 'P1',
  successCriteria: [
    'Dashboard loads in <2 seconds',
    'All widgets display accurate data',
    'Mobile responsive design',
  ],
});

console.log(\`Created track: \${track.track_id}\`);

// Activate the track
await activateTrack(track.track_id);

// Work on the feature...
// (Execute workflows within track context)

// Pause for review
const { checkpoint } = await suspendTrack(track.track_id, 'Design review pending');
console.log(\`Created checkpoint: \${checkpoint.snapshot_id}\`);

// Resume after review
await resumeTrack(track.track_id);

// Complete the track
await completeTrack(track.track_id, {
  artifactsCreated: ['dashboard-component.tsx', 'analytics-widget.tsx', 'dashboard-tests.spec.ts'],
  filesModified: ['routes.tsx', 'app.tsx'],
  summary: 'User dashboard completed with 5 analytics widgets. Performance optimized.',
  lessonsLearned: [
    'Widget lazy loading reduced initial load time by 40%',
    'React.memo() prevented unnecessary re-renders',
  ],
});

console.log('Track completed successfully');

// Query tracks via registry
const registry = new TrackRegistry();

// Get active track
const activeTrack = await getActiveTrack();
console.log(\`Active track: \${activeTrack?.name || 'None'}\`);

// List paused tracks
const pausedTracks = await registry.listTracks({ status: 'paused' });
console.log(\`Paused tracks: \${pausedTracks.length}\`);

// Get registry statistics
const stats = await registry.getStats();
console.log(\`Total tracks: \${stats.total_tracks}\`);
console.log(\`Completed: \${stats.completed_count}\`);
`,
} as const;

const GUIDE_IDS = {
  oauth: 'track-oauth-authentication-1736899200000',
  bug: 'track-login-timeout-fix-1736899300000',
  run: 'greenfield-fullstack-xyz123',
  placeholder: '<track-id>',
};

type Scripts = typeof GUIDE_SCRIPTS;
/** The script a command line runs: the one whose file its path ends with (quoted or not). */
type ScriptOf<File extends string> = { [K in keyof Scripts]: File extends `${string}${Scripts[K]['file']}${'' | '"'}` ? K : never }[keyof Scripts];
type FirstWord<S extends string> = S extends `${infer Word} ${string}` ? Word : S;
type Words<S extends string> = S extends `${infer Word} ${infer More}` ? [Word, ...Words<More>] : [S];
/**
 * What a guide script's command line prints: the output of the `track` command it maps to
 * (GUIDE_SCRIPTS), e.g. `node .claude/tools/session-recovery.mjs resume --run-id X` → `recover resume --run-id`.
 */
type GuideOutput<Line extends string> =
  Line extends `node ${infer File} ${infer Rest}`
    ? [ScriptOf<File>] extends [never] ? unknown
      : ScriptOf<File> extends infer Script extends keyof Scripts
        ? FirstWord<Rest> extends infer Command extends keyof Scripts[Script]['commands']
          ? Scripts[Script]['commands'][Command] extends infer Mapped extends string
            ? CliOutput<[...Words<Mapped>, ...(Rest extends `${string}--run-id${string}` ? ['--run-id'] : [])]>
            : unknown
          : unknown
        : unknown
    : unknown;

/** A workspace after `track init`, where the guide's lines run through a shell. */
class GuideWorkspace extends Workspace {
  readonly ids: Partial<Record<keyof typeof GUIDE_IDS, string>> = {};

  constructor() {
    super('track-guide-');
    const init = this.cli(['init']);
    assert.equal(init.code, 0, init.stderr);
  }

  /** Runs one of the guide's command lines as written, with the example ids replaced by real ones. */
  sh(line: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { code: number; stdout: string; stderr: string; json: unknown } {
    let command = line;
    for (const [key, guideId] of Object.entries(GUIDE_IDS)) {
      const real = this.ids[key as keyof typeof GUIDE_IDS];
      if (real) command = command.split(guideId).join(real);
    }
    const result = spawnSync('/bin/sh', ['-c', command], {
      cwd: options.cwd ?? this.dir,
      env: { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: '', ...options.env },
      encoding: 'utf8',
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, json: parseJson(result.stdout) };
  }

  override ok<const A extends readonly string[]>(args: A, options?: { cwd?: string; env?: NodeJS.ProcessEnv }): CliOutput<A>;
  /** A guide's command line, run by a shell: typed as the `track` command it maps to prints. */
  override ok<const L extends string>(line: L, options?: { cwd?: string; env?: NodeJS.ProcessEnv }): GuideOutput<L>;
  override ok(line: string | readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): unknown {
    if (typeof line !== 'string') return super.ok(line, options);
    const result = this.sh(line, options);
    if (result.code !== 0) throw new Error(`${line} exited ${result.code}: ${result.stderr}`);
    return result.json;
  }

  /** The state of a crash `minutes` ago: the track and its runs were last touched then. */
  backdate(trackId: string, minutes: number): string {
    const at = new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const track = this.readJson(this.trackFile(trackId));
    this.writeJson(this.trackFile(trackId), { ...track, updated_at: at });
    const registry = this.readIndex();
    registry.tracks[trackId].updated_at = at;
    for (const [runId, run] of Object.entries(registry.runs ?? {})) {
      if (run.track_id !== trackId) continue;
      run.updated_at = at;
      const runFile = path.join(this.tracksDir, trackId, 'workflows', runId, 'run.json');
      this.writeJson(runFile, { ...this.readJson<Run>(runFile), updated_at: at, heartbeat_at: at });
    }
    this.writeJson(this.registryFile, registry);
    return at;
  }
}

describe("the usage guide's command lines, verbatim, after track init", function () {
  this.timeout(120_000);
  let ws: GuideWorkspace;
  beforeEach(() => { ws = new GuideWorkspace(); });
  afterEach(() => ws.cleanup());

  it('the workspace needs no node_modules: the scripts load one runtime file that carries its version', () => {
    for (let dir = ws.dir; path.dirname(dir) !== dir; dir = path.dirname(dir)) assert.ok(!existsSync(path.join(dir, 'node_modules')), dir);
    const runtime = path.join(ws.dir, '.claude/skills/track-manager/track-manager-runtime.cjs');
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    const loaded = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(runtime)}).VERSION`], { encoding: 'utf8' });
    assert.equal(loaded.stdout.trim(), version);
  });

  it('Example 1: create, activate, pause (with a checkpoint), resume, complete', () => {
    const created = ws.ok(GUIDE.ex1[0]);
    assert.match(created.track_id, /^track-oauth-authentication-\d{13}$/);
    assert.deepEqual(
      { name: created.name, type: created.type, status: created.status, priority: created.priority },
      { name: 'OAuth Authentication', type: 'feature', status: 'draft', priority: 'P1' },
    );
    assert.deepEqual(Object.keys(created).slice(0, 5), ['track_id', 'name', 'type', 'status', 'priority']);
    ws.ids.oauth = created.track_id;
    assert.equal(ws.ok(GUIDE.ex1[1]).status, 'active');
    const paused = ws.ok(GUIDE.ex1[2]);
    assert.equal(paused.status, 'paused');
    assert.match(paused.checkpoint, /^snap-checkpoint-\d{13}-[0-9a-f]{6}$/, 'Creates checkpoint automatically');
    assert.ok(existsSync(path.join(ws.tracksDir, created.track_id, 'checkpoints', `checkpoint-001-${paused.checkpoint.slice(-6)}.json`)));
    assert.equal(ws.ok(GUIDE.ex1[3]).status, 'active');
    assert.equal(ws.ok(GUIDE.ex1[4]).status, 'completed');
    assert.equal(ws.readJson(ws.trackFile(created.track_id)).status, 'completed');
  });

  it('Example 2: get-active, create the bug fix, switch (suspends the feature), complete, switch back', () => {
    ws.ids.oauth = ws.ok(GUIDE.ex1[0]).track_id;
    ws.ok(GUIDE.ex1[1]);
    const active = ws.ok(GUIDE.ex2[0]);
    assert.deepEqual({ track_id: active?.track_id, name: active?.name, status: active?.status }, { track_id: ws.ids.oauth, name: 'OAuth Authentication', status: 'active' });
    const bug = ws.ok(GUIDE.ex2[1]);
    assert.match(bug.track_id, /^track-login-timeout-fix-\d{13}$/);
    assert.equal(bug.priority, 'P0');
    ws.ids.bug = bug.track_id;
    const switched = ws.ok(GUIDE.ex2[2]);
    assert.deepEqual(Object.keys(switched), ['suspended', 'activated', 'checkpoint']);
    assert.equal(switched.suspended, ws.ids.oauth);
    assert.equal(switched.activated, ws.ids.bug);
    assert.match(switched.checkpoint ?? '', /^snap-checkpoint-\d{13}-[0-9a-f]{6}$/);
    assert.equal(ws.ok(GUIDE.ex2[3]).status, 'completed');
    const back = ws.ok(GUIDE.ex2[4]);
    assert.equal(back.activated, ws.ids.oauth);
    assert.equal(ws.ok(GUIDE.ex2[0])?.track_id, ws.ids.oauth);
  });

  it('Example 3: detect prints the report; resume a track and a run print the guide\'s JSON', async () => {
    ws.ids.oauth = ws.ok(GUIDE.ex1[0]).track_id;
    ws.ok(GUIDE.ex1[1]);
    ws.ok(`node .claude/skills/track-manager/registry.mjs update --track-id ${ws.ids.oauth} --field progress --value 45`);
    const checkpoint = ws.ok(`node .claude/tools/snapshot-manager.mjs create --track-id ${ws.ids.oauth} --reason "before the risky part"`);
    ws.ok(`node .claude/skills/track-manager/registry.mjs update --track-id ${ws.ids.oauth} --field progress --value 60`);
    const run = ws.ok(`node .claude/tools/run-manager.mjs start --track-id ${ws.ids.oauth} --workflow greenfield-fullstack.yaml`);
    ws.ids.run = run.run_id;
    const store = new TrackStore({ root: ws.dir });
    for (let step = 1; step <= 6; step += 1) await store.recordRunStep(run.run_id, { step, state: { step } });
    const autoSnapshot = ws.ok(`node .claude/tools/run-manager.mjs step --run-id ${run.run_id} --step 7 --state '{"step":7}'`).snapshot;
    ws.backdate(ws.ids.oauth, 35);

    const detect = ws.sh(GUIDE.ex3[0]);
    assert.equal(detect.code, 0, detect.stderr);
    assert.equal(detect.stdout.split('\n')[0], 'Detected 2 interrupted session(s):');
    assert.ok(detect.stdout.includes(`- Track: OAuth Authentication (${ws.ids.oauth})\n  Status: active\n  Progress: 60%\n  Last Updated: `), detect.stdout);
    assert.ok(detect.stdout.includes(`- Workflow Run: ${run.run_id}\n  Status: in_progress\n  Workflow: greenfield-fullstack.yaml\n  Current Step: 7\n  Last Updated: `), detect.stdout);
    assert.match(detect.stdout, /Last Updated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(3[5-6] minutes ago\)/);

    const track = ws.ok(GUIDE.ex3[1]);
    assert.deepEqual(
      { success: track.success, track_id: track.track_id, track_name: track.track_name, progress_percentage: track.progress_percentage, checkpoint_restored: track.checkpoint_restored },
      { success: true, track_id: ws.ids.oauth, track_name: 'OAuth Authentication', progress_percentage: 45, checkpoint_restored: checkpoint.snapshot_id },
    );
    assert.deepEqual(Object.keys(track).slice(0, 5), ['success', 'track_id', 'track_name', 'progress_percentage', 'checkpoint_restored']);

    const resumed = ws.ok(GUIDE.ex3[2]);
    assert.deepEqual(Object.keys(resumed).slice(0, 6), ['success', 'run_id', 'resumed_from_step', 'snapshot_used', 'snapshot_created_at', 'state']);
    assert.equal(resumed.success, true);
    assert.equal(resumed.run_id, run.run_id);
    assert.equal(resumed.resumed_from_step, 7);
    assert.equal(resumed.snapshot_used, autoSnapshot);
    assert.match(resumed.snapshot_created_at, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(resumed.state, { step: 7 });
  });

  it('Example 4: list by status and type, stats, update', async () => {
    // The five tracks of the guide's stats output, made in-process (the commands under test follow).
    const store = new TrackStore({ root: ws.dir });
    const create = async (name: string, type: 'feature' | 'bugfix' | 'refactor', priority: 'P0' | 'P1' | 'P2') => (await store.createTrack({ name, type, goal: 'g', priority })).track_id;
    const oauth = await create('OAuth Authentication', 'feature', 'P1');
    const dash = await create('User Dashboard', 'feature', 'P2');
    const search = await create('Search Feature', 'feature', 'P2');
    const bug = await create('Login Timeout Fix', 'bugfix', 'P0');
    const refactor = await create('Session Store Refactor', 'refactor', 'P1');
    ws.ids.oauth = oauth;
    for (const id of [dash, search, bug]) await store.switchTrack(id);
    await store.completeTrack(bug);
    await store.switchTrack(refactor);
    await store.completeTrack(refactor);
    await store.switchTrack(oauth);

    assert.deepEqual(ws.ok(GUIDE.ex4[0]).map((t) => t.track_id), [oauth]);
    assert.deepEqual(ws.ok(GUIDE.ex4[1]).map((t) => t.track_id).sort(), [oauth, dash, search].sort());
    const stats = ws.ok(GUIDE.ex4[2]);
    assert.deepEqual(
      {
        total_tracks: stats.total_tracks, active_count: stats.active_count, paused_count: stats.paused_count,
        completed_count: stats.completed_count, failed_count: stats.failed_count, by_type: stats.by_type,
        by_priority: stats.by_priority, active_track: stats.active_track,
      },
      {
        total_tracks: 5, active_count: 1, paused_count: 2, completed_count: 2, failed_count: 0,
        by_type: { feature: 3, bugfix: 1, refactor: 1 }, by_priority: { P0: 1, P1: 2, P2: 2 }, active_track: oauth,
      },
    );
    assert.equal(ws.ok(GUIDE.ex4[3]).priority, 'P0');
    assert.equal(ws.readJson(ws.trackFile(oauth)).priority, 'P0');
  });

  it("Example 5: the guide's code, as written, imports the functions from the installed scripts", async () => {
    const file = path.join(ws.dir, 'example.mjs');
    writeFileSync(file, GUIDE.example5);
    const expectOutput = (stdout: string, total: number) => {
      const out = stdout.trim().split('\n');
      assert.match(out[0], /^Created track: track-user-dashboard-\d{13}$/);
      assert.match(out[1], /^Created checkpoint: snap-checkpoint-\d{13}-[0-9a-f]{6}$/);
      assert.deepEqual(out.slice(2), ['Track completed successfully', 'Active track: None', 'Paused tracks: 0', `Total tracks: ${total}`, `Completed: ${total}`]);
      return out[0].split(': ')[1];
    };
    const first = await runNode([file], { cwd: ws.dir, env: { TRACK_MANAGER_ROOT: '' } });
    assert.equal(first.code, 0, first.stderr);
    const id = expectOutput(first.stdout, 1);
    const onDisk = ws.readJson(ws.trackFile(id));
    assert.equal(onDisk.outcomes?.summary, 'User dashboard completed with 5 analytics widgets. Performance optimized.');
    assert.deepEqual(onDisk.context.success_criteria.length, 3);

    // From any other working directory (even one with its own store) the store is the scripts' workspace.
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'track-elsewhere-'));
    try {
      const second = await runNode([file], { cwd: elsewhere, env: { TRACK_MANAGER_ROOT: elsewhere } });
      assert.equal(second.code, 0, second.stderr);
      expectOutput(second.stdout, 2);
      assert.ok(!existsSync(path.join(elsewhere, '.claude')), 'nothing written where the script was run from');
      const listed = ws.ok('node "$PWD/.claude/skills/track-manager/registry.mjs" list', { cwd: ws.dir });
      assert.equal(listed.length, 2);
      const fromElsewhere = ws.sh(`node ${JSON.stringify(path.join(ws.dir, '.claude/skills/track-manager/registry.mjs'))} list`, { cwd: elsewhere, env: { TRACK_MANAGER_ROOT: elsewhere } });
      assert.equal(fromElsewhere.code, 0, fromElsewhere.stderr);
      assert.equal(parseJson<CliOutputs['list']>(fromElsewhere.stdout)?.length, 2);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('Troubleshooting: "another track is active" → switch --to; "Track not found" → registry list; prune --keep-count 10', async () => {
    const a = ws.ok(GUIDE.ex1[0]).track_id;
    ws.ids.oauth = a;
    ws.ok(GUIDE.ex1[1]);
    const b = ws.ok(GUIDE.ex2[1]).track_id;
    const refused = ws.sh(`node .claude/skills/track-manager/manager.mjs activate --track-id ${b}`);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, /Cannot activate track - another track is active/);
    ws.ids.placeholder = b;
    const switched = ws.ok(GUIDE.troubleshooting[0]);
    assert.deepEqual([switched.suspended, switched.activated], [a, b]);
    const missing = ws.sh('node .claude/skills/track-manager/manager.mjs activate --track-id track-nope-1');
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /Track not found: track-nope-1/);
    assert.deepEqual(ws.ok(GUIDE.troubleshooting[1]).map((t) => t.track_id).sort(), [a, b].sort());

    const store = new TrackStore({ root: ws.dir });
    for (let i = 0; i < 11; i += 1) await store.createCheckpoint(b, { name: `cp ${i}` });
    ws.ok(`node .claude/tools/snapshot-manager.mjs create --track-id ${b} --name "cp 11"`);
    const pruned = ws.ok(GUIDE.prune);
    assert.equal(pruned.removed_count, 2, JSON.stringify(pruned));
    assert.equal(ws.ok(`node .claude/tools/snapshot-manager.mjs list --track-id ${b}`).length, 10);
  });

  it('each script refuses commands that are not its own, with exit code 2, and explains itself with --help', () => {
    const wrong = ws.sh('node .claude/tools/session-recovery.mjs create --name x');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown command "create"\. Commands: detect, resume\./);
    const help = ws.sh('node .claude/skills/track-manager/registry.mjs --help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /get-active +track get-active/);
    const bad = ws.sh('node .claude/skills/track-manager/manager.mjs create --name "x" --type nope --goal g');
    assert.equal(bad.code, 3);
  });
});
