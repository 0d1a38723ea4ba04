import { runCli } from './main';
import { standardOutput } from './stdio';

// Output goes straight to the descriptors (stdio.ts); a closed pipe ends the process quietly there.
// runCli turns every failure into a message and an exit code; a rejection would be a bug, and Node's crash with its stack is the right report.
void runCli(process.argv.slice(2), {
  ...standardOutput,
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
