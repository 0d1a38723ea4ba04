/**
 * `track get-active`, `list`, `show` and `stats` on their own bundle (dist/cli-read.js, chosen by
 * the launcher): reads load the queries and the validators they parse with, and none of the
 * write operations, git, init or the agent tools. Same parsing, output and errors as cli-main.js.
 */
import { TrackReader } from '../core/reader';
import { READ_COMMANDS } from './read-commands';
import { runCommand } from './run-command';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

void runCommand(READ_COMMANDS, process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}, (options) => new TrackReader(options)).then((code) => {
  process.exitCode = code;
});
