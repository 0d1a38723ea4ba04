import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
      const caches = () => readdirSync(temp).flatMap((dir) => readdirSync(path.join(temp, dir)));
      assert.equal(listHelp().status, 0);
      const first = caches();
      assert.equal(first.length, 1, 'the first run writes the cache');
      assert.match(first[0], /^cli-read-[0-9a-f]{8}-[0-9a-f]{8}\.bin$/);
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
