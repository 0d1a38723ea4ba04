/**
 * `track brief` on its own small bundle (dist/cli-brief.js, chosen by the launcher): agents run it
 * at every session start, so it loads neither the validators nor the rest of the CLI. It always
 * exits 0 — a hook that fails would block the agent's session for nothing.
 */
import { parseArgs } from 'node:util';
import { buildBrief } from '../core/brief';

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
    process.stderr.write(`track brief: ${(error as Error).message} (ignored)\n`);
  }
  if (values.help) {
    process.stdout.write(BRIEF_HELP);
    return;
  }
  const stale = values['stale-after'] !== undefined && /^\d+$/.test(values['stale-after']) ? Number(values['stale-after']) : undefined;
  process.stdout.write(await buildBrief({ root: values.root, staleAfterMinutes: stale }));
}

process.stdout.on('error', () => process.exit(0));
main(process.argv.slice(3)).then(
  () => { process.exitCode = 0; },
  (error) => {
    process.stdout.write(`Track Manager: brief unavailable (${(error as Error)?.message ?? error}).\n`);
    process.exitCode = 0;
  },
);
