import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { activateExtension, allNodes, folders, waitFor } from './helpers';

const TOOL_NAMES = [
  'get_active_track', 'list_tracks', 'show_track', 'create_track', 'activate_track', 'switch_track', 'pause_track',
  'resume_track', 'complete_track', 'create_checkpoint', 'add_decision', 'add_assumption', 'start_run',
  'record_run_step', 'finish_run', 'detect_interrupted', 'recover',
];

/** The fields of a tool's JSON reply these tests read (each tool returns its own shape). */
interface ToolReply {
  track_id?: string;
  activated?: string;
  tracks?: unknown[];
  error?: { code: string };
}

async function invoke(name: string, input: object): Promise<ToolReply> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  const part = result.content[0] as vscode.LanguageModelTextPart;
  return JSON.parse(part.value) as ToolReply;
}

describe('language-model tools (Copilot agent mode) in the real extension host', () => {
  let api: TrackManagerApi;
  before(async () => {
    api = await activateExtension();
  });

  it('registers every tool of the catalogue, and lists them in vscode.lm.tools', () => {
    console.log(`      VS Code ${vscode.version}: lm.tools ${vscode.lm.tools.length}, invokeTool ${typeof vscode.lm.invokeTool}, MCP server provider ${api.agentTools.mcpServerProvider}`);
    assert.deepEqual(api.agentTools.tools, TOOL_NAMES);
    const listed = vscode.lm.tools.map((tool) => tool.name);
    for (const name of TOOL_NAMES) assert.ok(listed.includes(name), `${name} in vscode.lm.tools`);
    const create = vscode.lm.tools.find((tool) => tool.name === 'create_track')!;
    assert.match(create.description, /Creates a track/);
    assert.deepEqual((create.inputSchema as { properties: { priority: { enum: string[] } } }).properties.priority.enum, ['P0', 'P1', 'P2', 'P3']);
  });

  it('offers `track mcp` as an MCP server where VS Code has the API (1.101+), and still works without it', async () => {
    const [major, minor] = vscode.version.split('.').map(Number);
    const final = major > 1 || minor >= 101;
    assert.equal(api.agentTools.mcpServerProvider, final && typeof (vscode.lm as { registerMcpServerDefinitionProvider?: unknown }).registerMcpServerDefinitionProvider === 'function');
    const launches = api.agentTools.mcpServers();
    if (!api.agentTools.mcpServerProvider) {
      assert.deepEqual(launches, []);
      return;
    }
    // Start the server exactly as VS Code would, and talk MCP to it.
    assert.equal(launches.length, 1);
    const launch = launches[0];
    assert.deepEqual(launch.args.slice(1), ['mcp', '--root', folders()[0].uri.fsPath]);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...launch.env })) if (typeof value === 'string') env[key] = value;
    const client = new Client({ name: 'vscode-mcp-probe', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: launch.command, args: launch.args, env, stderr: 'pipe' }));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name), TOOL_NAMES);
      const listed = JSON.parse(((await client.callTool({ name: 'list_tracks', arguments: {} })) as { content: Array<{ text: string }> }).content[0].text) as ToolReply;
      assert.ok(Array.isArray(listed.tracks));
    } finally {
      await client.close();
    }
  });

  it('runs tools through vscode.lm.invokeTool; the tree and the status bar follow a write', async () => {
    const created = await invoke('create_track', { name: 'Agent Made Track', type: 'feature', goal: 'Made by a model', priority: 'P1' });
    assert.match(created.track_id ?? '', /^track-agent-made-track-/);
    await waitFor(async () => (await allNodes(api)).some((node) => node.kind === 'track' && node.track.name === 'Agent Made Track'), 'the new track in the tree');

    const switched = await invoke('switch_track', { trackId: created.track_id });
    assert.equal(switched.activated, created.track_id);
    await waitFor(() => api.statusBar.item.text === '$(target) Agent Made Track · P1 · 0%', 'the status bar to show the track the tool activated');

    const decision = await invoke('add_decision', { text: 'Keep it simple' });
    assert.equal(decision.track_id, created.track_id);
    const active = await invoke('get_active_track', {});
    assert.equal(active.track_id, created.track_id);

    const bad = await invoke('create_track', { name: 'Bad', type: 'feature', goal: 'g', priority: 'P7' });
    assert.equal(bad.error?.code, 'E_INVALID_INPUT');
    const missing = await invoke('show_track', { trackId: 'track-not-here' });
    assert.equal(missing.error?.code, 'E_TRACK_NOT_FOUND');

    await invoke('pause_track', { reason: 'done for today' });
    await waitFor(() => api.statusBar.item.text === '$(circle-slash) No active track', 'the status bar after the tool paused the track');
  });
});
