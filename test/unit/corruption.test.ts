import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from '../../src/core/storage/files';
import { trackSchema, type Track } from '../../src/core/model/schemas';
import { CLI, cliError, Workspace } from '../helpers/workspace';
import { isTrackError } from '../../src/core/model/errors';

describe('corruption: damaged files give clear errors and are never overwritten', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let victim: string;
  let healthy: string;
  let original: string;
  before(() => {
    ws = new Workspace();
    victim = ws.create('Victim Track').track_id;
    healthy = ws.create('Healthy Track').track_id;
    ws.ok(['activate', '--track-id', healthy]);
    original = readFileSync(ws.trackFile(victim), 'utf8');
  });
  after(() => ws.cleanup());
  afterEach(() => writeFileSync(ws.trackFile(victim), original));

  const damaged: Array<[string, () => string]> = [
    ['empty', () => ''],
    ['garbage', () => '\u0000\u0001garbage{{{'],
    ['an array', () => '[]'],
    ['schema_version 0', () => original.replace('"schema_version": 1', '"schema_version": 0')],
    ['a status of banana', () => original.replace('"status": "draft"', '"status": "banana"')],
    ['a negative progress', () => original.replace('"percentage": 0', '"percentage": -5')],
  ];
  // A track file cut at many offsets: every prefix but the whole file is invalid.
  for (const fraction of [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]) {
    damaged.push([`truncated at ${Math.round(fraction * 100)}%`, () => original.slice(0, Math.floor(original.length * fraction))]);
  }
  damaged.push(['missing its last brace', () => original.trimEnd().slice(0, -1)]);

  it('a track file truncated at every offset is rejected by the reader as corrupt', () => {
    const text = original.trimEnd();
    for (let offset = 0; offset < text.length; offset += 1) {
      assert.throws(() => parseDocument(text.slice(0, offset), 'track.json', trackSchema, { kind: 'track' }), { code: 'E_CORRUPT_FILE' }, `offset ${offset}`);
    }
    assert.equal(parseDocument(text, 'track.json', trackSchema, { kind: 'track' }).track_id, victim);
  });

  for (const [label, content] of damaged) {
    it(`track.json ${label}: E_CORRUPT_FILE naming file and field, file untouched, other tracks still list`, () => {
      const bytes = content();
      writeFileSync(ws.trackFile(victim), bytes);
      for (const args of [['show', '--track-id', victim], ['activate', '--track-id', victim], ['update', '--track-id', victim, '--field', 'priority', '--value', 'P0'], ['switch', '--to', victim]]) {
        const result = ws.cli([...args, '--json']);
        assert.equal(result.code, 9, `${args[0]}: ${result.stderr}`);
        const error = cliError(result.stderr);
        assert.equal(error.code, 'E_CORRUPT_FILE');
        assert.ok(error.message.includes(path.join('.claude', 'conductor', 'tracks', victim, 'track.json')), error.message);
        assert.equal(readFileSync(ws.trackFile(victim), 'utf8'), bytes, 'never overwritten');
      }
      const listed = ws.ok(['list']);
      assert.ok(listed.some((t) => t.track_id === healthy));
      assert.equal(ws.ok(['get-active'])?.track_id, healthy);
      assert.equal(ws.cli(['pause', '--track-id', healthy, '--reason', 'still works']).code, 0);
      assert.equal(ws.cli(['resume', '--track-id', healthy]).code, 0);
    });
  }

  it('a corrupt file of the active track stops activation of another (no guessing, never two active)', () => {
    const own = new Workspace();
    try {
      const active = own.create('Active One').track_id;
      own.ok(['activate', '--track-id', active]);
      const other = own.create('Would Be Second').track_id;
      writeFileSync(own.trackFile(active), '{"cut');
      const result = own.cli(['activate', '--track-id', other]);
      assert.equal(result.code, 9, result.stderr);
      assert.equal(own.readJson(own.trackFile(other)).status, 'draft');
    } finally {
      own.cleanup();
    }
  });

  it('names the invalid field', () => {
    writeFileSync(ws.trackFile(victim), original.replace('"status": "draft"', '"status": "banana"'));
    const error = cliError(ws.cli(['show', '--track-id', victim, '--json']).stderr);
    assert.equal(error.details?.field, 'status');
    assert.match(error.message, /at field "status"/);
  });

  it('a pipe in place of a track file is refused at once (E_IO), never read until it ends', function () {
    if (process.platform === 'win32') this.skip();
    unlinkSync(ws.trackFile(victim));
    execFileSync('mkfifo', [ws.trackFile(victim)]);
    try {
      const result = spawnSync(process.execPath, [CLI, 'show', '--track-id', victim, '--json'], { cwd: ws.dir, encoding: 'utf8', timeout: 20_000, env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
      assert.equal(result.signal, null, 'ended by itself, not by the timeout');
      const error = cliError(result.stderr);
      assert.equal(error.code, 'E_IO');
      assert.match(error.message, /not a regular file/);
    } finally {
      unlinkSync(ws.trackFile(victim));
      writeFileSync(ws.trackFile(victim), original);
    }
  });

  it('a newer schema_version is E_UNSUPPORTED_SCHEMA, and the file is left alone', () => {
    const newer = original.replace('"schema_version": 1', '"schema_version": 2');
    writeFileSync(ws.trackFile(victim), newer);
    const result = ws.cli(['update', '--track-id', victim, '--field', 'priority', '--value', 'P0']);
    assert.equal(result.code, 10);
    assert.match(result.stderr, /newer than this Track Manager understands/);
    assert.equal(readFileSync(ws.trackFile(victim), 'utf8'), newer);
  });

  it('an unlisted track folder with a corrupt file is reported, the others list', () => {
    const registry = ws.readIndex();
    delete registry.tracks[victim];
    ws.writeJson(ws.registryFile, registry);
    writeFileSync(ws.trackFile(victim), '{"truncated": ');
    const result = ws.cli(['list']);
    assert.equal(result.code, 0);
    assert.deepEqual(result.json.map((t) => t.track_id), [healthy]);
    assert.match(result.stderr, /warning: .*track\.json is corrupt/);
    writeFileSync(ws.trackFile(victim), original);
    assert.equal(ws.ok(['list']).length, 2, 'indexed again once repaired');
  });

  it('fields written by a newer version survive a rewrite by this one (loose schemas)', () => {
    // A newer version's fields, at the top and inside a nested object.
    const extended = JSON.parse(original) as Track & { future_field?: unknown; context: { future_context?: unknown } };
    extended.future_field = { keep: 'me' };
    extended.context.future_context = [1, 2, 3];
    writeFileSync(ws.trackFile(victim), JSON.stringify(extended));
    ws.ok(['update', '--track-id', victim, '--field', 'priority', '--value', 'P1']);
    const after = ws.readJson(ws.trackFile(victim));
    assert.deepEqual(after.future_field, { keep: 'me' });
    assert.deepEqual(after.context.future_context, [1, 2, 3]);
    assert.equal(after.priority, 'P1');
  });

  it('a registry entry edited into nonsense after a good read is still caught (validation memo)', async () => {
    const { readRegistry } = await import('../../src/core/storage/registry');
    const { StorePaths, locateStore } = await import('../../src/core/storage/paths');
    const paths = new StorePaths(locateStore({ root: ws.dir }));
    const first = await readRegistry(paths);
    assert.equal(first!.tracks[healthy].status, 'active');
    const registry = ws.readIndex();
    (registry.tracks[healthy] as { status: string }).status = 'banana'; // a value the schema refuses
    ws.writeJson(ws.registryFile, registry);
    await assert.rejects(readRegistry(paths), (error) => isTrackError(error, 'E_CORRUPT_FILE') && error.details.field === `tracks.${healthy}.status`);
    registry.tracks[healthy].status = 'active';
    registry.tracks[healthy].extra = { nested: true };
    ws.writeJson(ws.registryFile, registry);
    assert.deepEqual((await readRegistry(paths))!.tracks[healthy].extra, { nested: true });
    ws.cli(['doctor', '--repair']);
  });

  describe('a corrupt registry', () => {
    for (const [label, bytes] of [['garbage', 'not json at all'], ['empty', ''], ['wrong shape', '{"schema_version":1,"tracks":5}']]) {
      it(`${label}: reads fall back to the track files, writes refuse, doctor --repair rebuilds`, () => {
        writeFileSync(ws.registryFile, bytes);
        const list = ws.cli(['list']);
        assert.equal(list.code, 0);
        assert.equal(list.json.length, 2);
        assert.match(list.stderr, /registry file .* is corrupt/);
        const write = ws.cli(['update', '--track-id', victim, '--field', 'priority', '--value', 'P3']);
        assert.equal(write.code, 9);
        assert.match(write.stderr, /E_CORRUPT_FILE: The registry file/);
        assert.equal(readFileSync(ws.registryFile, 'utf8'), bytes, 'not overwritten by a write');
        const doctor = ws.cli(['doctor']);
        assert.equal(doctor.code, 15);
        assert.ok(doctor.json.problems.some((p) => p.code === 'REGISTRY_CORRUPT' && p.repairable));
        const repair = ws.cli(['doctor', '--repair']);
        assert.equal(repair.code, 0, repair.stdout);
        assert.ok(repair.json.repaired.some((r: string) => /Rebuilt the registry/.test(r)));
        assert.ok(readdirSync(ws.tracksDir).some((name) => name.startsWith('track-registry.json.corrupt-')), 'the corrupt bytes are kept aside');
        assert.equal(ws.readJson(ws.registryFile).active_track, healthy);
        assert.equal(ws.cli(['update', '--track-id', victim, '--field', 'priority', '--value', 'P3']).code, 0);
      });
    }

    it('a missing registry is rebuilt on the next read (a fresh clone of a team\'s tracks)', () => {
      writeFileSync(ws.registryFile, 'x');
      ws.cli(['doctor', '--repair']);
      unlinkSync(ws.registryFile);
      const listed = ws.ok(['list']);
      assert.equal(listed.length, 2);
      assert.equal(ws.readJson(ws.registryFile).active_track, healthy);
    });
  });
});
