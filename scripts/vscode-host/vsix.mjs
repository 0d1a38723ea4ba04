// The packaged extension of the current build.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './hosts.mjs';

export const VSIX = join(PROJECT_ROOT, 'dist', 'track-manager.vsix');

/** Packages the .vsix with @vscode/vsce when it is missing or older than the extension bundle. */
export function ensureVsix() {
  const bundle = join(PROJECT_ROOT, 'dist', 'extension.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first.`);
  if (existsSync(VSIX) && statSync(VSIX).mtimeMs >= statSync(bundle).mtimeMs) return VSIX;
  const vsce = join(PROJECT_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', VSIX], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('packaging the extension failed');
  return VSIX;
}
