// The usage guide's registry.mjs, running Track Manager: `node .claude/skills/track-manager/registry.mjs
// get-active|list|stats|update …`; other code imports `TrackRegistry` and `getActiveTrack` from it. The store is the
// workspace this file lives in, whatever the working directory.
import { createRequire } from 'node:module';

const runtime = createRequire(import.meta.url)('./track-manager-runtime.cjs');

export const { TrackRegistry, getActiveTrack } = runtime.boundApi(import.meta.url);

if (runtime.isMain(import.meta.url)) runtime.main('registry', import.meta.url);
