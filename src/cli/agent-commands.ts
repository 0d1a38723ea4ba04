import * as path from 'node:path';
import type { CliInvocation } from '../core/agent-setup';
import { buildBrief } from '../core/brief';
import { toTrackError } from '../core/model/errors';
import { TrackStore } from '../core/store';
import { callTool, TOOLS, toolJsonSchema } from '../core/tools';
import type { CommandSpec, Values } from './spec';

const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

/**
 * How agents' configuration files should start this CLI. A CLI installed inside the project
 * (node_modules, or a runtime copied under .claude/) is named by its relative path, which works
 * for every clone; otherwise `track` from the PATH. --agent-command overrides both.
 */
export function agentInvocation(workspaceRoot: string, override: string | undefined, cliFile = path.join(__dirname, 'cli.js')): CliInvocation {
  if (override !== undefined && override.trim() !== '') {
    const [command, ...args] = override.trim().split(/\s+/);
    return { command, args };
  }
  const relative = path.relative(workspaceRoot, cliFile);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) return { command: 'node', args: [relative.split(path.sep).join('/')] };
  return { command: 'track', args: [] };
}

export const AGENT_COMMANDS: CommandSpec[] = [
  {
    name: 'brief',
    summary: 'Print what an agent should know at session start: the active track and interrupted work (always exits 0)',
    textByDefault: true,
    options: { 'stale-after': { type: 'string', value: 'MINUTES', description: 'Untouched for this long counts as interrupted (default 30)' } },
    details: 'Runs from its own small bundle so it starts fast; used by the SessionStart hook that `track init --agents claude` installs.',
    // The launcher sends `track brief` to dist/cli-brief.js; this entry serves help and in-process callers.
    run: async (store, values) => {
      const stale = str(values, 'stale-after');
      const text = await buildBrief({ root: store.workspaceRoot, conductorDir: store.conductorDir, staleAfterMinutes: stale && /^\d+$/.test(stale) ? Number(stale) : undefined });
      return { json: { brief: text }, text };
    },
  },
  {
    name: 'mcp',
    summary: 'Serve the Track Manager tools and tracks to a coding agent over MCP (stdio)',
    options: {},
    details: 'Started by the agent, not by hand: see `track init --agents`. Tools: get_active_track, list_tracks, show_track, create_track, activate_track, switch_track, pause_track, resume_track, complete_track, create_checkpoint, add_decision, add_assumption, start_run, record_run_step, finish_run, detect_interrupted, recover. Resources: track://active and track://<track-id>, with change notifications.',
    run: async (store) => {
      // Runs started through the server belong to it: when the agent (and so the server) dies, recovery sees a dead owner.
      const served = new TrackStore({
        root: store.workspaceRoot,
        conductorDir: store.conductorDir,
        command: 'track mcp',
        ownerPid: store.ctx.ownerPid ?? process.pid,
        lockTimeoutMs: store.ctx.lockTimeoutMs,
      });
      // A separate bundle, loaded only here: no other command pays for the MCP SDK.
      const serverModule = path.join(__dirname, 'mcp-server.js');
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle loaded by path at run time, so esbuild does not inline it
      const { serveMcp } = require(serverModule) as typeof import('./mcp-server');
      await serveMcp(served, { callTool, TOOLS, toolJsonSchema, toTrackError });
      return { json: undefined };
    },
  },
  {
    name: 'hook pre-compact',
    summary: 'Checkpoint the active track before an agent compacts its context (no active track: nothing to do)',
    options: {},
    details: 'Installed as a Claude Code PreCompact hook by `track init --agents claude`. Never fails the hook: problems are reported on stderr with exit 0.',
    run: async (store) => {
      try {
        const active = await store.getActiveTrack();
        if (!active) return { json: { checkpoint: null, reason: 'no active track' } };
        const checkpoint = await store.createCheckpoint(active.track_id, { name: 'Before context compaction', reason: 'The coding agent compacted its context' });
        return { json: { checkpoint: checkpoint.snapshot_id, track_id: active.track_id } };
      } catch (error) {
        return { json: { checkpoint: null, reason: (error as Error).message }, warnings: [`no checkpoint before compaction: ${(error as Error).message}`] };
      }
    },
  },
];
