/**
 * `track get-active`, `list`, `show` and `stats` on their own bundle (dist/cli-read.js, chosen by
 * the launcher): reads load the queries and the validators they parse with, and none of the
 * write operations, git, init or the agent tools. Same parsing, output and errors as cli-main.js.
 */
import { TrackReader } from '../core/reader';
import { READ_COMMANDS } from './read-commands';
import { runCommand } from './run-command';
import { standardOutput } from './stdio';

// Output goes straight to the descriptors (stdio.ts); a closed pipe ends the process quietly there.
void runCommand(READ_COMMANDS, process.argv.slice(2), {
  ...standardOutput,
  env: process.env,
  cwd: process.cwd(),
}, (options) => new TrackReader(options)).then((code) => {
  process.exitCode = code;
});
