import * as assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, Workspace } from '../helpers/workspace';
import { configureIdentity, git, initRepo } from '../helpers/git-repo';
import type { ContextEntry, Track } from '../../src/core/model/schemas';

/** Two clones of one repository sharing a committed store, with the merge driver registered. */
class TwoClones {
  readonly scratch = new Workspace('track-merge-');
  readonly origin = path.join(this.scratch.dir, 'origin.git');
  readonly a: Workspace;
  readonly b: Workspace;

  constructor() {
    mkdirSync(this.origin);
    initRepo(this.origin, { bare: true });
    this.a = this.clone('a');
    this.b = this.clone('b');
  }

  private clone(name: string): Workspace {
    const dir = path.join(this.scratch.dir, name);
    git(this.scratch.dir, 'clone', '--quiet', this.origin, dir);
    configureIdentity(dir);
    git(dir, 'config', 'pull.rebase', 'false');
    const ws = Object.assign(Object.create(Workspace.prototype), { dir }) as Workspace;
    return ws;
  }

  setUp(): void {
    const driver = `"${process.execPath}" "${CLI}" merge-file %O %A %B %P`;
    git(this.a.dir, 'commit', '--quiet', '--allow-empty', '-m', 'root');
    const setup = this.a.ok(['init', '--git', '--driver-command', driver, '--json']);
    assert.equal(setup.git?.gitattributes_changed, true);
    this.commit(this.a, 'set up the merge driver');
    git(this.a.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    git(this.b.dir, 'pull', '--quiet', 'origin', 'main');
    this.b.ok(['init', '--git', '--driver-command', driver]);
  }

  commit(ws: Workspace, message: string): void {
    git(ws.dir, 'add', '-A');
    if (git(ws.dir, 'status', '--porcelain').trim()) git(ws.dir, 'commit', '--quiet', '-m', message);
  }

  /** b pushes, a pulls (a merge), a pushes, b pulls; each then re-indexes with doctor --repair. */
  sync(): string {
    git(this.b.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    const pulled = git(this.a.dir, 'pull', '--no-edit', 'origin', 'main');
    git(this.a.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    git(this.b.dir, 'pull', '--quiet', '--no-edit', 'origin', 'main');
    return pulled;
  }

  cleanup(): void {
    this.scratch.cleanup();
  }
}

function storeFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) files.push(full);
    }
  };
  walk(path.join(dir, '.claude', 'conductor'));
  return files;
}

/** The snapshot ids of a track's checkpoint files in a clone (read straight from the files). */
function checkpointIds(ws: Workspace, trackId: string): string[] {
  const dir = path.join(ws.dir, '.claude/conductor/tracks', trackId, 'checkpoints');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.json')).map((name) => (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { snapshot_id: string }).snapshot_id);
}

function assertNoMarkers(dir: string): void {
  for (const file of storeFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /^(<<<<<<<|>>>>>>>|=======)/m, file);
    JSON.parse(text);
  }
}

describe('the git merge driver on two clones', function () {
  this.timeout(240_000);
  let clones: TwoClones;
  beforeEach(() => {
    clones = new TwoClones();
    clones.setUp();
  });
  afterEach(() => clones.cleanup());

  it('merges "one activates X, the other changes X\'s priority" cleanly', () => {
    const x = clones.a.create('Track X').track_id;
    clones.commit(clones.a, 'create X');
    git(clones.a.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    git(clones.b.dir, 'pull', '--quiet', 'origin', 'main');

    clones.a.ok(['activate', '--track-id', x]);
    clones.commit(clones.a, 'activate X');
    clones.b.ok(['update', '--track-id', x, '--field', 'priority', '--value', 'P0']);
    clones.commit(clones.b, 'X is urgent');
    git(clones.a.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    const pull = git(clones.b.dir, 'pull', '--no-edit', 'origin', 'main');
    assert.doesNotMatch(pull, /CONFLICT/);
    assertNoMarkers(clones.b.dir);
    clones.b.ok(['doctor', '--repair']);
    const merged = clones.b.ok(['show', '--track-id', x]);
    assert.equal(merged.status, 'active');
    assert.equal(merged.priority, 'P0');
    assert.equal(merged.merge_conflicts, undefined);
    const doctor = clones.b.cli(['doctor']);
    assert.equal(doctor.code, 0, doctor.stdout);
    assert.deepEqual(doctor.json.problems, []);
  });

  it('50 random concurrent edits across two clones: no markers, nothing lost, doctor clean or naming each kept conflict', () => {
    let seed = 13;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const ids = ['One', 'Two', 'Three'].map((name) => clones.a.create(`Track ${name}`).track_id);
    clones.commit(clones.a, 'three tracks');
    git(clones.a.dir, 'push', '--quiet', 'origin', 'HEAD:main');
    git(clones.b.dir, 'pull', '--quiet', 'origin', 'main');
    const decisions = new Set<string>();
    const readTracks = (ws: Workspace) => ids.map((id) => ws.readJson<Track>(path.join(ws.dir, '.claude/conductor/tracks', id, 'track.json')));
    let base = readTracks(clones.a);
    let edits = 0;
    const repairs: string[] = [];
    let checkpointCount = 0;
    for (let round = 0; round < 5; round += 1) {
      // Each round opens with both clones checkpointing one track: the same next number on both sides.
      for (const ws of [clones.a, clones.b]) {
        ws.ok(['checkpoint', 'create', '--track-id', ids[round % ids.length], '--name', `round ${round} on ${ws === clones.a ? 'a' : 'b'}`]);
        clones.commit(ws, `checkpoint in round ${round}`);
        edits += 1;
      }
      for (let i = 2; i < 10; i += 1, edits += 1) {
        const ws = random() < 0.5 ? clones.a : clones.b;
        const id = pick(ids);
        const op = pick(['priority', 'progress', 'notes', 'decision', 'assumption', 'tags', 'activate', 'complete', 'pause', 'resume', 'switch', 'checkpoint'] as const);
        const text = `${op} ${edits} on ${ws === clones.a ? 'a' : 'b'}`;
        if (op === 'priority') ws.ok(['update', '--track-id', id, '--field', 'priority', '--value', pick(['P0', 'P1', 'P2', 'P3'])]);
        else if (op === 'progress') ws.ok(['update', '--track-id', id, '--field', 'progress', '--value', String(Math.floor(random() * 100))]);
        else if (op === 'notes') ws.ok(['update', '--track-id', id, '--field', 'notes', '--value', text]);
        else if (op === 'tags') ws.ok(['update', '--track-id', id, '--field', 'tags', '--value', `t${edits},shared`]);
        else if (op === 'decision') {
          ws.ok(['context', 'add-decision', '--track-id', id, '--text', text]);
          decisions.add(text);
        } else if (op === 'assumption') {
          ws.ok(['context', 'add-assumption', '--track-id', id, '--text', text]);
          decisions.add(text);
        } else if (op === 'pause') ws.cli(['pause', '--track-id', id, '--reason', text]); // refused unless active: an attempt too
        else if (op === 'switch') ws.cli(['switch', '--to', id]);
        else if (op === 'checkpoint') ws.ok(['checkpoint', 'create', '--track-id', id, '--name', text]);
        else ws.cli([op, '--track-id', id]); // may be refused (not ready, another active): that is an edit attempt too
        clones.commit(ws, text);
      }
      // What each side holds just before the merge, to check nothing is lost.
      const before = [clones.a, clones.b].map(readTracks);
      const checkpointsBefore = [clones.a, clones.b].flatMap((ws) => ids.flatMap((id) => checkpointIds(ws, id).map((snapshot) => `${id}/${snapshot}`)));
      const pulled = clones.sync();
      assert.doesNotMatch(pulled, /CONFLICT/, pulled);
      for (const ws of [clones.a, clones.b]) {
        assertNoMarkers(ws.dir);
        repairs.push(...ws.ok(['doctor', '--repair']).repaired.filter((line: string) => line.startsWith('Paused')));
      }
      ids.forEach((id, index) => {
        const merged = clones.a.readJson<Track>(path.join(clones.a.dir, '.claude/conductor/tracks', id, 'track.json'));
        const conflicts = merged.merge_conflicts ?? [];
        for (const side of before) {
          const version = side[index];
          for (const entry of version.status_history) {
            assert.ok(merged.status_history.some((m) => m.at === entry.at && m.to === entry.to), `${id}: status change to ${entry.to} at ${entry.at} kept`);
          }
          for (const field of ['priority', 'name'] as const) {
            if (version[field] !== base[index][field] && version[field] !== merged[field]) {
              assert.ok(conflicts.some((c) => c.field === field && c.discarded === version[field]), `${id}.${field} = ${version[field]} is kept in merge_conflicts`);
            }
          }
          if (version.progress.percentage !== base[index].progress.percentage && version.progress.percentage !== merged.progress.percentage) {
            assert.ok(conflicts.some((c) => c.field === 'progress.percentage' && c.discarded === version.progress.percentage), `${id} progress kept`);
          }
        }
      });
      // Checkpoints taken on both sides (each clone's pause, switch or checkpoint N) are all kept.
      for (const ws of [clones.a, clones.b]) {
        const after = new Set(ids.flatMap((id) => checkpointIds(ws, id).map((snapshot) => `${id}/${snapshot}`)));
        for (const snapshot of checkpointsBefore) assert.ok(after.has(snapshot), `checkpoint ${snapshot} kept after the merge`);
      }
      checkpointCount = checkpointsBefore.length;
      base = readTracks(clones.a);
    }
    // Every decision and assumption written on either side is in the merged store.
    const written = ids.flatMap((id) => ['decisions', 'assumptions'].flatMap((kind) => {
      const doc = clones.a.readJson<Record<string, ContextEntry[]>>(path.join(clones.a.dir, '.claude/conductor/tracks', id, 'context', `${kind}.json`));
      return doc[kind].map((entry) => entry.text);
    }));
    for (const text of decisions) assert.ok(written.includes(text), `${text} kept`);
    const doctor = clones.a.cli(['doctor']);
    assert.equal(doctor.code, 0, doctor.stdout);
    for (const problem of doctor.json.problems) assert.equal(problem.code, 'MERGE_CONFLICT', JSON.stringify(problem));
    const conflictCount = ids.reduce((sum, id) => sum + (clones.a.ok(['show', '--track-id', id]).merge_conflicts ?? []).length, 0);
    assert.equal(doctor.json.problems.length, conflictCount);
    console.log(`      ${edits} edits; ${conflictCount} scalar conflicts kept; ${repairs.length} second active track(s) paused by doctor --repair; ${checkpointCount} checkpoints`);
    // Every checkpoint file is listed and readable by the CLI (no corrupt or shadowed file).
    for (const id of ids) assert.equal(clones.a.ok(['checkpoint', 'list', '--track-id', id]).length, checkpointIds(clones.a, id).length);
    assert.ok(clones.a.ok(['list', '--status', 'active']).length <= 1);
  });
});
