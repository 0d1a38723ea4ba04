// The usage guide's run-manager.mjs, running Track Manager: `node .claude/tools/run-manager.mjs
// start|step|complete|fail|list …`. The store is the workspace this file lives in.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../skills/track-manager/track-manager-runtime.cjs').main('run-manager', import.meta.url);
