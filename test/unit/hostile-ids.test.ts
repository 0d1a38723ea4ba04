import * as assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { cliError, Workspace } from '../helpers/workspace';

/** Snapshot of every path under a folder with its size and mtime, to prove nothing was touched. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const info = statSync(full);
      out.push(`${path.relative(dir, full)}:${info.size}:${info.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

describe('hostile ids are rejected before any path is built', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let real: string;
  before(() => {
    ws = new Workspace();
    real = ws.create('Real Track').track_id;
  });
  after(() => ws.cleanup());

  const hostile = [
    '../x', '../../etc/passwd', '/etc/passwd', '/tmp/track-x', '..\\x', 'track-..\\..\\x', 'track-a/../../b',
    'track-a\u0000b', 'track-\u0430bc', 'trаck-abc', 'track-ABC', 'track--double', 'track-trailing-', 'TRACK-x',
    'track-x\n', ' track-x', 'track-' + 'a'.repeat(200), '', 'track-caf\u00e9', 'track-a%2e%2e',
  ];
  const commands = (id: string): string[][] => [
    ['show', '--track-id', id],
    ['activate', '--track-id', id],
    ['pause', '--track-id', id, '--reason', 'r'],
    ['switch', '--to', id],
    ['update', '--track-id', id, '--field', 'priority', '--value', 'P0'],
    ['context', 'add-artifact', '--track-id', id, '--name', 'x.json', '--content', '{}'],
    ['checkpoint', 'create', '--track-id', id],
    ['run', 'start', '--track-id', id, '--workflow', 'w'],
    ['recover', 'resume', '--track-id', id],
    ['resume', '--track-id', real, '--checkpoint', id],
    ['run', 'step', '--run-id', id, '--step', '1'],
  ];

  // Every command for the classic traversals; the id-taking commands that differ most for the rest.
  const everyCommand = new Set(['../x', '/etc/passwd', '..\\x', 'track-\u0430bc']);
  for (const id of hostile) {
    it(`rejects ${JSON.stringify(id)} with E_INVALID_INPUT and touches no file`, () => {
      if (id.includes('\u0000')) {
        // The OS refuses NUL in argv; the library must refuse it too.
        return;
      }
      const before = tree(ws.dir);
      const chosen = everyCommand.has(id) ? commands(id) : commands(id).filter((args) => ['show', 'switch', 'context', 'run'].includes(args[0]));
      for (const args of chosen) {
        const result = ws.cli([...args, '--json']);
        assert.equal(result.code, 3, `${args.join(' ')} → ${result.code} ${result.stderr}`);
        assert.equal(cliError(result.stderr).code, 'E_INVALID_INPUT');
      }
      assert.deepEqual(tree(ws.dir), before);
    });
  }

  it('the library rejects the same ids, NUL included', async () => {
    const { TrackStore } = await import('../../src/core/store');
    const store = new TrackStore({ root: ws.dir });
    for (const id of hostile) {
      await assert.rejects(store.getTrack(id), { code: 'E_INVALID_INPUT' }, JSON.stringify(id));
      await assert.rejects(store.activateTrack(id), { code: 'E_INVALID_INPUT' });
      await assert.rejects(store.switchTrack(id), { code: 'E_INVALID_INPUT' });
      await assert.rejects(store.recordRunStep(id, { step: 1 }), { code: 'E_INVALID_INPUT' });
    }
  });
});
