import * as assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { UPGRADES, upgradeDocument } from '../../src/core/model/format-upgrade';
import { SCHEMA_VERSION, type ContextEntry, type Track } from '../../src/core/model/schemas';
import { copyOriginStore, filesUnder, missingFields, ORIGIN_RUN, ORIGIN_STORE, ORIGIN_TRACKS } from '../helpers/origin-store';
import { PROJECT_ROOT, runNode, Workspace } from '../helpers/workspace';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, loaded by path at run time
const library = () => require(path.join(PROJECT_ROOT, 'dist', 'index.js')) as typeof import('../../src/core/index');
const originConductor = path.join(ORIGIN_STORE, '.claude', 'conductor');
/** A document of the original store; `T` is what the test knows it holds. */
const originJson = <T = Record<string, unknown>>(relative: string) => JSON.parse(readFileSync(path.join(originConductor, relative), 'utf8')) as T;
const trackRel = (id: string, file = 'track.json') => path.join('tracks', id, file);

describe('stores written by the original track-manager', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let cacheHome: Workspace;
  const savedCacheHome = process.env.XDG_CACHE_HOME;
  before(() => {
    // Readers cache what they learnt from the original's track files in the user's cache folder.
    cacheHome = new Workspace('track-cache-');
    process.env.XDG_CACHE_HOME = cacheHome.dir;
  });
  after(() => {
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    cacheHome.cleanup();
  });
  beforeEach(() => {
    ws = new Workspace('track-origin-');
    copyOriginStore(ws.dir);
  });
  afterEach(() => ws.cleanup());

  it('lists, shows and counts their tracks with names, statuses and progress, and reads write nothing', () => {
    const before = filesUnder(path.join(ws.dir, '.claude'));
    const list = ws.cli(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stderr, '', 'no warning: nothing of theirs is corrupt');
    const byId = Object.fromEntries(list.json.map((t) => [t.track_id, t]));
    assert.deepEqual(Object.keys(byId).sort(), Object.values(ORIGIN_TRACKS).sort());
    assert.deepEqual(
      [byId[ORIGIN_TRACKS.oauth], byId[ORIGIN_TRACKS.login], byId[ORIGIN_TRACKS.payments]].map((t) => [t.name, t.status, t.priority, t.progress_percentage]),
      [['OAuth Authentication', 'completed', 'P1', 0], ['Login Timeout Fix', 'draft', 'P0', 0], ['Refactor Payments', 'active', 'P2', 0]],
      'the track files decide: login is P0 (its registry entry drifted to P2), payments is active (the registry says none)',
    );
    assert.equal(ws.ok(['get-active'])?.track_id, ORIGIN_TRACKS.payments);
    const stats = ws.ok(['stats']);
    assert.equal(stats.total_tracks, 3);
    assert.equal(stats.completed_count, 1);
    assert.equal(stats.active_track, ORIGIN_TRACKS.payments);
    assert.deepEqual(stats.by_priority, { P0: 1, P1: 1, P2: 1 });
    assert.equal(ws.ok(['list', '--status', 'completed']).length, 1);

    const shown = ws.ok(['show', '--track-id', ORIGIN_TRACKS.oauth]);
    const original = originJson(trackRel(ORIGIN_TRACKS.oauth));
    assert.deepEqual(missingFields(original, shown.track ?? shown), [], 'show prints every field the original wrote');

    for (const args of [['snapshot', 'list'], ['run', 'list'], ['recover', 'detect'], ['doctor']]) assert.equal(ws.cli(args).code, 0, args.join(' '));
    const after = filesUnder(path.join(ws.dir, '.claude'));
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'reads create no file');
    for (const [file, bytes] of before) assert.ok(bytes.equals(after.get(file)!), `${file} unchanged by reads`);
  });

  it("sees a change the original's scripts make in place (its plain writes), through the readers' cache", () => {
    assert.equal(ws.ok(['list']).find((t) => t.track_id === ORIGIN_TRACKS.login)?.priority, 'P0');
    const file = ws.trackFile(ORIGIN_TRACKS.login);
    const track = ws.readJson(file);
    // Same size: only the time and the content tell.
    writeFileSync(file, JSON.stringify({ ...track, priority: 'P3' }, null, 2));
    assert.equal(ws.ok(['list']).find((t) => t.track_id === ORIGIN_TRACKS.login)?.priority, 'P3');
    writeFileSync(file, '{"track_id": "cut');
    const list = ws.cli(['list']);
    assert.equal(list.code, 0);
    assert.equal(list.json.length, 2, 'a torn file is reported, the rest still lists');
    assert.match(list.stderr, /corrupt/);
  });

  it('the library reads them as the guide calls it (TrackRegistry, getActiveTrack)', async () => {
    const { TrackRegistry, getActiveTrack } = library();
    const registry = new TrackRegistry({ root: ws.dir });
    const tracks = await registry.listTracks();
    assert.equal(tracks.length, 3);
    assert.deepEqual((await registry.listTracks({ status: 'completed' })).map((t) => t.name), ['OAuth Authentication']);
    const stats = await registry.getStats();
    assert.equal(stats.total_tracks, 3);
    assert.equal(stats.completed_count, 1);
    const active = await getActiveTrack({ root: ws.dir });
    assert.equal(active?.name, 'Refactor Payments');
    assert.deepEqual(missingFields(originJson(trackRel(ORIGIN_TRACKS.payments)), active), []);
  });

  it('a write upgrades the file it touches (losslessly) and leaves the others as they were, readable', () => {
    const before = filesUnder(ws.conductor);
    ws.ok(['update', '--track-id', ORIGIN_TRACKS.login, '--field', 'notes', '--value', 'Seen by Track Manager']);
    const after = filesUnder(ws.conductor);
    const upgraded = ws.readJson(ws.trackFile(ORIGIN_TRACKS.login));
    assert.equal(upgraded.schema_version, SCHEMA_VERSION);
    assert.equal(upgraded.metadata?.notes, 'Seen by Track Manager');
    const original = originJson(trackRel(ORIGIN_TRACKS.login));
    assert.deepEqual(missingFields({ ...original, updated_at: upgraded.updated_at }, upgraded), [], 'every field kept');
    assert.deepEqual(upgraded.progress, original.progress, 'the original progress object, whole');
    assert.deepEqual(upgraded.execution, original.execution);
    for (const id of [ORIGIN_TRACKS.oauth, ORIGIN_TRACKS.payments]) {
      const rel = trackRel(id);
      assert.ok(before.get(rel)!.equals(after.get(rel)!), `${rel} untouched`);
    }
    const registry = ws.readJson(ws.registryFile);
    assert.equal(registry.schema_version, SCHEMA_VERSION, 'the index is ours after the first write');
    assert.equal(registry.version, '1.0', "the original's own registry fields stay for its scripts");
    assert.ok(registry.metadata);
    assert.equal(ws.ok(['list']).length, 3);
    const doctor = ws.ok(['doctor']);
    assert.equal(doctor.original_format_files, 8, '3 tracks × 3 files + the registry − the 2 rewritten');
  });

  it('doctor counts the old files; --repair upgrades them all under the lock, keeps the original bytes and resolves the contradiction', () => {
    const report = ws.ok(['doctor']);
    assert.equal(report.healthy, true);
    assert.equal(report.original_format_files, 10);
    const codes = report.problems.map((p) => p.code);
    assert.ok(codes.includes('ORIGINAL_FORMAT'));
    const mismatch = report.problems.find((p) => p.code === 'ORIGINAL_ACTIVE_MISMATCH');
    assert.ok(mismatch, 'names the activation deadlock');
    assert.match(mismatch.message, /track-refactor-payments-1795654458856/);
    assert.match(mismatch.message, /--repair/);

    const repaired = ws.ok(['doctor', '--repair']);
    assert.equal(repaired.original_format_files, 0);
    assert.deepEqual(repaired.problems, []);
    assert.ok(repaired.repaired.some((line: string) => /Upgraded 10 file/.test(line)));
    assert.ok(repaired.repaired.some((line: string) => /Recorded track-refactor-payments-1795654458856 as the active track/.test(line)));
    assert.equal(ws.readJson(ws.registryFile).active_track, ORIGIN_TRACKS.payments);

    const backups = path.join(ws.conductor, 'original-format');
    const [stamp] = readdirSync(backups);
    const kept = filesUnder(path.join(backups, stamp));
    assert.equal(kept.size, 10);
    for (const [rel, bytes] of kept) assert.ok(bytes.equals(readFileSync(path.join(originConductor, rel))), `${rel} kept byte for byte`);

    // Field by field: every field the original wrote is in the upgraded file.
    let compared = 0;
    for (const id of Object.values(ORIGIN_TRACKS)) {
      const original = originJson(trackRel(id));
      const upgraded = ws.readJson(ws.trackFile(id));
      assert.equal(upgraded.schema_version, SCHEMA_VERSION);
      assert.deepEqual(missingFields(original, upgraded), [], id);
      compared += Object.keys(original).length;
      for (const name of ['decisions', 'assumptions']) {
        const doc = ws.readJson(path.join(ws.tracksDir, id, 'context', `${name}.json`));
        assert.deepEqual(doc, { schema_version: SCHEMA_VERSION, [name]: [] });
      }
    }
    const registry = ws.readJson(ws.registryFile);
    const originalRegistry = originJson<{ version: unknown; metadata: unknown; tracks: Record<string, Record<string, unknown>> }>(path.join('tracks', 'track-registry.json'));
    assert.equal(registry.version, originalRegistry.version);
    assert.deepEqual(registry.metadata, originalRegistry.metadata);
    for (const [id, entry] of Object.entries(originalRegistry.tracks)) {
      // Each entry is derived from its track.json, which holds the same fields (the registry's stale copies stay in the backup).
      const track = ws.readJson(ws.trackFile(id));
      for (const field of ['track_id', 'name', 'type', 'created_at', 'progress', 'completed_at']) {
        if (field in entry) assert.deepEqual(track[field], entry[field], `${id}.${field}`);
      }
    }
    assert.ok(compared > 20);
    assert.equal(ws.ok(['doctor']).original_format_files, 0);
    assert.equal(ws.ok(['list']).length, 3);
  });

  it('lists their gzipped snapshots and their run, detects the run, and resumes it as the guide shows', () => {
    const snapshots = ws.ok(['snapshot', 'list']);
    const auto = snapshots.find((s) => s.snapshot_id === 'snap-auto-1795654446987-p2mkcc');
    const checkpoint = snapshots.find((s) => s.snapshot_id === 'snap-checkpoint-1795654446452-vhekww');
    assert.equal(auto?.run_id, ORIGIN_RUN);
    assert.match(auto?.file ?? '', /\.json\.gz$/);
    assert.equal(checkpoint?.track_id, ORIGIN_TRACKS.oauth, "linked by the track's last_checkpoint");
    assert.deepEqual(ws.ok(['snapshot', 'list', '--track-id', ORIGIN_TRACKS.oauth]).map((s) => s.snapshot_id), [checkpoint?.snapshot_id]);
    assert.deepEqual(ws.ok(['snapshot', 'list', '--run-id', ORIGIN_RUN]).map((s) => s.snapshot_id), [auto?.snapshot_id]);

    const runs = ws.ok(['run', 'list']);
    assert.deepEqual(runs.map((r) => [r.run_id, r.workflow, r.status, r.current_step]), [[ORIGIN_RUN, 'greenfield-fullstack.yaml', 'pending', 7]]);

    const detect = ws.cli(['recover', 'detect']);
    assert.equal(detect.code, 0);
    assert.match(detect.stdout, /Workflow Run: greenfield-fullstack-xyz123/);
    assert.match(detect.stdout, /Track: Refactor Payments/);

    const runFile = path.join(ws.dir, '.claude', 'context', 'runtime', 'runs', ORIGIN_RUN, 'run.json');
    const originalRun = JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>;
    const resumed = ws.ok(['recover', 'resume', '--run-id', ORIGIN_RUN]);
    assert.equal(resumed.success, true);
    assert.equal(resumed.run_id, ORIGIN_RUN);
    assert.equal(resumed.resumed_from_step, 7);
    assert.equal(resumed.snapshot_used, 'snap-auto-1795654446987-p2mkcc');
    assert.equal(resumed.snapshot_created_at, '2026-11-26T00:54:06.987Z');
    assert.deepEqual((resumed.state as { workflows: { active_runs: string[] } }).workflows.active_runs, [ORIGIN_RUN]);
    const run = JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>;
    assert.equal(run.status, 'in_progress');
    assert.deepEqual(missingFields({ ...originalRun, status: run.status, updated_at: run.updated_at }, run), []);
    const saved = ws.ok(['snapshot', 'list', '--run-id', ORIGIN_RUN]).find((s) => s.snapshot_id === resumed.snapshot_saved);
    assert.equal(saved?.type, 'recovery', 'the run as it was is kept first');
    // The recovery snapshot is not used by the next resume: the auto snapshot still is.
    assert.equal(ws.ok(['recover', 'resume', '--run-id', ORIGIN_RUN]).snapshot_used, 'snap-auto-1795654446987-p2mkcc');
  });

  it("recovers a paused track from the original's checkpoint its last_checkpoint names (saving the current state first)", () => {
    const file = ws.trackFile(ORIGIN_TRACKS.payments);
    writeFileSync(file, JSON.stringify({ ...ws.readJson(file), status: 'paused', last_checkpoint: 'snap-checkpoint-1795654446452-vhekww' }, null, 2));
    const result = ws.ok(['recover', 'resume', '--track-id', ORIGIN_TRACKS.payments]);
    assert.equal(result.success, true);
    assert.equal(result.checkpoint_restored, 'snap-checkpoint-1795654446452-vhekww');
    assert.equal(result.status, 'active');
    assert.match(result.checkpoint_saved, /^snap-checkpoint-/);
    // The original's fields, kept beside ours.
    const track = ws.readJson<Track & { last_restored: { snapshot_id: string }; execution: { mode: string } }>(file);
    assert.equal(track.status, 'active');
    assert.equal(track.last_restored.snapshot_id, 'snap-checkpoint-1795654446452-vhekww');
    assert.equal(track.execution.mode, 'interactive', "the original's fields kept");
    const completed = ws.cli(['recover', 'resume', '--track-id', ORIGIN_TRACKS.oauth]);
    assert.match(completed.stderr, /E_INVALID_TRANSITION/, 'a completed track holds no interrupted work');
  });

  it('accepts their run ids by shape and refuses hostile ones before any path use', () => {
    for (const hostile of ['../../etc', 'a/b', '..', '.', '-x', 'run id', 'x'.repeat(101), 'a\\b', '']) {
      const result = ws.cli(['recover', 'resume', '--run-id', hostile]);
      assert.notEqual(result.code, 0, hostile);
      assert.match(result.stderr, /E_INVALID_INPUT|E_USAGE/, hostile);
    }
    const missing = ws.cli(['recover', 'resume', '--run-id', 'Run_Other-1']);
    assert.match(missing.stderr, /E_RUN_NOT_FOUND/);
    // Their own shape (capitals, underscores) reaches their folder.
    const dir = path.join(ws.dir, '.claude', 'context', 'runtime', 'runs');
    cpSync(path.join(dir, ORIGIN_RUN), path.join(dir, 'run-1736_ABC'), { recursive: true });
    const file = path.join(dir, 'run-1736_ABC', 'run.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), run_id: 'run-1736_ABC', status: 'in_progress' }));
    assert.ok(ws.ok(['run', 'list', '--status', 'in_progress']).some((r) => r.run_id === 'run-1736_ABC'));
    assert.equal(ws.cli(['recover', 'resume', '--run-id', 'run-1736_ABC']).json?.success ?? false, false, 'no snapshot names it');
  });

  it('an unreadable run of theirs is named as corrupt, and its bytes are never quoted', () => {
    const file = path.join(ws.dir, '.claude', 'context', 'runtime', 'runs', ORIGIN_RUN, 'run.json');
    writeFileSync(file, 'SECRET-TOKEN-123 {');
    const result = ws.cli(['recover', 'resume', '--run-id', ORIGIN_RUN]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /E_CORRUPT_FILE/);
    assert.doesNotMatch(result.stdout + result.stderr, /SECRET-TOKEN/);
  });

  it('two tracks saying active: reads pick the most recently updated, doctor names it, --repair pauses the other', () => {
    const oauth = ws.trackFile(ORIGIN_TRACKS.oauth);
    writeFileSync(oauth, JSON.stringify({ ...ws.readJson(oauth), status: 'active', updated_at: '2026-11-26T00:50:00.000Z' }, null, 2));
    assert.equal(ws.ok(['get-active'])?.track_id, ORIGIN_TRACKS.payments);
    const multiple = ws.cli(['doctor']).json.problems.find((p) => p.code === 'MULTIPLE_ACTIVE');
    assert.ok(multiple);
    assert.equal(multiple.repairable, true);
    assert.match(multiple.message, /takes track-refactor-payments-1795654458856/);
    const repaired = ws.ok(['doctor', '--repair']);
    assert.ok(repaired.repaired.some((line: string) => line.startsWith(`Paused ${ORIGIN_TRACKS.oauth}`)));
    const paused = ws.readJson(oauth);
    assert.equal(paused.status, 'paused');
    assert.equal(paused.status_history.at(-1)?.to, 'paused');
    assert.equal(ws.ok(['list', '--status', 'active']).length, 1);
  });

  it('a store mixing both formats lists both, upgrades only what it writes', () => {
    const mixed = new Workspace('track-mixed-');
    try {
      const ours = mixed.create('Ours Track').track_id;
      for (const id of [ORIGIN_TRACKS.oauth, ORIGIN_TRACKS.login]) cpSync(path.join(ws.tracksDir, id), path.join(mixed.tracksDir, id), { recursive: true });
      const list = mixed.cli(['list']);
      assert.equal(list.stderr, '');
      assert.deepEqual(list.json.map((t) => t.track_id).sort(), [ORIGIN_TRACKS.login, ORIGIN_TRACKS.oauth, ours].sort());
      assert.equal(mixed.ok(['doctor']).original_format_files, 6);
      mixed.ok(['activate', '--track-id', ORIGIN_TRACKS.login]);
      assert.equal(mixed.readJson(mixed.trackFile(ORIGIN_TRACKS.login)).schema_version, SCHEMA_VERSION);
      assert.equal(mixed.readJson(mixed.trackFile(ORIGIN_TRACKS.oauth)).schema_version, undefined, 'untouched');
      mixed.ok(['switch', '--to', ours]);
      assert.equal(mixed.ok(['get-active'])?.track_id, ours);
      assert.equal(mixed.ok(['show', '--track-id', ORIGIN_TRACKS.login]).status, 'paused');
      assert.equal(mixed.ok(['doctor', '--repair']).original_format_files, 0);
    } finally {
      mixed.cleanup();
    }
  });

  it('under concurrent writer processes while being upgraded: no lost update, no torn file', async () => {
    const writers = 4;
    const perWriter = 6;
    const script = `
      const { TrackStore } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'index.js'))});
      const store = new TrackStore({ root: process.argv[1], lockTimeoutMs: 30000 });
      const ids = ${JSON.stringify(Object.values(ORIGIN_TRACKS))};
      (async () => {
        for (let i = 0; i < ${perWriter}; i += 1) {
          const id = ids[(Number(process.argv[2]) + i) % ids.length];
          await store.addDecision(id, { text: 'writer ' + process.argv[2] + ' decision ' + i });
          await store.listTracks();
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const repairer = `
      const { TrackStore } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'index.js'))});
      new TrackStore({ root: process.argv[1], lockTimeoutMs: 30000 }).doctor({ repair: true })
        .then((r) => console.log(JSON.stringify(r))).catch((e) => { console.error(e); process.exit(1); });`;
    const results = await Promise.all([
      ...Array.from({ length: writers }, (_, i) => runNode(['-e', script, ws.dir, String(i)])),
      runNode(['-e', repairer, ws.dir]),
    ]);
    for (const result of results) assert.equal(result.code, 0, result.stderr);
    let decisions = 0;
    for (const id of Object.values(ORIGIN_TRACKS)) {
      const track = ws.readJson(ws.trackFile(id));
      assert.equal(track.schema_version, SCHEMA_VERSION, `${id} upgraded`);
      assert.deepEqual(missingFields({ ...originJson<Record<string, unknown>>(trackRel(id)), updated_at: track.updated_at }, track), [], id);
      const doc = ws.readJson<{ schema_version: number; decisions: ContextEntry[] }>(path.join(ws.tracksDir, id, 'context', 'decisions.json'));
      assert.equal(doc.schema_version, SCHEMA_VERSION);
      decisions += doc.decisions.length;
    }
    assert.equal(decisions, writers * perWriter, 'every decision of every writer is there');
    for (const [rel, bytes] of filesUnder(ws.tracksDir)) {
      if (rel.endsWith('.json')) assert.doesNotThrow(() => JSON.parse(bytes.toString('utf8')), rel);
      assert.ok(!/\.tmp$/.test(rel), `no temp file left: ${rel}`);
    }
    const report = ws.ok(['doctor']);
    assert.equal(report.original_format_files, 0);
    assert.equal(report.healthy, true);
    assert.equal(ws.ok(['list']).length, 3);
    assert.ok(!existsSync(path.join(ws.tracksDir, 'track-journal.json')));
  });
});

describe('format upgrade steps', () => {
  it('has one step per version, so v1 → v2 is one more function', () => {
    for (const steps of Object.values(UPGRADES)) assert.equal(steps.length, SCHEMA_VERSION);
  });

  it("keeps the original's context entries whole, adding our id, text and time", () => {
    const upgraded = upgradeDocument('decisions', [
      { decision: 'Use PKCE', rationale: 'public client', timestamp: '2026-01-15T10:30:00Z', by: 'architect' },
      'Plain text decision',
    ]) as { schema_version: number; decisions: Array<Record<string, unknown>> };
    assert.equal(upgraded.schema_version, SCHEMA_VERSION);
    assert.deepEqual(upgraded.decisions[0], {
      decision: 'Use PKCE', rationale: 'public client', timestamp: '2026-01-15T10:30:00Z', by: 'architect',
      id: 'decision-1', text: 'Use PKCE', at: '2026-01-15T10:30:00Z',
    });
    assert.equal(upgraded.decisions[1].text, 'Plain text decision');
  });

  it('leaves documents of our version, of a newer one, or of another shape to the schema', () => {
    const current = { schema_version: SCHEMA_VERSION, decisions: [] };
    assert.equal(upgradeDocument('decisions', current), current);
    const newer = { schema_version: SCHEMA_VERSION + 1 };
    assert.equal(upgradeDocument('track', newer), newer);
    const other = { decisions: 'not an array' };
    assert.equal(upgradeDocument('decisions', other), other);
    assert.deepEqual(upgradeDocument('journal', { entries: [] }), { entries: [] });
  });
});
