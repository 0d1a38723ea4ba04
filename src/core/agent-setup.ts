/**
 * `track init --agents …`: the project-scoped files through which each coding agent finds Track
 * Manager — its MCP server entry, Claude Code's session hooks, a section of AGENTS.md. Planning is
 * a pure function from each file's old text to its new text (merging, never dropping what the user
 * had: our entries are inserted and every other byte is kept); applying writes the changed files.
 */
import * as path from 'node:path';
import { TrackError } from './model/errors';
import { readTextIfExists } from './storage/file-reads';
import { writeStandaloneFile } from './storage/standalone-files';
import { appendItem, insertMember, member, nodeValue, parseJsonWithPositions, type JsonNode } from './json-edit';

export const AGENTS = ['claude', 'copilot', 'gemini', 'cursor', 'codex'] as const;
export type AgentName = (typeof AGENTS)[number];

export const SERVER_NAME = 'track-manager';
export const AGENTS_MD_START = '<!-- track-manager:start -->';
export const AGENTS_MD_END = '<!-- track-manager:end -->';

/** How the agents start our CLI: `track` on the PATH, or `node <path to cli.js>` inside the project. */
export interface CliInvocation {
  command: string;
  /** Arguments before the subcommand (e.g. the relative path of cli.js). */
  args: string[];
}

export interface PlannedFile {
  /** Relative to the workspace root, with forward slashes. */
  file: string;
  agent: AgentName | 'all';
  before: string | null;
  after: string;
  action: 'create' | 'update' | 'unchanged' | 'skipped';
  /** Why a file was left alone (it is not valid JSON, say). */
  note?: string;
}

export function parseAgentList(raw: string): AgentName[] {
  const names = raw.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const wanted = names.includes('all') ? [...AGENTS] : names;
  for (const name of wanted) {
    if (!AGENTS.includes(name as AgentName)) {
      throw new TrackError('E_INVALID_INPUT', `Unknown agent "${name}" for --agents: expected a comma-separated list of ${AGENTS.join(', ')} (or all).`, { field: 'agents' });
    }
  }
  if (wanted.length === 0) throw new TrackError('E_INVALID_INPUT', `--agents needs at least one of ${AGENTS.join(', ')}.`, { field: 'agents' });
  return [...new Set(wanted)] as AgentName[];
}

/** A shell command line for hooks (Claude Code runs hooks through the shell, in the project). */
function shellLine(invocation: CliInvocation, subcommand: string[]): string {
  const quote = (word: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  return [invocation.command, ...invocation.args, ...subcommand].map(quote).join(' ');
}

function serverEntry(invocation: CliInvocation, withType: boolean): Record<string, unknown> {
  return { ...(withType ? { type: 'stdio' } : {}), command: invocation.command, args: [...invocation.args, 'mcp'] };
}

/** Merges `{ [containerKey]: { [SERVER_NAME]: entry } }` into a JSON settings file. */
function mergeServer(before: string | null, containerKey: string, entry: Record<string, unknown>): { after: string; note?: string } {
  if (before === null || before.trim() === '') {
    return { after: `${JSON.stringify({ [containerKey]: { [SERVER_NAME]: entry } }, null, 2)}\n` };
  }
  const root = parseJsonWithPositions(before);
  if (root.kind !== 'object') throw new Error('the top level is not a JSON object');
  const container = member(root, containerKey);
  if (!container) return { after: insertMember(before, root, containerKey, { [SERVER_NAME]: entry }) };
  if (container.kind !== 'object') throw new Error(`"${containerKey}" is not an object`);
  // Already there (perhaps edited by the user, e.g. another command path): theirs wins.
  if (member(container, SERVER_NAME)) return { after: before };
  return { after: insertMember(before, container, SERVER_NAME, entry) };
}

const hookCommand = (invocation: CliInvocation, sub: string) => shellLine(invocation, sub.split(' '));

function hasHookCommand(event: JsonNode | undefined, pattern: RegExp): boolean {
  if (!event) return false;
  return JSON.stringify(nodeValue(event)).match(pattern) !== null;
}

/** Claude Code: SessionStart prints the brief into the session; PreCompact checkpoints the active track. */
function mergeClaudeHooks(before: string | null, invocation: CliInvocation): string {
  const sessionStart = { matcher: 'startup|resume|clear|compact', hooks: [{ type: 'command', command: hookCommand(invocation, 'brief'), timeout: 10 }] };
  const preCompact = { matcher: '', hooks: [{ type: 'command', command: hookCommand(invocation, 'hook pre-compact'), timeout: 30 }] };
  const wanted: Array<[string, unknown, RegExp]> = [
    ['SessionStart', sessionStart, /\bbrief\b/],
    ['PreCompact', preCompact, /\bhook pre-compact\b/],
  ];
  let text = before === null || before.trim() === '' ? '{}\n' : before;
  for (const [event, group, present] of wanted) {
    const root = parseJsonWithPositions(text);
    if (root.kind !== 'object') throw new Error('the top level is not a JSON object');
    const hooks = member(root, 'hooks');
    if (!hooks) {
      text = insertMember(text, root, 'hooks', { [event]: [group] });
      continue;
    }
    if (hooks.kind !== 'object') throw new Error('"hooks" is not an object');
    const list = member(hooks, event);
    if (!list) text = insertMember(text, hooks, event, [group]);
    else if (list.kind !== 'array') throw new Error(`"hooks.${event}" is not an array`);
    else if (!hasHookCommand(list, present)) text = appendItem(text, list, group);
  }
  return text;
}

function agentsSection(invocation: CliInvocation): string {
  const cli = shellLine(invocation, []);
  return [
    AGENTS_MD_START,
    '## Track Manager',
    '',
    'This project keeps its work in *tracks* (one active at a time) that survive interruptions; the store is `.claude/conductor/`.',
    `- At the start of a session run \`${cli} brief\` (or call the MCP tools \`get_active_track\` and \`detect_interrupted\`): it shows the active track, its goal and decisions, and interrupted work with the command that resumes it.`,
    '- Record decisions with `add_decision` (CLI: `track context add-decision`), checkpoint before risky changes with `create_checkpoint` (`track checkpoint create`).',
    '- When the user changes what to work on use `switch_track` (`track switch --to ID`); when the goal is met, `complete_track` (`track complete`).',
    `- The MCP server is \`${cli} mcp\`; never edit files under \`.claude/conductor/\` by hand.`,
    AGENTS_MD_END,
  ].join('\n');
}

/** Text we add takes the file's line ending (CRLF files stay CRLF). */
function inFileEol(before: string, added: string): string {
  return before.includes('\r\n') ? added.replace(/\r?\n/g, '\r\n') : added;
}

function mergeAgentsMd(before: string | null, invocation: CliInvocation): string {
  const section = before === null ? agentsSection(invocation) : inFileEol(before, agentsSection(invocation));
  if (before === null || before.trim() === '') return `# Agents\n\n${section}\n`;
  const start = before.indexOf(AGENTS_MD_START);
  const end = before.indexOf(AGENTS_MD_END, start);
  if (start >= 0 && end > start) return before.slice(0, start) + section + before.slice(end + AGENTS_MD_END.length);
  return before + inFileEol(before, `${separatorAfter(before)}${section}\n`);
}

/** A blank line between the user's text and ours. */
function separatorAfter(before: string): string {
  return /\r?\n\r?\n$/.test(before) ? '' : /\r?\n$/.test(before) ? '\n' : '\n\n';
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** Codex reads `[mcp_servers.<name>]` tables from `.codex/config.toml` (trusted projects only). */
function mergeCodexToml(before: string | null, invocation: CliInvocation): string {
  const header = `[mcp_servers.${SERVER_NAME}]`;
  const table = [header, `command = ${tomlString(invocation.command)}`, `args = [${[...invocation.args, 'mcp'].map(tomlString).join(', ')}]`].join('\n');
  if (before === null || before.trim() === '') return `${table}\n`;
  const present = before.split(/\r?\n/).some((line) => line.trim() === header || line.trim() === `[mcp_servers."${SERVER_NAME}"]`);
  if (present) return before;
  return before + inFileEol(before, `${separatorAfter(before)}${table}\n`);
}

interface FileRule {
  file: string;
  agent: AgentName | 'all';
  merge: (before: string | null) => string;
}

function rulesFor(agents: AgentName[], invocation: CliInvocation): FileRule[] {
  const rules: FileRule[] = [];
  const json = (file: string, agent: AgentName, key: string, withType: boolean) =>
    rules.push({ file, agent, merge: (before) => mergeServer(before, key, serverEntry(invocation, withType)).after });
  for (const agent of agents) {
    switch (agent) {
      case 'claude':
        json('.mcp.json', agent, 'mcpServers', true);
        rules.push({ file: '.claude/settings.json', agent, merge: (before) => mergeClaudeHooks(before, invocation) });
        break;
      case 'copilot':
        json('.vscode/mcp.json', agent, 'servers', true);
        break;
      case 'gemini':
        json('.gemini/settings.json', agent, 'mcpServers', false);
        break;
      case 'cursor':
        json('.cursor/mcp.json', agent, 'mcpServers', false);
        break;
      case 'codex':
        rules.push({ file: '.codex/config.toml', agent, merge: (before) => mergeCodexToml(before, invocation) });
        break;
    }
  }
  rules.push({ file: 'AGENTS.md', agent: 'all', merge: (before) => mergeAgentsMd(before, invocation) });
  return rules;
}

/** The new content of every file, from the old (null: missing). Pure: reads and writes nothing. */
export function planAgentSetup(agents: AgentName[], invocation: CliInvocation, current: Record<string, string | null>): PlannedFile[] {
  return rulesFor(agents, invocation).map((rule) => {
    const before = current[rule.file] ?? null;
    try {
      const after = rule.merge(before);
      return { file: rule.file, agent: rule.agent, before, after, action: before === null ? 'create' : after === before ? 'unchanged' : 'update' };
    } catch (error) {
      return { file: rule.file, agent: rule.agent, before, after: before ?? '', action: 'skipped', note: `left unchanged: ${(error as Error).message}; add the entry by hand` };
    }
  });
}

export async function readAgentFiles(workspaceRoot: string, agents: AgentName[]): Promise<Record<string, string | null>> {
  const files: Record<string, string | null> = {};
  for (const rule of rulesFor(agents, { command: 'track', args: [] })) {
    files[rule.file] = await readTextIfExists(path.join(workspaceRoot, rule.file));
  }
  return files;
}

/** Writes what changed (atomically, each file on its own); returns the plan it carried out. */
export async function applyAgentSetup(workspaceRoot: string, plan: PlannedFile[]): Promise<PlannedFile[]> {
  for (const entry of plan) {
    if (entry.action !== 'create' && entry.action !== 'update') continue;
    await writeStandaloneFile(path.join(workspaceRoot, entry.file), entry.after);
  }
  return plan;
}

export async function setUpAgents(workspaceRoot: string, agents: AgentName[], invocation: CliInvocation): Promise<PlannedFile[]> {
  return applyAgentSetup(workspaceRoot, planAgentSetup(agents, invocation, await readAgentFiles(workspaceRoot, agents)));
}
