/**
 * `track brief` on its own small bundle (dist/cli-brief.js, chosen by the launcher): agents run it
 * at every session start, so it loads neither the validators nor the rest of the CLI. It always
 * exits 0 — a hook that fails would block the agent's session for nothing.
 */
import { parseArgs } from 'node:util';
import { buildBrief } from '../core/brief';
import { writeOutput } from './stdio';

const BRIEF_HELP = `Usage: track brief [--root DIR] [--stale-after MINUTES]

Print what a coding agent should know when a session starts, in a few lines: the active track
(goal, progress, last checkpoint, decisions) and any interrupted work with the command that
resumes it. Always exits 0, so it is safe in a session-start hook.
`;

async function main(argv: string[]): Promise<void> {
  let values: { root?: string; 'stale-after'?: string; help?: boolean } = {};
  try {
    values = parseArgs({ args: argv, options: { root: { type: 'string' }, 'stale-after': { type: 'string' }, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    writeOutput(2, `track brief: ${(error as Error).message} (ignored)\n`);
  }
  if (values.help) {
    print(BRIEF_HELP);
    return;
  }
  const stale = values['stale-after'] !== undefined && /^\d+$/.test(values['stale-after']) ? Number(values['stale-after']) : undefined;
  print(await buildBrief({ root: values.root, staleAfterMinutes: stale }));
}

/** Standard output that cannot fail the hook: any error writing it ends the process with 0. */
function print(text: string): void {
  try {
    writeOutput(1, text);
  } catch {
    process.exit(0);
  }
}

main(process.argv.slice(3)).then(
  () => { process.exitCode = 0; },
  (error) => {
    print(`Track Manager: brief unavailable (${(error as Error)?.message ?? error}).\n`);
    process.exitCode = 0;
  },
);
