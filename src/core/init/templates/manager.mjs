// The usage guide's manager.mjs, running Track Manager: `node .claude/skills/track-manager/manager.mjs
// create|activate|pause|resume|switch|complete …`, or import Example 5's functions from it.
// The store is the workspace this file lives in.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const scriptFile = fileURLToPath(import.meta.url);
const runtime = createRequire(import.meta.url)('./track-manager-runtime.cjs');
const api = runtime.boundApi(scriptFile);

export const { createTrack, activateTrack, suspendTrack, resumeTrack, completeTrack, switchTrack } = api;

function isMain() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(scriptFile);
  } catch {
    return false;
  }
}
if (isMain()) runtime.main('manager', scriptFile);
