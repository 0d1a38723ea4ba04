import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TrackStore } from '../../src/core/store';
import { callTool, describeToolCall, TOOLS, toolJsonSchema } from '../../src/core/tools';
import { PROJECT_ROOT, Workspace } from '../helpers/workspace';

describe('the tool catalogue', function () {
  this.timeout(60_000);

  it('is what package.json contributes to VS Code: same names, descriptions and input schemas', () => {
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      contributes: { languageModelTools: Array<Record<string, unknown>>; mcpServerDefinitionProviders: unknown };
    };
    const contributed = manifest.contributes.languageModelTools;
    assert.deepEqual(contributed.map((tool) => tool.name), TOOLS.map((tool) => tool.name));
    for (const tool of TOOLS) {
      const entry = contributed.find((candidate) => candidate.name === tool.name)!;
      assert.equal(entry.modelDescription, tool.description, `${tool.name}: modelDescription`);
      assert.equal(entry.displayName, tool.title);
      assert.deepEqual(entry.inputSchema, toolJsonSchema(tool), `${tool.name}: inputSchema is derived from the zod schema (run node scripts/tool-manifest.mjs after a build)`);
    }
    assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders, [{ id: 'trackManager.mcp', label: 'Track Manager' }]);
  });

  it('asks before writes with the track named by its name, never its id; reads need no confirmation', async () => {
    const ws = new Workspace();
    try {
      const store = new TrackStore({ root: ws.dir });
      const created = await callTool(store, 'create_track', { name: 'Payment Flow', type: 'feature', goal: 'Take payments' });
      assert.ok(created.ok);
      const trackId = (created as { result: { track_id: string } }).result.track_id;
      assert.equal(await describeToolCall(store, 'list_tracks', {}), null);
      const activate = await describeToolCall(store, 'activate_track', { trackId });
      assert.equal(activate!.message, 'Activate “Payment Flow”.');
      assert.ok(!activate!.message.includes(trackId));
      await callTool(store, 'activate_track', { trackId });
      const pause = await describeToolCall(store, 'pause_track', { reason: 'meeting' });
      assert.equal(pause!.message, 'Pause “Payment Flow” (reason: meeting); a checkpoint is saved first.');
      const create = await describeToolCall(store, 'create_track', { name: 'Next Thing', type: 'bugfix', goal: 'g', priority: 'P0' });
      assert.equal(create!.message, 'Create the P0 bugfix track “Next Thing”.');
      const unknown = await describeToolCall(store, 'complete_track', { trackId: 'track-nope' });
      assert.ok(!unknown!.message.includes('track-nope'));
      const invalid = await describeToolCall(store, 'pause_track', { reason: 42 });
      assert.match(invalid!.message, /arguments look invalid/);
    } finally {
      ws.cleanup();
    }
  });

  it('turns every failure into a value with our code and a next step, never a throw', async () => {
    const ws = new Workspace();
    try {
      const store = new TrackStore({ root: ws.dir });
      for (const [name, args, code] of [
        ['show_track', { trackId: 'track-missing' }, 'E_TRACK_NOT_FOUND'],
        ['show_track', { trackId: 7 }, 'E_INVALID_INPUT'],
        ['create_track', null, 'E_INVALID_INPUT'],
        ['create_track', 'text', 'E_INVALID_INPUT'],
        ['detect_interrupted', { staleAfterMinutes: -1 }, 'E_INVALID_INPUT'],
        ['finish_run', { runId: 'run-001-x', outcome: 'maybe' }, 'E_INVALID_INPUT'],
        // The original track-manager's run ids (reported by detect_interrupted) reach recovery; paths do not.
        ['recover', { runId: 'run-1736_ABC' }, 'E_RUN_NOT_FOUND'],
        ['recover', { runId: '../x' }, 'E_INVALID_INPUT'],
        ['nope', {}, 'E_USAGE'],
      ] as const) {
        const outcome = await callTool(store, name, args);
        assert.equal(outcome.ok, false, name);
        assert.equal((outcome as { error: { code: string } }).error.code, code, `${name} ${JSON.stringify(args)}`);
      }
    } finally {
      ws.cleanup();
    }
  });

  it('costs other commands nothing: the MCP SDK and the validators stay out of the bundles that do not need them', () => {
    const bundle = (name: string) => readFileSync(path.join(PROJECT_ROOT, 'dist', name), 'utf8');
    const sdkMarker = 'notifications/resources/updated';
    assert.ok(bundle('mcp-server.js').includes(sdkMarker), 'the server bundle holds the SDK');
    assert.ok(!bundle('cli-main.js').includes(sdkMarker), 'the CLI loads the SDK only for `track mcp`');
    assert.ok(!bundle('extension.js').includes(sdkMarker));
    assert.ok(bundle('cli-main.js').includes('$ZodType'));
    assert.ok(!bundle('cli-brief.js').includes('$ZodType'), '`track brief` loads no validators');
  });
});
