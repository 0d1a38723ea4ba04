/**
 * A requester of the group-commit tests: runs its operations one after another through the
 * library and prints one JSON line per operation ({"i","ok","value"} or {"i","ok":false,"code","message"}).
 * Usage: node group-worker.js ROOT OPS_JSON [wait]   (wait: start on a line from stdin)
 * OPS_JSON: [["switch", id], ["create", name], ["update", id, value], ["group", operation, ...args]]
 */
import './group-ops';
import { createContext } from '../../src/core/storage/context';
import { runGrouped } from '../../src/core/storage/group-commit';
import { TrackStore } from '../../src/core/store';
import { nextLine } from './group-ops';

export type GroupWorkerOp = ['switch', string] | ['create', string] | ['update', string, string] | ['group', string, ...unknown[]];
export type GroupWorkerLine = { i: number; ok: true; value: unknown } | { i: number; ok: false; code: string; message: string };

const [root, opsText, wait] = process.argv.slice(2);
const ops = JSON.parse(opsText) as GroupWorkerOp[];
const store = new TrackStore({ root, lockTimeoutMs: 60_000 });
const ctx = createContext({ root, lockTimeoutMs: 60_000 });

function run(op: GroupWorkerOp): Promise<unknown> {
  switch (op[0]) {
    case 'switch': return store.switchTrack(op[1]);
    case 'create': return store.createTrack({ name: op[1], type: 'feature', goal: `Goal of ${op[1]}` });
    case 'update': return store.updateTrack(op[1], 'description', op[2]);
    case 'group': return runGrouped(ctx, op[1], op.slice(2));
  }
}

async function main(): Promise<void> {
  if (wait === 'wait') await nextLine();
  for (const [i, op] of ops.entries()) {
    let line: GroupWorkerLine;
    try {
      line = { i, ok: true, value: await run(op) };
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      line = { i, ok: false, code: failure.code ?? 'UNKNOWN', message: String(failure.message) };
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(String(error));
  process.exit(1);
});
