import * as path from 'node:path';
import { readText } from '../storage/file-reads';
import { DEFAULT_CONDUCTOR_DIR } from '../storage/paths';
import { AGENT_SCRIPT_FILES, RUNTIME_FILE } from './agent-scripts';
import { ownershipOf } from './marker';
import { isOriginalFormat } from './store';

export interface OriginalSetup {
  /** Scripts of the original track-manager (at the guide's paths, not written by `track init`). */
  originalScripts: string[];
  /** The store's registry is in the original format. */
  originalStore: boolean;
  /** `track init` has set this workspace up (its runtime is there, unchanged). */
  setUp: boolean;
}

/** What of the original track-manager this workspace holds: the editor offers set-up when any. */
export async function detectOriginalSetup(workspaceRoot: string, conductorDir = DEFAULT_CONDUCTOR_DIR): Promise<OriginalSetup> {
  const read = (file: string) => readText(path.resolve(workspaceRoot, file)).catch(() => null);
  const scripts = AGENT_SCRIPT_FILES.filter((file) => file.path.endsWith('.mjs'));
  const contents = await Promise.all(scripts.map((file) => read(file.path)));
  const originalScripts = scripts.filter((_, i) => contents[i] !== null && ownershipOf(contents[i]).kind === 'foreign').map((file) => file.path);
  const registryText = await read(path.join(conductorDir, 'tracks', 'track-registry.json'));
  let originalStore: boolean;
  try {
    originalStore = registryText !== null && isOriginalFormat(JSON.parse(registryText));
  } catch {
    originalStore = false;
  }
  const runtime = await read(RUNTIME_FILE);
  return { originalScripts, originalStore, setUp: runtime !== null && ownershipOf(runtime).kind === 'ours' };
}
