import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { COMMANDS } from '../../src/cli/commands';
import { READ_COMMAND_NAMES, READ_COMMANDS } from '../../src/cli/read-commands';
import { lazySchema } from '../../src/core/model/lazy-schema';
import { PROJECT_ROOT, Workspace } from '../helpers/workspace';

const DIST = path.join(PROJECT_ROOT, 'dist');

/**
 * Start-up (issue 10): the launcher loads only the bundle a command needs. These prove the split
 * changes nothing a user sees; the benchmark measures what it saves.
 */
describe('CLI start-up: the read bundle and lazy loading', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let hookDir: string;
  let hook: string;
  before(() => {
    ws = new Workspace();
    hookDir = mkdtempSync(path.join(tmpdir(), 'track-startup-hook-'));
    hook = path.join(hookDir, 'record-bundles.cjs');
    // Records which of dist's bundles a process read besides its entry (the launcher reads the one it runs).
    writeFileSync(hook, `
      const fs = require('node:fs');
      const read = fs.readFileSync;
      const seen = new Set();
      fs.readFileSync = function (file, ...rest) {
        if (typeof file === 'string' && file.startsWith(${JSON.stringify(DIST)}) && file.endsWith('.js') && file !== process.argv[1]) seen.add(require('node:path').basename(file));
        return read.call(this, file, ...rest);
      };
      process.on('exit', () => fs.writeSync(2, 'BUNDLES ' + JSON.stringify([...seen].sort()) + '\\n'));
    `);
  });
  after(() => {
    ws.cleanup();
    rmSync(hookDir, { recursive: true, force: true });
  });

  const run = (args: string[], bundle = 'cli.js') => {
    const result = spawnSync(process.execPath, ['-r', hook, path.join(DIST, bundle), ...args], {
      cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' },
    });
    const bundles = JSON.parse(/BUNDLES (.*)$/m.exec(result.stderr)?.[1] ?? '[]') as string[];
    return { code: result.status, stdout: result.stdout, stderr: result.stderr.replace(/^BUNDLES .*\n/m, ''), bundles };
  };

  it('lists the read commands once: the launcher, the read bundle and the whole CLI agree', () => {
    assert.deepEqual(READ_COMMANDS.map((c) => c.name).sort(), [...READ_COMMAND_NAMES].sort());
    const launcher = readFileSync(path.join(PROJECT_ROOT, 'src', 'cli', 'launcher.ts'), 'utf8');
    const set = /const READ_COMMANDS = new Set\((\[[^\]]*\])\)/.exec(launcher)?.[1];
    assert.deepEqual(JSON.parse(set!.replace(/'/g, '"')), [...READ_COMMAND_NAMES]);
    for (const command of READ_COMMANDS) assert.ok((COMMANDS as unknown[]).includes(command), `${command.name} is in the whole CLI too`);
  });

  it('runs each command from the bundle it needs: --version none, reads the read bundle, writes the main one', () => {
    assert.deepEqual(run(['--version']).bundles, []);
    assert.equal(run(['--version']).stdout, `${(JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    for (const name of READ_COMMAND_NAMES) assert.deepEqual(run([name, '--help']).bundles, ['cli-read.js'], name);
    assert.deepEqual(run(['create', '--help']).bundles, ['cli-main.js']);
    assert.deepEqual(run(['--help']).bundles, ['cli-main.js']);
    assert.deepEqual(run(['brief']).bundles, ['cli-brief.js']);
  });

  it('prints the same output, errors and exit codes from the read bundle as from the whole CLI', () => {
    const created = ws.cli(['create', '--name', 'Same Output', '--type', 'feature', '--goal', 'g', '--ready']);
    assert.equal(created.code, 0);
    const trackId = (JSON.parse(created.stdout) as { track_id: string }).track_id;
    ws.cli(['activate', '--track-id', trackId]);
    ws.cli(['context', 'add-decision', '--track-id', trackId, '--text', 'Use the read bundle']);
    // `show` of a paused track: an active one's open interval ends "now", which differs between runs.
    ws.cli(['pause', '--track-id', trackId, '--reason', 'compare']);
    ws.cli(['activate', '--track-id', (JSON.parse(ws.cli(['create', '--name', 'Active One', '--type', 'bugfix', '--goal', 'g', '--ready']).stdout) as { track_id: string }).track_id]);
    const cases = [
      ['get-active'], ['get-active', '--json'], ['list'], ['list', '--status', 'active'], ['list', '--status', 'nope'], ['list', '--status', 'nope', '--json'],
      ['show', '--track-id', trackId], ['show', '--track-id', 'track-missing-1'], ['show', '--track-id', 'BAD ID', '--json'], ['show'],
      ['stats'], ['stats', '--since', '2020-01-01T00:00:00Z'], ['stats', '--since', 'yesterday-ish'], ['list', '--bogus'], ['list', 'extra'],
      ['show', '--help'], ['get-active', '--root', path.join(ws.dir, 'nowhere')],
    ];
    // `stats --since` reports until "now", the one value that differs between two runs.
    const timeless = (text: string) => text.replace(/"until": "[^"]+"/g, '"until": "now"');
    for (const args of cases) {
      const viaLauncher = run(args);
      const viaMain = run(args, 'cli-main.js');
      assert.deepEqual(viaLauncher.bundles, ['cli-read.js'], args.join(' '));
      assert.deepEqual(
        { code: viaLauncher.code, stdout: timeless(viaLauncher.stdout), stderr: viaLauncher.stderr },
        { code: viaMain.code, stdout: timeless(viaMain.stdout), stderr: viaMain.stderr },
        args.join(' '),
      );
    }
  });

  it('loads no built-in a command does not use: no output streams, no ES module loader, no assert for a write', () => {
    const modulesHook = path.join(hookDir, 'record-modules.cjs');
    // The built-in modules a process loaded after start-up, printed at exit.
    writeFileSync(modulesHook, `
      const fs = require('node:fs');
      const before = new Set(process.moduleLoadList);
      process.on('exit', () => fs.writeSync(2, 'MODULES ' + JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)).map((m) => m.replace(/^NativeModule /, ''))) + '\\n'));
    `);
    const modulesOf = (args: string[], stdout: 'pipe' | 'ignore') => {
      const result = spawnSync(process.execPath, ['-r', modulesHook, path.join(DIST, 'cli.js'), ...args], {
        cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' }, stdio: ['ignore', stdout, 'pipe'],
      });
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(/MODULES (.*)$/m.exec(result.stderr)?.[1] ?? 'null') as string[];
    };
    for (const stdout of ['pipe', 'ignore'] as const) {
      for (const args of [['get-active'], ['list'], ['stats'], ['--version'], ['create', '--name', `Modules ${stdout}`, '--type', 'feature', '--goal', 'g']]) {
        const loaded = modulesOf(args, stdout);
        // Streams come with node:crypto (the index log's checksums) for list, stats and writes; never for output.
        const unwanted = ['internal/fs/sync_write_stream', 'tty', 'net', 'module', 'internal/modules/esm/loader', ...(['get-active', '--version'].includes(args[0]) ? ['stream'] : [])];
        for (const name of unwanted) assert.ok(!loaded.includes(name), `track ${args.join(' ')} (stdout: ${stdout}) loads ${name}`);
        if (args[0] === 'create') assert.ok(!loaded.includes('assert'), 'a write loads no assert');
      }
    }
  });

  it('keeps write operations, git, init and the agent tools out of the read bundle', () => {
    const read = readFileSync(path.join(DIST, 'cli-read.js'), 'utf8');
    const main = readFileSync(path.join(DIST, 'cli-main.js'), 'utf8');
    for (const marker of ['record_run_step', 'pre-compact', 'gunzip']) {
      assert.ok(main.includes(marker), `the marker ${marker} is in the main bundle`);
      assert.ok(!read.includes(marker), `${marker} stays out of the read bundle`);
    }
  });

  it('keeps one V8 code cache per installed bundle: a rebuilt bundle replaces its old cache', () => {
    const install = mkdtempSync(path.join(tmpdir(), 'track-startup-install-'));
    const temp = mkdtempSync(path.join(tmpdir(), 'track-startup-tmp-'));
    try {
      for (const file of ['cli.js', 'cli-read.js']) copyFileSync(path.join(DIST, file), path.join(install, file));
      const listHelp = () => spawnSync(process.execPath, [path.join(install, 'cli.js'), 'list', '--help'], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TMPDIR: temp } });
      const caches = () => readdirSync(temp).flatMap((dir) => readdirSync(path.join(temp, dir))).filter((name) => name.endsWith('.bin'));
      assert.equal(listHelp().status, 0);
      const first = caches();
      assert.equal(first.length, 1, 'the first run writes the cache');
      assert.match(first[0], /^cli-read-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/);
      // Another command's first run adds the functions it compiled to the same cache; its next run does not.
      const cacheFile = path.join(temp, readdirSync(temp)[0], first[0]);
      const written = () => statSync(cacheFile).mtimeMs;
      const beforeOther = written();
      const getActiveHelp = () => spawnSync(process.execPath, [path.join(install, 'cli.js'), 'get-active', '--help'], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TMPDIR: temp } });
      assert.equal(getActiveHelp().status, 0);
      const afterOther = written();
      assert.notEqual(afterOther, beforeOther, 'a command that had not run yet rewrote the cache');
      assert.deepEqual(readFileSync(cacheFile.replace(/\.bin$/, '.commands'), 'utf8').split('\n').filter(Boolean), ['list', 'get-active']);
      assert.equal(getActiveHelp().status, 0);
      assert.equal(listHelp().status, 0);
      assert.equal(written(), afterOther, 'commands that ran before leave the cache alone');
      assert.deepEqual(caches(), first);
      const later = new Date(Date.now() + 60_000);
      utimesSync(path.join(install, 'cli-read.js'), later, later);
      assert.equal(listHelp().status, 0);
      const second = caches();
      assert.equal(second.length, 1, 'the rebuilt bundle\'s cache replaced the old one');
      assert.notEqual(second[0], first[0]);
    } finally {
      rmSync(install, { recursive: true, force: true });
      rmSync(temp, { recursive: true, force: true });
    }
  });

  it('builds a lazy schema once, on first use, and it behaves as the schema itself', () => {
    let builds = 0;
    const name = lazySchema(() => {
      builds += 1;
      return z.string().check(z.minLength(3));
    });
    const entry = lazySchema(() => z.looseObject({ name, tags: z.array(name) }));
    assert.equal(builds, 0, 'nothing is built at declaration');
    const composed = z.strictObject({ ...entry.shape, extra: z.optional(z.number()) });
    assert.equal(builds, 0, 'spreading the outer shape does not build the inner schema');
    assert.deepEqual(composed.parse({ name: 'abc', tags: ['defg'] }), { name: 'abc', tags: ['defg'] });
    assert.equal(builds, 1);
    const failed = entry.safeParse({ name: 'ab', tags: ['ok!', 'x'], kept: true });
    assert.equal(failed.success, false);
    assert.deepEqual(failed.error.issues.map((issue) => issue.path), [['name'], ['tags', 1]]);
    assert.deepEqual(entry.parse({ name: 'abc', tags: [], kept: true }), { name: 'abc', tags: [], kept: true }, 'loose objects keep unknown keys');
    assert.equal(builds, 1);
  });
});

/**
 * `show` of one track reads that track's files only (issue 10): its cost must not grow with the
 * store. Measured in bytes the process read (/proc/self/io), never in time.
 */
describe('CLI start-up: show reads only the track it shows', function () {
  this.timeout(120_000);
  const PADDING_TRACKS = 3000;
  let ws: Workspace;
  let hookDir: string;
  let hook: string;
  let trackId: string;
  let runId: string;
  before(function () {
    if (!existsSync('/proc/self/io')) this.skip();
    ws = new Workspace();
    hookDir = mkdtempSync(path.join(tmpdir(), 'track-show-io-'));
    hook = path.join(hookDir, 'bytes-read.cjs');
    // Bytes this process read (every read() call), printed at exit.
    writeFileSync(hook, `
      const fs = require('node:fs');
      process.on('exit', () => fs.writeSync(2, 'RCHAR ' + /^rchar: (\\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'))[1] + '\\n'));
    `);
    trackId = ws.create('Shown Track', ['--ready']).track_id;
    ws.ok(['activate', '--track-id', trackId]);
    runId = ws.ok(['run', 'start', '--track-id', trackId, '--workflow', 'feature-development', '--total', '3']).run_id;
    ws.ok(['context', 'add-decision', '--track-id', trackId, '--text', 'Read one track']);
    // Paused: an active track's open interval ends "now", which differs between two runs.
    ws.ok(['pause', '--track-id', trackId, '--reason', 'measure']);
  });
  after(() => {
    ws?.cleanup();
    if (hookDir) rmSync(hookDir, { recursive: true, force: true });
  });

  const show = () => {
    const result = spawnSync(process.execPath, ['-r', hook, path.join(DIST, 'cli.js'), 'show', '--track-id', trackId], {
      cwd: ws.dir, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' },
    });
    const bytesRead = Number(/^RCHAR (\d+)$/m.exec(result.stderr)?.[1]);
    return { code: result.status, stdout: result.stdout, stderr: result.stderr.replace(/^RCHAR .*\n/m, ''), bytesRead };
  };

  /** Track folders as a teammate's pull brings them, then one read indexes them. */
  const padStore = (count: number) => {
    const template = ws.readJson(ws.trackFile(trackId));
    for (let i = 0; i < count; i += 1) {
      const id = `track-padding-${i}-${1_700_000_000_000 + i}`;
      mkdirSync(path.join(ws.tracksDir, id, 'context'), { recursive: true });
      writeFileSync(ws.trackFile(id), JSON.stringify({ ...template, track_id: id, name: `Padding ${i}`, status: 'draft', status_history: [] }, null, 2));
    }
    assert.equal(ws.ok(['list']).length, count + 1);
  };

  it('reads as many bytes in a store of 3 000 tracks as in a store of one, and prints the same', () => {
    show(); // writes the V8 code cache, which later runs read
    const small = show();
    assert.equal(small.code, 0, small.stderr);
    padStore(PADDING_TRACKS);
    const indexBytes = ['track-index.json', 'track-index.log', 'track-registry.json']
      .reduce((sum, name) => sum + (existsSync(path.join(ws.tracksDir, name)) ? statSync(path.join(ws.tracksDir, name)).size : 0), 0);
    assert.ok(indexBytes > 500_000, `the index of ${PADDING_TRACKS} tracks is large (${indexBytes} bytes)`);
    const large = show();
    assert.equal(large.code, 0, large.stderr);
    assert.deepEqual({ stdout: large.stdout, stderr: large.stderr }, { stdout: small.stdout, stderr: small.stderr });
    assert.ok(large.bytesRead - small.bytesRead < 16 * 1024, `show read ${large.bytesRead - small.bytesRead} more bytes in the larger store`);
  });

  it('lists the runs the index lists for the track, and a run file changed by hand as it is now', () => {
    const shown = ws.ok(['show', '--track-id', trackId]);
    assert.deepEqual(shown.runs, ws.ok(['run', 'list', '--track-id', trackId]));
    assert.equal(shown.runs.length, 1);
    const runFile = path.join(ws.tracksDir, trackId, 'workflows', runId, 'run.json');
    writeFileSync(runFile, JSON.stringify({ ...(JSON.parse(readFileSync(runFile, 'utf8')) as Record<string, unknown>), current_step: 2 }, null, 2));
    assert.equal(ws.ok(['show', '--track-id', trackId]).runs[0].current_step, 2);
  });

  it('ends quietly with 0 when the reader of its output goes away (`track list | head`)', async () => {
    const child = spawn(process.execPath, [path.join(DIST, 'cli.js'), 'list'], { cwd: ws.dir, env: { ...process.env, TRACK_MANAGER_ROOT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.deepEqual({ code, stderr }, { code: 0, stderr: '' });
  });
});
