import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cliError, Workspace } from '../helpers/workspace';
import * as schemas from '../../src/core/model/schemas';
import { CACHE_FILES_KEPT } from '../../src/core/storage/user-cache';

/**
 * Documents known valid (storage/known-valid.ts, issue 10): a write records the identity of the
 * documents it wrote, a read that validated one records it too, and a later process reading the same
 * bytes skips zod. Anything that changes a file changes its identity, so a changed file is
 * validated again; doctor never trusts the record.
 */
describe('known-valid documents: zod runs once per version of a file, across processes', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let cache: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    ws = new Workspace();
    cache = mkdtempSync(path.join(tmpdir(), 'track-known-valid-'));
    env = { XDG_CACHE_HOME: cache };
  });
  afterEach(() => {
    ws.cleanup();
    rmSync(cache, { recursive: true, force: true });
  });

  const cacheFile = () => {
    const folder = path.join(cache, 'track-manager', 'known-valid');
    const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1, `one cache file per store: ${files.join(', ')}`);
    return path.join(folder, files[0]);
  };
  /** The one cache file of this test's store in a folder that may hold others. */
  const recordedIn = (folder: string) => {
    const mine = readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as { conductor?: string })
      .filter((doc) => doc.conductor === ws.conductor);
    assert.equal(mine.length, 1);
    return mine[0];
  };
  const recorded = () => JSON.parse(readFileSync(cacheFile(), 'utf8')) as { conductor: string; validators: string; files: Record<string, string> };
  const identity = (file: string) => {
    const info = statSync(file);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  };
  const relative = (file: string) => path.relative(ws.conductor, file);
  /** A value of the same length the schema refuses: the file keeps its size and inode. */
  const breakInPlace = (file: string) => {
    const text = readFileSync(file, 'utf8');
    assert.match(text, /"status": "active"/);
    writeFileSync(file, text.replace('"status": "active"', '"status": "ACTIVE"'));
  };
  /** Stands for the one case identity cannot see: the record says these (invalid) bytes are valid. */
  const forgeRecord = (file: string) => {
    const doc = recorded();
    doc.files[relative(file)] = identity(file);
    writeFileSync(cacheFile(), JSON.stringify(doc));
  };

  it('a write records the documents it wrote, as they are in place', () => {
    const id = ws.create('Recorded Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env });
    const doc = recorded();
    assert.equal(doc.conductor, ws.conductor);
    assert.equal(doc.files[relative(ws.trackFile(id))], identity(ws.trackFile(id)));
    assert.equal(doc.files[relative(ws.registryFile)], identity(ws.registryFile));
  });

  it('a file changed in place to the same size is validated again and refused', () => {
    const id = ws.create('Edited Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env });
    const before = statSync(ws.trackFile(id));
    breakInPlace(ws.trackFile(id));
    const after = statSync(ws.trackFile(id));
    assert.equal(after.ino, before.ino);
    assert.equal(after.size, before.size);
    for (const args of [['get-active'], ['show', '--track-id', id], ['pause', '--track-id', id, '--reason', 'x']]) {
      const result = ws.cli([...args, '--json'], { env });
      assert.equal(result.code === 0 ? 'exit 0' : cliError(result.stderr).code, 'E_CORRUPT_FILE', `track ${args.join(' ')}`);
    }
  });

  it('a recorded identity skips zod; doctor validates all the same', () => {
    const id = ws.create('Trusted Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env });
    breakInPlace(ws.trackFile(id));
    forgeRecord(ws.trackFile(id));
    // What the record is for: these bytes are taken as valid without running zod.
    assert.equal(ws.ok(['show', '--track-id', id], { env }).status, 'ACTIVE');
    const doctor = ws.cli(['doctor', '--json'], { env });
    assert.notEqual(doctor.code, 0, 'an unhealthy store');
    const report = doctor.json;
    assert.equal(report.healthy, false);
    assert.deepEqual(report.problems.map((problem) => [problem.code, path.basename(problem.file)]), [['CORRUPT_FILE', 'track.json']]);
  });

  it('a record made by another version of the validators is not trusted', () => {
    const id = ws.create('Versioned Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env });
    breakInPlace(ws.trackFile(id));
    forgeRecord(ws.trackFile(id));
    const doc = recorded();
    writeFileSync(cacheFile(), JSON.stringify({ ...doc, validators: `older/${doc.validators}` }));
    assert.equal(cliError(ws.cli(['show', '--track-id', id, '--json'], { env }).stderr).code, 'E_CORRUPT_FILE');
  });

  it('a cache folder that cannot be written changes nothing but speed', () => {
    const blocked = path.join(cache, 'not-a-folder');
    writeFileSync(blocked, 'x');
    const blockedEnv = { XDG_CACHE_HOME: blocked };
    const id = ws.create('Uncached Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env: blockedEnv });
    assert.equal(ws.ok(['get-active'], { env: blockedEnv })?.track_id, id);
    breakInPlace(ws.trackFile(id));
    assert.equal(cliError(ws.cli(['get-active', '--json'], { env: blockedEnv }).stderr).code, 'E_CORRUPT_FILE');
  });

  it('the cache folder keeps the files of the stores used last, and drops temp files a killed process left', () => {
    const folder = path.join(cache, 'track-manager', 'known-valid');
    mkdirSync(folder, { recursive: true });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // Other stores' files, store i last used i minutes ago: more than the folder keeps.
    const others = CACHE_FILES_KEPT + 80;
    for (let i = 0; i < others; i += 1) {
      const file = path.join(folder, `other-${i}.json`);
      writeFileSync(file, '{}');
      utimesSync(file, minutesAgo(i + 1), minutesAgo(i + 1));
    }
    const leftTemp = path.join(folder, 'other-0.json.4242.1.tmp');
    writeFileSync(leftTemp, '{"conductor"');
    utimesSync(leftTemp, minutesAgo(5), minutesAgo(5));
    const writingNow = path.join(folder, 'other-1.json.4243.1.tmp');
    writeFileSync(writingNow, '{}');

    const id = ws.create('Pruned Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id], { env });

    const names = new Set(readdirSync(folder));
    const kept = [...names].filter((name) => name.endsWith('.json'));
    assert.equal(kept.length, CACHE_FILES_KEPT, 'the folder is back to its bound');
    assert.equal(recordedIn(folder).conductor, ws.conductor, "this store's file is kept");
    for (let i = 0; i < CACHE_FILES_KEPT - 1; i += 1) assert.ok(names.has(`other-${i}.json`), `store used ${i + 1} min ago is kept`);
    for (let i = CACHE_FILES_KEPT - 1; i < others; i += 1) assert.ok(!names.has(`other-${i}.json`), `store used ${i + 1} min ago is dropped`);
    assert.ok(!names.has(path.basename(leftTemp)), 'a temp file left minutes ago is removed');
    assert.ok(names.has(path.basename(writingNow)), 'a temp file another process may be writing is left alone');
  });

  it('every document schema only checks: zod returns what it was given (so a document read without zod is the same)', () => {
    const id = ws.create('Checked Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', id]);
    ws.ok(['context', 'add-decision', '--track-id', id, '--text', 'Use zod/mini', '--rationale', 'start-up']);
    ws.ok(['context', 'add-assumption', '--track-id', id, '--text', 'Loose objects']);
    const run = ws.ok(['run', 'start', '--track-id', id, '--workflow', 'checked', '--total', '2']).run_id;
    ws.ok(['run', 'step', '--run-id', run, '--step', '1', '--state', '{"a":[1,{"b":null}]}']);
    ws.ok(['checkpoint', 'create', '--track-id', id, '--name', 'Checked']);
    ws.ok(['pause', '--track-id', id, '--reason', 'checked']);
    const trackDir = path.join(ws.tracksDir, id);
    const checkpoint = readdirSync(path.join(trackDir, 'checkpoints')).find((name) => name.endsWith('.json'))!;
    const documents: Array<[string, { safeParse(value: unknown): { success: boolean; data?: unknown } }]> = [
      [ws.trackFile(id), schemas.trackSchema],
      [ws.registryFile, schemas.registryEnvelopeSchema],
      [path.join(trackDir, 'activity.json'), schemas.activitySchema],
      [path.join(trackDir, 'context', 'decisions.json'), schemas.decisionsSchema],
      [path.join(trackDir, 'context', 'assumptions.json'), schemas.assumptionsSchema],
      [path.join(trackDir, 'workflows', run, 'run.json'), schemas.runSchema],
      [path.join(trackDir, 'checkpoints', checkpoint), schemas.checkpointSchema],
    ];
    for (const [file, schema] of documents) {
      const doc: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const parsed = schema.safeParse(doc);
      assert.ok(parsed.success, relative(file));
      assert.deepEqual(parsed.data, doc, `${relative(file)}: zod changed the document (a default or a transform in its schema?)`);
    }
  });
});
