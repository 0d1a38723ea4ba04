// The usage guide's registry.mjs, running Track Manager: `node .claude/skills/track-manager/registry.mjs
// get-active|list|stats|update …`, or import `TrackRegistry` and `getActiveTrack` from it.
// The store is the workspace this file lives in.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const scriptFile = fileURLToPath(import.meta.url);
const runtime = createRequire(import.meta.url)('./track-manager-runtime.cjs');
const api = runtime.boundApi(scriptFile);

export const { TrackRegistry, getActiveTrack } = api;

function isMain() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(scriptFile);
  } catch {
    return false;
  }
}
if (isMain()) runtime.main('registry', scriptFile);
