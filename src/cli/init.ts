import * as path from 'node:path';
import { TrackError } from '../core/model/errors';
import { applyAgentSetup, parseAgentList, planAgentSetup, readAgentFiles, type PlannedFile } from '../core/agent-setup';
import { applyInitPlan, conflictsOf, planWorkspaceSetup, summarizePlan, type InitResult } from '../core/init';
import { agentInvocation } from './agent-commands';
import { defaultDriverCommand } from './context-commands';
import { createContext } from '../core/storage/context';
import { setUpGitMerge } from '../core/git-setup';
import type { CommandSpec } from './spec';

declare const TRACK_MANAGER_VERSION: string;
const VERSION = typeof TRACK_MANAGER_VERSION === 'string' ? TRACK_MANAGER_VERSION : 'dev';

function describe(result: InitResult): string {
  const width = Math.max(...result.files.map((file) => file.action.length));
  const lines = [`track init ${result.version} in ${result.workspace}${result.dry_run ? ' (dry run: nothing written)' : ''}`, ''];
  for (const file of result.files) {
    const target = file.moved_to ? `${file.path} (yours kept as ${file.moved_to})` : file.path;
    const why = file.action === 'create' || file.action === 'upgrade' ? file.purpose : file.reason;
    lines.push(`  ${file.action.padEnd(width)}  ${target}`, `  ${' '.repeat(width)}  ${why}`);
  }
  const count = (action: string) => result.files.filter((file) => file.action === action).length;
  const verb = result.dry_run ? 'would be ' : '';
  lines.push('', `${count('create')} ${verb}created, ${count('upgrade')} ${verb}upgraded, ${count('move-aside')} ${verb}moved aside and replaced, ${count('unchanged')} unchanged, ${count('leave')} left as they are.`);
  if (result.left.length === 0 && !result.dry_run) {
    lines.push('Agents can now follow the usage guide: node .claude/skills/track-manager/manager.mjs create --name … (see .claude/skills/track-manager/SKILL.md).');
  }
  return `${lines.join('\n')}\n`;
}

export const initCommand: CommandSpec = {
  name: 'init',
  summary: "Set the workspace up for the usage guide: create the store and write the guide's scripts, run by Track Manager",
  textByDefault: true,
  options: {
    'dry-run': { type: 'boolean', description: 'Print the plan, write nothing' },
    force: { type: 'boolean', description: 'Move files init does not own (the original scripts, files you edited) aside to <name>.orig and write ours' },
    agents: { type: 'string', value: 'LIST', description: 'Also set up these coding agents, comma-separated: claude, copilot, gemini, cursor, codex (or all)' },
    'agent-command': { type: 'string', value: 'CMD', description: 'How agents start this CLI (default: node <relative path> when installed in the project, else track)' },
    git: { type: 'boolean', description: 'Also register the merge driver for the store\'s JSON files: a .gitattributes line and merge.track.driver in .git/config' },
    'driver-command': { type: 'string', value: 'CMD', description: 'Command git runs (default: "track merge-file %O %A %B %P" when track is on PATH, else this CLI by absolute path)' },
  },
  details: [
    'Writes .claude/skills/track-manager/{manager.mjs,registry.mjs,SKILL.md,track-manager-runtime.cjs} and',
    '.claude/tools/{session-recovery.mjs,snapshot-manager.mjs,run-manager.mjs}. Re-running upgrades the files',
    'init wrote and left unchanged; a file it did not write, or one you changed, is left (exit code 19,',
    'E_INIT_CONFLICT) unless --force moves it aside.',
    'Sets up the current folder (or --root / TRACK_MANAGER_ROOT), never an ancestor that holds a store.',
    '',
    'With --agents, also writes each agent\'s project configuration (merged into existing files; nothing you',
    'wrote is changed or dropped, and a second run changes nothing):',
    '  claude   .mcp.json, .claude/settings.json (SessionStart: track brief; PreCompact: track hook pre-compact)',
    '  copilot  .vscode/mcp.json',
    '  gemini   .gemini/settings.json',
    '  cursor   .cursor/mcp.json',
    '  codex    .codex/config.toml (Codex reads it in trusted projects)',
    '  all      AGENTS.md (a section between track-manager markers)',
    'Example:\n  track init --agents claude,copilot',
    '',
    'With --git, also registers the merge driver (a three-way merge per field of the store\'s JSON files).',
    'git runs it through the shell of whoever merges, so `track` must be on that PATH; when it is not,',
    'the driver is set to this CLI by absolute path (re-run after moving it). Commit the .gitattributes;',
    'each clone runs `track init --git` once (git config is per clone).',
  ].join('\n'),
  run: async (store, values, invocation) => {
    // --root or TRACK_MANAGER_ROOT name the workspace; otherwise it is the current folder, never an
    // ancestor's store found by discovery (as `git init` sets up the folder it is run in).
    const named = values.root !== undefined || Boolean(invocation.env.TRACK_MANAGER_ROOT);
    const workspaceRoot = named ? store.workspaceRoot : path.resolve(invocation.cwd);
    const conductorDir = named ? store.conductorDir : undefined;
    const dryRun = Boolean(values['dry-run']);
    const plan = await planWorkspaceSetup({
      workspaceRoot,
      conductorDir,
      version: VERSION,
      force: Boolean(values.force),
    });
    // Agent names are checked before anything is written.
    const agents = values.agents === undefined ? null : parseAgentList(values.agents as string);
    const result = dryRun ? summarizePlan(plan, true) : await applyInitPlan(plan);
    const agentSetup = agents && (await setUpAgentFiles(workspaceRoot, agents, values['agent-command'] as string | undefined, dryRun));
    const git = values.git
      ? await setUpGitMerge(createContext({ root: workspaceRoot, conductorDir, env: {} }), { driverCommand: (values['driver-command'] as string | undefined) ?? defaultDriverCommand(invocation.env), dryRun })
      : null;
    const left = conflictsOf(plan);
    const error = left.length === 0 ? undefined : new TrackError(
      'E_INIT_CONFLICT',
      `${left.length} file(s) ${dryRun ? 'would be' : 'were'} left as they are because track init did not write them or they were changed since: ${left.map((entry) => entry.path).join(', ')}. Agents running them do not use Track Manager. Run \`track init --force\` to move them aside (kept as <name>.orig) and write ours.`,
      { files: left.map((entry) => entry.path) },
    );
    const gitText = git ? `\nGit merge driver${dryRun ? ' (dry run)' : ''}: ${JSON.stringify(git)}\n` : '';
    return {
      json: { ...result, ...(agentSetup ? { agents: agentSetup.json } : {}), ...(git ? { git } : {}) },
      text: describe(result) + (agentSetup?.text ?? '') + gitText,
      warnings: agentSetup ? agentSetup.json.files.filter((entry) => entry.note).map((entry) => `${entry.file}: ${entry.note}`) : [],
      error,
    };
  },
};

async function setUpAgentFiles(workspaceRoot: string, agents: ReturnType<typeof parseAgentList>, command: string | undefined, dryRun: boolean) {
  const invocation = agentInvocation(workspaceRoot, command);
  const planned = planAgentSetup(agents, invocation, await readAgentFiles(workspaceRoot, agents));
  const done: PlannedFile[] = dryRun ? planned : await applyAgentSetup(workspaceRoot, planned);
  const files = done.map(({ file, agent, action, note }) => ({ file, agent, action, ...(note ? { note } : {}) }));
  const text = [
    '',
    `Agents${dryRun ? ' (dry run)' : ''}:`,
    ...files.map((entry) => `  ${entry.action.padEnd(9)} ${entry.file}${entry.note ? ` (${entry.note})` : ''}`),
    `Agents start the server with: ${[invocation.command, ...invocation.args, 'mcp'].join(' ')}`,
    '',
  ].join('\n');
  return { json: { command: invocation, files }, text };
}
