// `npm run test:electron`: the same integration suite under @vscode/test-electron, for desktops that
// can download VS Code (it cannot here: the machines reach only the npm registry and Debian).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { PROJECT_ROOT } from './vscode-host/hosts.mjs';
import { CLI, seedWorkspace } from './vscode-host/seed.mjs';

const workspace = seedWorkspace('electron');
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: PROJECT_ROOT,
    extensionTestsPath: join(PROJECT_ROOT, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { TRACK_TEST_CLI: CLI },
  });
} catch (error) {
  console.error(`test-electron: ${error.message ?? error}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
