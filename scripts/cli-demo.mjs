// `npm start`: replays the spec's Examples 1 and 2 through the real CLI in a scratch workspace,
// printing each command and what it printed. Pass a folder to use it instead of a temp one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const workspace = process.argv[2] ? resolve(process.argv[2]) : mkdtempSync(join(tmpdir(), 'track-demo-'));
mkdirSync(workspace, { recursive: true });
const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function track(...args) {
  const shown = args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
  console.log(bold(`$ track ${shown}`));
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: workspace, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' } });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.status !== 0) {
    console.error(`(exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  return result.stdout ? JSON.parse(result.stdout) : null;
}

console.log(`Workspace: ${workspace}\n`);
console.log(bold('# Example 1: feature development track\n'));
const oauth = track('create', '--name', 'OAuth Authentication', '--type', 'feature',
  '--goal', 'Add OAuth 2.0 authentication with Google and GitHub providers', '--priority', 'P1').track_id;
track('activate', '--track-id', oauth);
track('pause', '--track-id', oauth, '--reason', 'Waiting for security review');
track('resume', '--track-id', oauth);
track('complete', '--track-id', oauth, '--summary', 'OAuth with Google and GitHub');

console.log(bold('\n# Example 2: track switching\n'));
const feature = track('create', '--name', 'User Dashboard', '--type', 'feature', '--goal', 'Implement user dashboard with analytics widgets', '--priority', 'P1').track_id;
track('activate', '--track-id', feature);
track('get-active');
const bug = track('create', '--name', 'Login Timeout Fix', '--type', 'bugfix', '--goal', 'Fix login session timeout after 5 minutes', '--priority', 'P0').track_id;
track('switch', '--to', bug);
track('complete', '--track-id', bug);
track('switch', '--to', feature);
track('stats');
console.log(`\nThe store is in ${join(workspace, '.claude', 'conductor')}. Try: node ${cli} --help`);
