import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The suite index VS Code loads as `extensionTestsPath`: the same file serves the VS Code server
 * (scripts/vscode-host/run-integration.mjs) and @vscode/test-electron on a desktop.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 30_000,
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the repository's reporter, a CommonJS script outside the compiled tree
    reporter: require(path.resolve(__dirname, '..', '..', '..', 'scripts', 'mocha-reporter.cjs')) as Mocha.ReporterConstructor,
  });
  // The multi-root scenario opens a .code-workspace with two folders and runs its own files.
  const multiRoot = process.env.TRACK_TEST_SCENARIO === 'multi-root';
  const wanted = (name: string) => (multiRoot ? name.endsWith('.multiroot.js') : name.endsWith('.test.js'));
  // TRACK_TEST_GREP (run-integration.mjs --grep) runs only the tests whose full title matches.
  if (process.env.TRACK_TEST_GREP) mocha.grep(process.env.TRACK_TEST_GREP);
  for (const file of readdirSync(__dirname).filter(wanted).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
