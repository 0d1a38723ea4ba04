// `npm run lint`: ESLint (type-aware rules and the format rules, eslint.config.mjs) over src, test,
// scripts and bench, and `tsc --noEmit` for every tsconfig. Needs no build output, so it runs on a
// fresh clone. `--fix` lets ESLint rewrite what it can (formatting, needless assertions) first.
// ESLint and the type-checks run side by side; exits non-zero if any of them found a problem.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fix = process.argv.includes('--fix');
const eslint = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const TSCONFIGS = ['tsconfig.json', 'tsconfig.types.json', 'tsconfig.scripts.json'];

/** Runs one checker, its output kept together; resolves with its label, exit code and seconds. */
function check(label, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => {
      if (output.trim()) process.stdout.write(`--- ${label}\n${output.trimEnd()}\n`);
      resolve({ label, code: code ?? 1, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function typeChecks() {
  const results = [];
  for (const config of TSCONFIGS) results.push(await check(`tsc -p ${config}`, [tsc, '-p', config, '--noEmit']));
  return results;
}

const [lint, types] = await Promise.all([
  check('eslint', [eslint, '--max-warnings', '0', ...(fix ? ['--fix'] : []), 'src', 'test', 'scripts', 'bench', 'eslint.config.mjs']),
  typeChecks(),
]);
const results = [lint, ...types];
for (const result of results) console.log(`${result.code === 0 ? 'ok  ' : 'FAIL'} ${result.label} (${result.seconds.toFixed(0)} s)`);
process.exit(results.every((result) => result.code === 0) ? 0 : 1);
