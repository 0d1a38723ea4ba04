import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_EXIT_CODES } from '../../src/core/model/errors';
import { COMMANDS } from '../../src/cli/commands';
import { CLI, cliError, Workspace } from '../helpers/workspace';

describe('the track CLI', function () {
  this.timeout(120_000);
  let ws: Workspace;
  before(() => { ws = new Workspace(); });
  after(() => ws.cleanup());

  it('has the commands the issue lists', () => {
    const names = COMMANDS.map((c) => c.name).sort();
    const expected = [
      'create', 'ready', 'activate', 'pause', 'resume', 'switch', 'complete', 'fail', 'cancel', 'archive', 'reopen',
      'get-active', 'list', 'show', 'stats', 'update',
      'context add-decision', 'context add-assumption', 'context add-artifact',
      'checkpoint create', 'checkpoint list', 'checkpoint restore',
      'run start', 'run step', 'run complete', 'run fail', 'run list',
      'snapshot list', 'snapshot prune', 'recover detect', 'recover resume', 'recover damaged', 'doctor',
      'brief', 'mcp', 'hook pre-compact', 'init', 'merge-file', 'heartbeat',
    ].sort();
    assert.deepEqual(names, expected);
  });

  it('prints help for every command, every group and the whole tool', () => {
    const main = ws.cli(['--help']);
    assert.equal(main.code, 0);
    for (const command of COMMANDS) assert.ok(main.stdout.includes(`  ${command.name} `), command.name);
    for (const [code, exit] of Object.entries(ERROR_EXIT_CODES)) assert.match(main.stdout, new RegExp(`\\b${exit}  ${code}\\b`));
    for (const command of COMMANDS) {
      const help = ws.cli([...command.name.split(' '), '--help']);
      assert.equal(help.code, 0, command.name);
      assert.match(help.stdout, new RegExp(`^Usage: track ${command.name}`));
      for (const option of Object.keys(command.options)) assert.ok(help.stdout.includes(`--${option}`), `${command.name} --${option}`);
    }
    for (const group of ['context', 'checkpoint', 'run', 'snapshot', 'recover']) {
      const help = ws.cli([group, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`Usage: track ${group} <command>`));
    }
    assert.match(ws.cli(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('gives every error code its own exit status', () => {
    const exits = Object.values(ERROR_EXIT_CODES);
    assert.equal(new Set(exits).size, exits.length);
    assert.ok(!exits.includes(0 as never));
  });

  it('usage errors: unknown command, unknown flag, missing flag, stray argument → E_USAGE (2)', () => {
    const cases: string[][] = [
      ['frobnicate'],
      ['run', 'explode'],
      ['list', '--colour', 'red'],
      ['create', '--name', 'Only a name'],
      ['show', 'track-positional-1'],
      ['pause', '--track-id'],
    ];
    for (const args of cases) {
      const result = ws.cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^track: E_USAGE: .*(--help|Commands:)/);
      assert.equal(result.stdout, '');
    }
  });

  it('--json prints errors as {"error":{"code","message"}} on stderr, results as JSON on stdout', () => {
    const result = ws.cli(['show', '--track-id', 'track-missing-1', '--json']);
    assert.equal(result.code, 4);
    assert.equal(result.stdout, '');
    const error = cliError(result.stderr);
    assert.equal(error.code, 'E_TRACK_NOT_FOUND');
    assert.equal(typeof error.message, 'string');
    assert.equal(cliError(ws.cli(['nope', '--json']).stderr).code, 'E_USAGE');
    const detect = ws.cli(['recover', 'detect', '--json']);
    assert.equal(detect.json.count, 0);
  });

  it('bad values are E_INVALID_INPUT (3) with a next step', () => {
    for (const args of [
      ['create', '--name', 'Valid Name', '--type', 'banana', '--goal', 'g'],
      ['create', '--name', 'Valid Name', '--type', 'feature', '--goal', 'g', '--priority', 'P5'],
      ['list', '--status', 'sleeping'],
      ['run', 'list', '--status', 'exploding'],
      ['recover', 'detect', '--stale-after', 'soon'],
    ]) {
      const result = ws.cli(args);
      assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /expected one of|whole number/);
    }
  });

  it('finds the store from a subfolder, from TRACK_MANAGER_ROOT and from --root', () => {
    const id = ws.create('Rooted Track').track_id;
    const deep = path.join(ws.dir, 'src', 'deep', 'er');
    mkdirSync(deep, { recursive: true });
    assert.equal(ws.ok(['show', '--track-id', id], { cwd: deep }).track_id, id);
    const elsewhere = new Workspace();
    try {
      assert.equal(ws.ok(['show', '--track-id', id], { cwd: elsewhere.dir, env: { TRACK_MANAGER_ROOT: ws.dir } }).track_id, id);
      assert.equal(ws.ok(['show', '--track-id', id, '--root', ws.dir], { cwd: elsewhere.dir }).track_id, id);
      assert.equal(ws.ok(['show', '--track-id', id, '--root', ws.conductor], { cwd: elsewhere.dir }).track_id, id, '--root may name the conductor folder');
      assert.deepEqual(ws.ok(['list'], { cwd: elsewhere.dir }), [], 'an unrelated folder has no tracks');
    } finally {
      elsewhere.cleanup();
    }
  });

  it('get-active prints null and succeeds when nothing is active', () => {
    const result = ws.cli(['get-active']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'null\n');
  });

  it('a closed pipe is not an error', () => {
    for (let i = 0; i < 30; i += 1) ws.create(`Piped Track ${i}`);
    const result = spawnSync('bash', ['-c', `node ${CLI} list | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(result.stdout.trim(), '0');
    assert.equal(result.stderr, '');
  });
});
