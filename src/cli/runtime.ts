/**
 * The runtime `track init` writes into a workspace (.claude/skills/track-manager/): the core and
 * the CLI in one file, so the guide's scripts run Track Manager without node_modules.
 */
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../core/api';
import type { StoreOptions } from '../core/storage/context';
import { GUIDE_SCRIPTS, runGuideScript, type GuideScriptName } from './guide-scripts';

declare const TRACK_MANAGER_VERSION: string;
export const VERSION = typeof TRACK_MANAGER_VERSION === 'string' ? TRACK_MANAGER_VERSION : 'dev';

export { runCli } from './main';
export { TrackStore } from '../core/store';
export { TrackError } from '../core/model/errors';

/**
 * The workspace a guide script belongs to, from where it is: `<workspace>/.claude/tools/x.mjs` and
 * `<workspace>/.claude/skills/track-manager/x.mjs` both give `<workspace>`.
 */
export function workspaceOfScript(scriptFile: string, name: GuideScriptName): string {
  const depth = GUIDE_SCRIPTS[name].file.split('/').length;
  return path.resolve(scriptFile, ...Array<string>(depth).fill('..'));
}

/** A script's location as it gives it: `import.meta.url` (the templates pass it) or a path. */
function scriptPath(location: string): string {
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

/** Whether the script at `location` is the program node was started with (not imported by another). */
export function isMain(location: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  const file = scriptPath(location);
  if (path.resolve(entry) === file) return true;
  try {
    return realpathSync(entry) === realpathSync(file);
  } catch {
    return false;
  }
}

/** Runs a guide script as the main module: exits with the command's exit code. */
export function main(name: GuideScriptName, location: string): void {
  const scriptFile = scriptPath(location);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  void runGuideScript(name, process.argv.slice(2), workspaceOfScript(scriptFile, name), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}

/**
 * Example 5's functions, bound to the workspace of the script that exports them: the store is the
 * one the script belongs to, whatever the working directory. Options given by the caller win.
 */
export function boundApi(location: string) {
  const root = workspaceOfScript(scriptPath(location), 'manager');
  const withRoot = <T extends object>(options?: T): T & StoreOptions => ({ root, ...(options ?? {}) }) as T & StoreOptions;
  class TrackRegistry extends api.TrackRegistry {
    constructor(options?: StoreOptions) {
      super(withRoot(options));
    }
  }
  return {
    createTrack: (input: Parameters<typeof api.createTrack>[0], options?: StoreOptions) => api.createTrack(input, withRoot(options)),
    activateTrack: (trackId: string, options?: StoreOptions & { force?: boolean }) => api.activateTrack(trackId, withRoot(options)),
    suspendTrack: (trackId: string, reason: string, options?: StoreOptions) => api.suspendTrack(trackId, reason, withRoot(options)),
    resumeTrack: (trackId: string, options?: Parameters<typeof api.resumeTrack>[1]) => api.resumeTrack(trackId, withRoot(options)),
    completeTrack: (trackId: string, details?: Parameters<typeof api.completeTrack>[1], options?: StoreOptions) => api.completeTrack(trackId, details, withRoot(options)),
    switchTrack: (toTrackId: string, options?: StoreOptions) => api.switchTrack(toTrackId, withRoot(options)),
    getActiveTrack: (options?: StoreOptions) => api.getActiveTrack(withRoot(options)),
    TrackRegistry,
  };
}
