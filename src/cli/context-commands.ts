import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { mergeFile } from '../core/merge-file';
import type { CommandSpec, Values } from './spec';

/**
 * Commands of the working context (issue 13): git set-up and merge driver, heartbeats, time.
 * (`track init --git` lives with `init`, in init.ts.)
 */
const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

/** The command git runs for the merge driver: `track` when that is on PATH, else this very CLI. */
export function defaultDriverCommand(env: NodeJS.ProcessEnv = process.env): string {
  const args = 'merge-file %O %A %B %P';
  if (onPath('track', env)) return `track ${args}`;
  const script = process.argv[1];
  return `${shellQuote(process.execPath)} ${shellQuote(path.resolve(script))} ${args}`;
}

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

function shellQuote(text: string): string {
  return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export const CONTEXT_COMMANDS: CommandSpec[] = [
  {
    name: 'merge-file',
    summary: "git's merge driver: three-way merge of one store JSON file (BASE OURS THEIRS [PATH])",
    positionals: ['base', 'ours', 'theirs', 'path'],
    options: {},
    details: 'Registered by `track init --git` as: track merge-file %O %A %B %P. Writes the result over OURS; exit 0 when merged, 1 when left with conflict markers.',
    run: async (store, values) => {
      const outcome = await mergeFile({
        base: str(values, 'base')!,
        ours: str(values, 'ours')!,
        theirs: str(values, 'theirs')!,
        pathName: str(values, 'path') ?? str(values, 'ours')!,
        now: store.ctx.now().toISOString(),
      });
      return { json: { merged: outcome.exitCode === 0, conflicts: outcome.conflicts, message: outcome.message }, exitCode: outcome.exitCode, text: `${outcome.message}\n` };
    },
    textByDefault: true,
  },
  {
    name: 'heartbeat',
    summary: 'Record that the active track (or --track-id) is being worked on; time counts only near heartbeats',
    options: { 'track-id': { type: 'string', value: 'ID', description: 'The track (default: the active one)' } },
    details: 'Every CLI call, run step and status change already counts as one; agents and scripts may call this in long silent stretches.',
    run: async (store, values) => ({ json: await store.recordHeartbeat(str(values, 'track-id')) }),
  },
];
