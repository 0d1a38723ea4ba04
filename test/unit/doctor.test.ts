import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../helpers/workspace';
import type { Track } from '../../src/core/model/schemas';
import type { DoctorReport } from '../../src/core/doctor';
import type { ContextEntry, MergeConflict } from '../../src/core/model/schemas';

type DecisionsDocument = { decisions: ContextEntry[]; merge_conflicts: MergeConflict[] };

describe('doctor', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let a: string;
  let b: string;
  beforeEach(() => {
    ws = new Workspace();
    a = ws.create('Doctor Alpha').track_id;
    b = ws.create('Doctor Beta').track_id;
    ws.ok(['activate', '--track-id', a]);
  });
  afterEach(() => ws.cleanup());

  const codes = (report: DoctorReport) => report.problems.map((p) => p.code).sort();

  /** A committed-but-unapplied write of track b, as a process killed after its commit point leaves it. */
  function pendingJournal(change: Record<string, unknown>, tag: string): string {
    const trackFile = ws.trackFile(b);
    const temp = path.join(path.dirname(trackFile), `.track.json.999999.1.abcdef${tag}.tmp`);
    writeFileSync(temp, JSON.stringify({ ...ws.readJson(trackFile), ...change }, null, 2));
    ws.writeJson(path.join(ws.tracksDir, 'track-journal.json'), {
      schema_version: 1, created_at: new Date().toISOString(),
      entries: [{ target: path.relative(ws.conductor, trackFile), temp: path.relative(ws.conductor, temp) }],
    });
    return trackFile;
  }

  it('reports a decision both sides of a git merge rewrote (kept in decisions.json), and adding a decision keeps that note', () => {
    const decisionsFile = path.join(ws.tracksDir, a, 'context', 'decisions.json');
    const at = '2026-01-01T00:00:00.000Z';
    ws.writeJson(decisionsFile, {
      schema_version: 1,
      decisions: [{ id: 'decision-001', text: 'Use Postgres', at }],
      merge_conflicts: [{ field: 'decisions[decision-001]', kept: 'Use Postgres', discarded: { id: 'decision-001', text: 'Use SQLite', at }, at }],
    });
    const report = ws.cli(['doctor']);
    assert.equal(report.code, 0, 'a warning, not an error');
    const [problem] = report.json.problems;
    assert.equal(problem.code, 'MERGE_CONFLICT');
    assert.equal(problem.file, path.join('.claude', 'conductor', 'tracks', a, 'context', 'decisions.json'));
    assert.match(problem.message, /decisions\[decision-001\] rewritten on both sides: kept "Use Postgres", set aside .*Use SQLite/);
    ws.ok(['context', 'add-decision', '--track-id', a, '--text', 'Cache sessions']);
    const after = ws.readJson<DecisionsDocument>(decisionsFile);
    assert.deepEqual(after.decisions.map((d) => d.text), ['Use Postgres', 'Cache sessions']);
    assert.equal(after.merge_conflicts.length, 1, 'the merge note survives a later write');
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', a]).snapshot_id;
    ws.ok(['context', 'add-decision', '--track-id', a, '--text', 'Drop the cache']);
    ws.ok(['checkpoint', 'restore', '--track-id', a, '--checkpoint', checkpoint]);
    const restored = ws.readJson<DecisionsDocument>(decisionsFile);
    assert.deepEqual(restored.decisions.map((d) => d.text), ['Use Postgres', 'Cache sessions']);
    assert.equal(restored.merge_conflicts.length, 1, 'and a checkpoint restore');
  });

  it('a clean store is healthy (exit 0)', () => {
    const result = ws.cli(['doctor']);
    assert.equal(result.code, 0);
    assert.deepEqual(result.json.problems, []);
    assert.equal(result.json.healthy, true);
    assert.equal(result.json.tracks_checked, 2);
  });

  it('finds registry drift (a hand edit, a teammate\'s pull) and --repair rebuilds the index', () => {
    const registry = ws.readIndex();
    registry.tracks[b].status = 'completed';
    registry.active_track = null;
    ws.writeJson(ws.registryFile, registry);
    const report = ws.cli(['doctor']);
    assert.equal(report.code, 15);
    assert.deepEqual([...new Set(codes(report.json))], ['REGISTRY_DRIFT']);
    const repaired = ws.cli(['doctor', '--repair']);
    assert.equal(repaired.code, 0);
    assert.equal(ws.readIndex().tracks[b].status, 'draft');
    assert.equal(ws.readIndex().active_track, a);
  });

  it('finishes a write interrupted after its commit point (journal), and removes old temp files', () => {
    const trackFile = pendingJournal({ priority: 'P0' }, '01');
    const orphanTemp = path.join(ws.tracksDir, a, '.track.json.999999.2.abcdef02.tmp');
    writeFileSync(orphanTemp, '{"half');
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(orphanTemp, old, old);
    assert.deepEqual(codes(ws.cli(['doctor']).json), ['LEFTOVER_TEMP', 'PENDING_JOURNAL']);
    const repaired = ws.cli(['doctor', '--repair']).json;
    assert.equal(repaired.healthy, true);
    assert.equal(ws.readJson<Track>(trackFile).priority, 'P0', 'rolled forward');
    assert.ok(!existsSync(orphanTemp));
    assert.ok(!existsSync(path.join(ws.tracksDir, 'track-journal.json')));
  });

  it('any write finishes a pending journal first', () => {
    const trackFile = pendingJournal({ name: 'Rolled Forward' }, '03');
    ws.ok(['update', '--track-id', a, '--field', 'priority', '--value', 'P1']);
    assert.equal(ws.readJson<Track>(trackFile).name, 'Rolled Forward');
  });

  it('a journal pointing outside the store is refused', () => {
    ws.writeJson(path.join(ws.tracksDir, 'track-journal.json'), {
      schema_version: 1, created_at: new Date().toISOString(), entries: [{ target: '../../../etc/passwd', temp: 'x' }],
    });
    const result = ws.cli(['update', '--track-id', a, '--field', 'priority', '--value', 'P1']);
    assert.equal(result.code, 9);
    assert.match(result.stderr, /outside the store/);
  });

  it('two active tracks (hand-edited files): names the one reads take, --repair pauses the others', () => {
    const file = ws.trackFile(b);
    ws.writeJson(file, { ...ws.readJson(file), status: 'active' });
    const report = ws.cli(['doctor']).json;
    const multiple = report.problems.find((p) => p.code === 'MULTIPLE_ACTIVE');
    assert.ok(multiple);
    assert.equal(multiple.repairable, true);
    assert.match(multiple?.message ?? '', new RegExp(`takes ${a}`));
    const repaired = ws.cli(['doctor', '--repair']).json;
    assert.ok(repaired.repaired.some((line: string) => line.startsWith(`Paused ${b}`)));
    assert.equal(ws.readJson(file).status, 'paused');
    assert.equal(ws.readJson(ws.trackFile(a)).status, 'active', 'the one activated last (a; b never was) stays active');
  });

  it('two active tracks after a merge: --repair keeps the one activated last and pauses the other with a reason', () => {
    const file = ws.trackFile(b);
    const later = new Date(Date.parse(ws.readJson(ws.trackFile(a)).last_activated_at!) + 60_000).toISOString();
    ws.writeJson(file, { ...ws.readJson(file), status: 'active', last_activated_at: later, status_history: [...ws.readJson(file).status_history, { from: 'draft', to: 'active', at: later }] });
    const multiple = ws.cli(['doctor']).json.problems.find((p) => p.code === 'MULTIPLE_ACTIVE');
    assert.match(multiple?.message ?? '', /keeps the one activated last/);
    const repaired = ws.cli(['doctor', '--repair']).json;
    assert.ok(repaired.repaired.some((line: string) => line.startsWith(`Paused ${a}`)), JSON.stringify(repaired.repaired));
    assert.equal(ws.readJson(file).status, 'active', 'the one activated last stays active');
    const paused = ws.readJson(ws.trackFile(a));
    assert.equal(paused.status, 'paused');
    assert.match(paused.status_history.at(-1)?.reason ?? '', new RegExp(`${b} was activated later`));
    assert.equal(ws.ok(['get-active'])?.track_id, b);
    assert.equal(repaired.healthy, true);
  });

  it('removes an empty track folder left by an interrupted create, keeps one holding data', () => {
    const empty = path.join(ws.tracksDir, 'track-interrupted-1');
    mkdirSync(path.join(empty, 'context', 'artifacts'), { recursive: true });
    const kept = path.join(ws.tracksDir, 'track-lost-record-1');
    mkdirSync(path.join(kept, 'context'), { recursive: true });
    writeFileSync(path.join(kept, 'context', 'decisions.json'), '{"schema_version":1,"decisions":[]}');
    const report = ws.cli(['doctor', '--repair']).json;
    assert.ok(!existsSync(empty));
    assert.ok(existsSync(kept));
    assert.ok(report.problems.some((p) => p.code === 'ORPHAN_FOLDER' && !p.repairable));
  });

  it('reports corrupt checkpoints and context files by name', () => {
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', a]);
    assert.ok(checkpoint.snapshot_id);
    writeFileSync(path.join(ws.tracksDir, a, 'checkpoints', 'checkpoint-001.json'), '{"cut');
    // (A bare `[]` is the original track-manager's format, read as such: this one is invalid in ours.)
    writeFileSync(path.join(ws.tracksDir, b, 'context', 'decisions.json'), '{"schema_version":1,"decisions":"none"}');
    const report = ws.cli(['doctor']);
    assert.equal(report.code, 15);
    const files = report.json.problems.filter((p) => p.code === 'CORRUPT_FILE').map((p) => p.file).sort();
    assert.deepEqual(files, [
      path.join('.claude', 'conductor', 'tracks', a, 'checkpoints', 'checkpoint-001.json'),
      path.join('.claude', 'conductor', 'tracks', b, 'context', 'decisions.json'),
    ].sort());
  });
});
