// The usage guide's manager.mjs, running Track Manager: `node .claude/skills/track-manager/manager.mjs
// create|activate|pause|resume|switch|complete …`; other code imports Example 5's functions from it. The store is the
// workspace this file lives in, whatever the working directory.
import { createRequire } from 'node:module';

const runtime = createRequire(import.meta.url)('./track-manager-runtime.cjs');

export const { createTrack, activateTrack, suspendTrack, resumeTrack, completeTrack, switchTrack } = runtime.boundApi(import.meta.url);

if (runtime.isMain(import.meta.url)) runtime.main('manager', import.meta.url);
