import * as path from 'node:path';
import type { InitContributor, ManagedFile } from './plan';
import { readText } from '../storage/file-reads';

/** The runtime every script loads: the core and the CLI bundled in one file. */
export const RUNTIME_FILE = '.claude/skills/track-manager/track-manager-runtime.cjs';

/** The usage guide's scripts, at the guide's paths, and the skill file that tells agents about them. */
export const AGENT_SCRIPT_FILES: ReadonlyArray<{ path: string; template: string; purpose: string }> = [
  { path: RUNTIME_FILE, template: 'track-manager-runtime.cjs', purpose: 'Track Manager itself (core and CLI in one file) that the scripts below run' },
  { path: '.claude/skills/track-manager/manager.mjs', template: 'manager.mjs', purpose: "the guide's manager.mjs: create, activate, pause, resume, switch, complete; Example 5's functions" },
  { path: '.claude/skills/track-manager/registry.mjs', template: 'registry.mjs', purpose: "the guide's registry.mjs: get-active, list, stats, update; TrackRegistry and getActiveTrack" },
  { path: '.claude/tools/session-recovery.mjs', template: 'session-recovery.mjs', purpose: "the guide's session-recovery.mjs: detect, resume" },
  { path: '.claude/tools/snapshot-manager.mjs', template: 'snapshot-manager.mjs', purpose: "the guide's snapshot-manager.mjs: list, prune" },
  { path: '.claude/tools/run-manager.mjs', template: 'run-manager.mjs', purpose: "the guide's run-manager.mjs: start, step, complete, fail, list" },
  { path: '.claude/skills/track-manager/SKILL.md', template: 'SKILL.md', purpose: 'tells Claude Code when to use the track-manager skill and its commands' },
];

/** The scripts' contents come from the files shipped beside the bundle (dist/init/). */
export function agentScriptsContributor(assetsDir: string): InitContributor {
  return async () => Promise.all(AGENT_SCRIPT_FILES.map(async (file): Promise<ManagedFile> => ({
    path: file.path,
    body: await readText(path.join(assetsDir, file.template)),
    marker: file.template.endsWith('.md') ? 'html-comment' : 'line-comment',
    purpose: file.purpose,
  })));
}
