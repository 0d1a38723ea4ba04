import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AGENTS_MD_END, AGENTS_MD_START, planAgentSetup } from '../../src/core/agent-setup';
import { appendItem, insertMember, member, parseJsonWithPositions } from '../../src/core/json-edit';
import { Workspace } from '../helpers/workspace';

/** `after` is `before` with text inserted and nothing else changed: every byte of `before` is still there, in order. */
function insertionsOnly(before: string, after: string): void {
  let i = 0;
  for (let j = 0; j < after.length && i < before.length; j++) if (after[j] === before[i]) i++;
  assert.equal(i, before.length, 'every byte the user wrote is kept, in order');
}

/** `after` is `before` with exactly one block inserted: the bytes before it and after it are the user's, unchanged. */
function oneInsertion(before: string, after: string): void {
  let prefix = 0;
  while (prefix < before.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < before.length - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  assert.equal(prefix + suffix, before.length, 'one contiguous insertion, nothing else changed');
}

const USER_MCP = `{
    // my servers
    "mcpServers": {
        "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "TOKEN": "\${GITHUB_TOKEN}" } },
        "db": {
            "command": "db-mcp"
        }
    },
    "x-custom": [1, 2, 3]
}
`;

const USER_SETTINGS = `{
  "permissions": {
    "allow": ["Bash(npm test:*)"],
    "deny": []
  },
  "hooks": {
    "SessionStart": [
      {
        "matcher": "startup",
        "hooks": [{ "type": "command", "command": "echo hello" }]
      }
    ],
    "PostToolUse": [{ "matcher": "Write", "hooks": [{ "type": "command", "command": "prettier --write" }] }]
  },
  "model": "opus"
}`;

const USER_AGENTS_MD = '# Agents\n\nRun `npm test` before committing.\n';

/** The parts of an agent's JSON settings these tests read. */
interface McpConfig { mcpServers: Record<string, { args?: string[] }> }
interface ClaudeSettings {
  hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>>;
  permissions?: unknown;
}
const parseMcp = (text: string) => JSON.parse(text) as McpConfig;
const parseSettings = (text: string) => JSON.parse(text) as ClaudeSettings;

describe('track init --agents', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
  });
  afterEach(() => ws.cleanup());

  const file = (name: string) => path.join(ws.dir, name);
  const read = (name: string) => readFileSync(file(name), 'utf8');
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(file(name)), { recursive: true });
    writeFileSync(file(name), text);
  };

  it('merges into existing files, keeping every byte the user wrote, and a second run changes nothing', () => {
    write('.mcp.json', USER_MCP);
    write('.claude/settings.json', USER_SETTINGS);
    write('AGENTS.md', USER_AGENTS_MD);
    const first = ws.ok(['init', '--agents', 'claude,copilot,gemini,cursor,codex', '--json']);
    const actions = Object.fromEntries(first.agents!.files.map((entry) => [entry.file, entry.action]));
    assert.deepEqual(actions, {
      '.mcp.json': 'update',
      '.claude/settings.json': 'update',
      '.vscode/mcp.json': 'create',
      '.gemini/settings.json': 'create',
      '.cursor/mcp.json': 'create',
      '.codex/config.toml': 'create',
      'AGENTS.md': 'update',
    });

    const mcp = read('.mcp.json');
    oneInsertion(USER_MCP, mcp);
    const parsedMcp = parseJsonWithPositions(mcp);
    assert.deepEqual(Object.keys(parseMcp(mcp.replace('// my servers', '')).mcpServers), ['github', 'db', 'track-manager']);
    assert.ok(member(parsedMcp, 'x-custom'));
    assert.deepEqual(parseMcp(mcp.replace('// my servers', '')).mcpServers['track-manager'], { type: 'stdio', command: 'track', args: ['mcp'] });
    assert.match(mcp, /\n {8}"track-manager": \{\n {12}"type": "stdio",/, 'written in the file\'s own indentation');

    const settings = read('.claude/settings.json');
    insertionsOnly(USER_SETTINGS, settings);
    const hooks = parseSettings(settings).hooks;
    assert.equal(hooks.SessionStart.length, 2);
    assert.equal(hooks.SessionStart[0].hooks[0].command, 'echo hello');
    assert.equal(hooks.SessionStart[1].hooks[0].command, 'track brief');
    assert.equal(hooks.PreCompact[0].hooks[0].command, 'track hook pre-compact');
    assert.equal(hooks.PostToolUse[0].hooks[0].command, 'prettier --write');
    assert.deepEqual(parseSettings(settings).permissions, { allow: ['Bash(npm test:*)'], deny: [] });

    const agentsMd = read('AGENTS.md');
    oneInsertion(USER_AGENTS_MD, agentsMd);
    assert.equal(agentsMd.split(AGENTS_MD_START).length, 2);
    assert.ok(agentsMd.includes(AGENTS_MD_END));

    assert.deepEqual(JSON.parse(read('.vscode/mcp.json')), { servers: { 'track-manager': { type: 'stdio', command: 'track', args: ['mcp'] } } });
    assert.deepEqual(JSON.parse(read('.gemini/settings.json')), { mcpServers: { 'track-manager': { command: 'track', args: ['mcp'] } } });
    assert.deepEqual(JSON.parse(read('.cursor/mcp.json')), { mcpServers: { 'track-manager': { command: 'track', args: ['mcp'] } } });
    assert.equal(read('.codex/config.toml'), '[mcp_servers.track-manager]\ncommand = "track"\nargs = ["mcp"]\n');

    const snapshot = ['.mcp.json', '.claude/settings.json', '.vscode/mcp.json', '.gemini/settings.json', '.cursor/mcp.json', '.codex/config.toml', 'AGENTS.md'].map(read);
    const second = ws.ok(['init', '--agents', 'claude,copilot,gemini,cursor,codex', '--json']);
    assert.ok(second.agents!.files.every((entry) => entry.action === 'unchanged'));
    assert.deepEqual(['.mcp.json', '.claude/settings.json', '.vscode/mcp.json', '.gemini/settings.json', '.cursor/mcp.json', '.codex/config.toml', 'AGENTS.md'].map(read), snapshot);
  });

  it('keeps a server entry the user edited, and leaves a file it cannot parse alone with a warning', () => {
    const edited = '{"mcpServers":{"track-manager":{"command":"/opt/track/bin/track","args":["mcp","--root","."]}}}';
    write('.cursor/mcp.json', edited);
    write('.gemini/settings.json', '{ "theme": "dark", oops }');
    const result = ws.cli(['init', '--agents', 'cursor,gemini']);
    assert.equal(result.code, 0);
    assert.equal(read('.cursor/mcp.json'), edited);
    assert.equal(read('.gemini/settings.json'), '{ "theme": "dark", oops }');
    assert.match(result.stderr, /\.gemini\/settings\.json: left unchanged/);
    assert.match(result.stdout, /skipped\s+\.gemini\/settings\.json/);
  });

  it('rejects an unknown agent with our code and writes nothing', () => {
    const result = ws.cli(['init', '--agents', 'claude,vim']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /E_INVALID_INPUT: Unknown agent "vim"/);
    assert.equal(existsSync(file('.mcp.json')), false);
  });

  it('names a CLI installed inside the project by its relative path', () => {
    const plan = planAgentSetup(['claude', 'codex'], { command: 'node', args: ['node_modules/track-manager/dist/cli.js'] }, {});
    const mcp = parseMcp(plan.find((entry) => entry.file === '.mcp.json')!.after);
    assert.deepEqual(mcp.mcpServers['track-manager'].args, ['node_modules/track-manager/dist/cli.js', 'mcp']);
    const settings = parseSettings(plan.find((entry) => entry.file === '.claude/settings.json')!.after);
    assert.equal(settings.hooks.SessionStart[0].hooks[0].command, 'node node_modules/track-manager/dist/cli.js brief');
    assert.match(plan.find((entry) => entry.file === '.codex/config.toml')!.after, /args = \["node_modules\/track-manager\/dist\/cli.js", "mcp"\]/);
  });

  it('keeps CRLF files CRLF, and planning twice changes nothing', () => {
    const current = {
      '.mcp.json': '{\r\n  "mcpServers": {\r\n    "db": { "command": "db" }\r\n  }\r\n}\r\n',
      'AGENTS.md': '# Agents\r\n\r\nBe nice.\r\n',
      '.codex/config.toml': 'model = "o3"\r\n',
    };
    const invocation = { command: 'track', args: [] };
    const plan = planAgentSetup(['claude', 'codex'], invocation, current);
    for (const [file, before] of Object.entries(current)) {
      const after = plan.find((entry) => entry.file === file)!.after;
      oneInsertion(before, after);
      assert.doesNotMatch(after, /[^\r]\n/, `${file}: no bare LF in a CRLF file`);
      const again = planAgentSetup(['claude', 'codex'], invocation, Object.fromEntries(plan.map((entry) => [entry.file, entry.after])));
      assert.equal(again.find((entry) => entry.file === file)!.action, 'unchanged', file);
    }
  });

  it('inserts into compact, empty and trailing-comma JSON without touching the rest', () => {
    const compact = '{"a":1,"b":{"c":[1,2]}}';
    const one = insertMember(compact, parseJsonWithPositions(compact), 'z', { y: true });
    assert.deepEqual(JSON.parse(one), { a: 1, b: { c: [1, 2] }, z: { y: true } });
    oneInsertion(compact, one);
    const empty = '{}';
    assert.deepEqual(JSON.parse(insertMember(empty, parseJsonWithPositions(empty), 'k', 1)), { k: 1 });
    const trailing = '{\n  "list": [\n    1,\n  ],\n}\n';
    const appended = appendItem(trailing, member(parseJsonWithPositions(trailing), 'list')!, 2);
    oneInsertion(trailing, appended);
    assert.deepEqual(JSON.parse(appended.replace(/,(\s*[\]}])/g, '$1')), { list: [1, 2] });
  });
});

describe('track hook pre-compact', function () {
  this.timeout(60_000);
  it('checkpoints the active track, and does nothing (exit 0) without one', () => {
    const ws = new Workspace();
    try {
      assert.deepEqual(ws.ok(['hook', 'pre-compact']), { checkpoint: null, reason: 'no active track' });
      const id = ws.create('Long Session').track_id;
      ws.ok(['activate', '--track-id', id]);
      const done = ws.ok(['hook', 'pre-compact']);
      assert.equal(done.track_id, id);
      const checkpoints = ws.ok(['checkpoint', 'list', '--track-id', id]);
      assert.equal(checkpoints[0].snapshot_id, done.checkpoint);
      assert.equal(checkpoints[0].name, 'Before context compaction');
      writeFileSync(ws.trackFile(id), 'garbage');
      const result = ws.cli(['hook', 'pre-compact']);
      assert.equal(result.code, 0, 'a hook never fails the agent');
      assert.match(result.stderr, /no checkpoint before compaction/);
    } finally {
      ws.cleanup();
    }
  });
});
