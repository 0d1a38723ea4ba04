// The usage guide's session-recovery.mjs, running Track Manager: `node .claude/tools/session-recovery.mjs
// detect|resume …`. The store is the workspace this file lives in.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../skills/track-manager/track-manager-runtime.cjs').main('session-recovery', import.meta.url);
