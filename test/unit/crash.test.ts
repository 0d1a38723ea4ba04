import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { assertStoreDocumentsValid } from '../helpers/store-files';
import { CLI, Workspace } from '../helpers/workspace';

const KILLS = 200;
const MAX_ATTEMPTS = 600;
const LANES = 4;

/** Starts a CLI write and SIGKILLs it after `delayMs` (it may finish first). */
function killDuring(args: string[], cwd: string, delayMs: number): Promise<{ outcome: 'killed' | 'finished'; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: 'ignore', env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ outcome: signal === 'SIGKILL' ? 'killed' : 'finished', ms: Date.now() - started });
    });
  });
}

function countLeftovers(dir: string): { temps: number; journal: boolean; lock: boolean } {
  const names: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      names.push(entry.name);
      if (entry.isDirectory()) walk(path.join(d, entry.name));
    }
  };
  walk(dir);
  return {
    temps: names.filter((n) => n.endsWith('.tmp')).length,
    journal: names.includes('track-journal.json'),
    lock: names.includes('track-registry.lock'),
  };
}

describe('crashes: CLI writes killed with SIGKILL at random moments', function () {
  this.timeout(300_000);
  let ws: Workspace;
  before(() => { ws = new Workspace(); });
  after(() => ws.cleanup());

  it(`leaves every file old or new, a repairable store, and a working next command (${KILLS} kills)`, async () => {
    const ids = ['Alpha', 'Beta', 'Gamma', 'Delta'].map((name) => ws.create(`Track ${name}`).track_id);
    ws.ok(['activate', '--track-id', ids[0]]);
    const run = ws.ok(['run', 'start', '--track-id', ids[0], '--workflow', 'crash-test']);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
    const writes = (): string[] => {
      const id = pick(ids);
      return pick([
        ['switch', '--to', id],
        ['update', '--track-id', id, '--field', 'progress', '--value', String(Math.floor(random() * 100))],
        ['checkpoint', 'create', '--track-id', id],
        ['context', 'add-decision', '--track-id', id, '--text', `decision ${Math.floor(random() * 1e6)}`],
        ['create', '--name', `Crash ${Math.floor(random() * 1e6)}`, '--type', 'bugfix', '--goal', 'g'],
        ['run', 'step', '--run-id', run.run_id, '--step', String(Math.floor(random() * 50))],
        ['pause', '--track-id', id, '--reason', 'crash test'],
      ]);
    };

    // How long a write takes here, under the same parallelism: kills are aimed at its last stretch,
    // where the files are written, rather than at Node's start-up.
    const durations: number[] = [];
    await Promise.all(Array.from({ length: LANES }, async () => {
      for (let i = 0; i < 3; i += 1) durations.push((await killDuring(writes(), ws.dir, 60_000)).ms);
    }));
    let typical = durations.sort((a, b) => a - b)[Math.floor(durations.length / 2)];

    let killed = 0;
    let documents = 0;
    const seen = { temps: 0, journals: 0, locks: 0 };
    let finishedThisRound: number[] = [];
    const lane = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += 1) {
        const { outcome, ms } = await killDuring(writes(), ws.dir, typical * (0.5 + random() * 0.5));
        if (outcome === 'killed') killed += 1;
        else finishedThisRound.push(ms);
      }
    };
    let attempts = 0;
    for (let round = 0; killed < KILLS && attempts < MAX_ATTEMPTS; round += 1, attempts += LANES * 5) {
      finishedThisRound = [];
      await Promise.all(Array.from({ length: LANES }, () => lane(5)));
      // The machine's speed drifts (other load): aim at the writes as they take now.
      if (finishedThisRound.length > 0) typical = Math.min(typical, finishedThisRound.sort((a, b) => a - b)[0]);
      else typical *= 1.1;
      const leftovers = countLeftovers(ws.conductor);
      seen.temps += leftovers.temps;
      seen.journals += leftovers.journal ? 1 : 0;
      seen.locks += leftovers.lock ? 1 : 0;
      documents = assertStoreDocumentsValid(ws.conductor);
      // The next command succeeds, whatever the crash left (a lock of a dead process, a journal).
      assert.equal(ws.cli(['list']).code, 0);
      assert.equal(ws.cli(['update', '--track-id', ids[1], '--field', 'notes', '--value', `round ${round}`]).code, 0);
    }
    assert.ok(killed >= 200, `only ${killed} processes were killed mid-way`);
    assert.ok(documents > 10);

    const diagnosis = ws.cli(['doctor']).json;
    const codes = diagnosis.problems.map((problem: { code: string }) => problem.code);
    console.log(`      a write takes ~${typical} ms; ${killed} killed; left behind after rounds: ${JSON.stringify(seen)}; doctor found: ${JSON.stringify(codes)}`);
    for (const problem of diagnosis.problems) assert.ok(problem.repairable, `not repairable: ${JSON.stringify(problem)}`);
    const repaired = ws.cli(['doctor', '--repair']);
    assert.equal(repaired.code, 0, repaired.stdout);
    assert.equal(repaired.json.healthy, true);
    assert.deepEqual(ws.cli(['doctor']).json.problems, []);
    assert.equal(ws.cli(['create', '--name', 'After the storm', '--type', 'feature', '--goal', 'g']).code, 0);
    assertStoreDocumentsValid(ws.conductor);
    const active = ws.ok(['list', '--status', 'active']);
    assert.ok(active.length <= 1);
    assert.equal(path.basename(ws.conductor), 'conductor');
  });
});
