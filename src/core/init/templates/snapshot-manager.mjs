// The usage guide's snapshot-manager.mjs, running Track Manager: `node .claude/tools/snapshot-manager.mjs
// list|prune|create|restore …`. The store is the workspace this file lives in.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../skills/track-manager/track-manager-runtime.cjs').main('snapshot-manager', import.meta.url);
