import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, runNode, Workspace } from '../helpers/workspace';
import type { compactTrack } from '../../src/core/tools';
import type { TrackSummary } from '../../src/core/queries';
import type { DetectResult } from '../../src/core/recovery';
import type { SwitchResult } from '../../src/core/lifecycle';
import type { ContextEntry, Run, Track } from '../../src/core/model/schemas';

/** The real server (dist/cli.js mcp) as a child process, driven by the SDK's own client. */
async function connect(ws: Workspace, env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    cwd: ws.dir,
    env: { PATH: process.env.PATH ?? '', TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: '', ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'track-manager-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type Compact = ReturnType<typeof compactTrack>;

/** What each tool returns (src/core/tools.ts), in the core's types, for the fields these tests read. */
interface ToolOutputs {
  get_active_track: Compact | null;
  list_tracks: { tracks: Array<Omit<TrackSummary, 'created_at'>>; problems: string[] };
  show_track: Compact & {
    decisions: Array<{ id: string; text: string }>;
    assumptions: Array<{ id: string; text: string }>;
    checkpoints: Array<{ snapshot_id: string; name?: string; created_at: string }>;
    runs: Array<{ run_id: string; status: string }>;
  };
  create_track: Compact;
  activate_track: Compact;
  switch_track: SwitchResult;
  pause_track: { track_id: string; status: string; reason: string; checkpoint: string };
  resume_track: Compact & { checkpoint_restored: string | null; checkpoint_saved: string | null };
  complete_track: Compact & { outcomes: Track['outcomes'] | null };
  create_checkpoint: { snapshot_id: string; track_id: string; created_at: string };
  add_decision: ContextEntry;
  add_assumption: ContextEntry;
  start_run: { run_id: string; track_id: string; status: string; current_step: number };
  record_run_step: { run_id: string; status: string; current_step: number; snapshot: string };
  finish_run: Run;
  detect_interrupted: DetectResult;
  recover: { success: boolean };
}

type ToolError = { code: string; message: string; next?: string };
type ToolReply<T = unknown> = { ok: true; value: T } | { ok: false; error: ToolError };

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolReply> {
  const result = (await client.callTool({ name, arguments: args })) as { content: Array<{ type: string; text: string }>; isError?: boolean };
  const body = JSON.parse(result.content[0].text) as unknown;
  return result.isError ? { ok: false, error: (body as { error: ToolError }).error } : { ok: true, value: body };
}

async function ok<N extends keyof ToolOutputs>(client: Client, name: N, args: Record<string, unknown> = {}): Promise<ToolOutputs[N]> {
  const reply = await call(client, name, args);
  if (!reply.ok) throw new Error(`${name} failed: ${reply.error.code}: ${reply.error.message}`);
  // The tool named its own output type above.
  return reply.value as ToolOutputs[N];
}

async function fails(client: Client, name: string, args: Record<string, unknown>, code: string): Promise<{ code: string; message: string; next?: string }> {
  const reply = await call(client, name, args);
  assert.equal(reply.ok, false, `${name} ${JSON.stringify(args)} should fail with ${code}`);
  const error = (reply as { error: { code: string; message: string; next?: string } }).error;
  assert.equal(error.code, code, error.message);
  return error;
}

function holdLock(root: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'helpers', 'lock-holder.js'), root], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(child));
    child.once('error', reject);
  });
}

function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

describe('track mcp (a stdio MCP server, driven by the SDK client)', function () {
  this.timeout(120_000);
  let ws: Workspace;
  let client: Client;
  beforeEach(async () => {
    ws = new Workspace();
    client = await connect(ws, { TRACK_MANAGER_LOCK_TIMEOUT_MS: '400' });
  });
  afterEach(async () => {
    await client.close();
    ws.cleanup();
  });

  it('lists every tool with a verb_noun name, a description and a JSON schema derived from the input rules', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const wanted of ['get_active_track', 'list_tracks', 'show_track', 'create_track', 'activate_track', 'switch_track', 'pause_track', 'resume_track', 'complete_track', 'create_checkpoint', 'add_decision', 'add_assumption', 'start_run', 'record_run_step', 'finish_run', 'detect_interrupted', 'recover']) {
      assert.ok(names.includes(wanted), `missing tool ${wanted}`);
    }
    for (const tool of tools) {
      assert.match(tool.name, /^[a-z]+(_[a-z]+)*$/);
      assert.ok((tool.description ?? '').length > 40, `${tool.name} has a model-facing description`);
      assert.equal(tool.inputSchema.type, 'object');
    }
    const create = tools.find((tool) => tool.name === 'create_track')!;
    const properties = create.inputSchema.properties as Record<string, { enum?: string[]; minLength?: number }>;
    assert.deepEqual(properties.priority.enum, ['P0', 'P1', 'P2', 'P3']);
    assert.equal(properties.name.minLength, 3);
    assert.deepEqual([...(create.inputSchema.required as string[])].sort(), ['goal', 'name', 'type']);
    assert.equal(create.annotations?.readOnlyHint, false);
    assert.equal(tools.find((tool) => tool.name === 'list_tracks')!.annotations?.readOnlyHint, true);
  });

  it('runs a track through its life with every tool, and bad input is a tool error with our code', async () => {
    assert.equal(await ok(client, 'get_active_track'), null);
    const first = await ok(client, 'create_track', { name: 'OAuth Login', type: 'feature', goal: 'Add OAuth 2.0 login', priority: 'P1' });
    assert.match(first.track_id, /^track-oauth-login-/);
    assert.equal(first.status, 'draft');
    const second = await ok(client, 'create_track', { name: 'Fix Crash', type: 'bugfix', goal: 'Stop the crash', ready: true });

    const invalidPriority = await fails(client, 'create_track', { name: 'Bad One', type: 'feature', goal: 'g', priority: 'P9' }, 'E_INVALID_INPUT');
    assert.match(invalidPriority.message, /priority/);
    assert.ok(invalidPriority.next, 'the error says what to do next');
    await fails(client, 'create_track', { name: 'Extra', type: 'feature', goal: 'g', owner: 'me' }, 'E_INVALID_INPUT');
    await fails(client, 'show_track', { trackId: 'track-does-not-exist' }, 'E_TRACK_NOT_FOUND');
    await fails(client, 'show_track', { trackId: '../../etc' }, 'E_INVALID_INPUT');
    await fails(client, 'pause_track', { reason: 'no active track' }, 'E_INVALID_INPUT');
    await fails(client, 'no_such_tool', {}, 'E_USAGE');

    await ok(client, 'activate_track', { trackId: first.track_id });
    const another = await fails(client, 'activate_track', { trackId: second.track_id }, 'E_ANOTHER_ACTIVE');
    assert.match(another.next!, /switch_track/);
    assert.equal((await ok(client, 'get_active_track'))?.track_id, first.track_id);

    const decision = await ok(client, 'add_decision', { text: 'Use PKCE', rationale: 'public client' });
    assert.equal(decision.id, 'decision-001');
    await ok(client, 'add_assumption', { trackId: first.track_id, text: 'Users have Google accounts' });
    const checkpoint = await ok(client, 'create_checkpoint', { name: 'before refactor' });
    assert.match(checkpoint.snapshot_id, /^snap-/);

    const run = await ok(client, 'start_run', { workflow: 'greenfield.yaml', totalSteps: 3, state: { phase: 'plan' } });
    assert.equal(run.track_id, first.track_id);
    const step = await ok(client, 'record_run_step', { runId: run.run_id, step: 1, state: { phase: 'build' } });
    assert.equal(step.current_step, 1);
    await fails(client, 'record_run_step', { runId: run.run_id, step: 9 }, 'E_INVALID_INPUT');
    await fails(client, 'record_run_step', { runId: 'run-404-nope', step: 1 }, 'E_RUN_NOT_FOUND');
    assert.equal((await ok(client, 'finish_run', { runId: run.run_id, outcome: 'completed' })).status, 'completed');

    const shown = await ok(client, 'show_track', {});
    assert.equal(shown.track_id, first.track_id);
    assert.deepEqual(shown.decisions.map((entry) => entry.text), ['Use PKCE']);
    assert.deepEqual(shown.assumptions.map((entry) => entry.text), ['Users have Google accounts']);
    assert.equal(shown.checkpoints[0].name, 'before refactor');
    assert.equal(shown.runs[0].status, 'completed');

    const switched = await ok(client, 'switch_track', { trackId: second.track_id });
    assert.equal(switched.suspended, first.track_id);
    assert.match(switched.checkpoint ?? '', /^snap-/);
    const paused = await ok(client, 'pause_track', { reason: 'lunch' });
    assert.equal(paused.status, 'paused');
    await fails(client, 'resume_track', { trackId: second.track_id, checkpointId: 'snap-nope' }, 'E_CHECKPOINT_NOT_FOUND');
    assert.equal((await ok(client, 'resume_track', { trackId: first.track_id })).status, 'active');
    await fails(client, 'resume_track', { trackId: second.track_id }, 'E_ANOTHER_ACTIVE');

    const listed = await ok(client, 'list_tracks', { status: 'paused' });
    assert.deepEqual(listed.tracks.map((track) => track.track_id), [second.track_id]);
    await fails(client, 'list_tracks', { priority: 'urgent' }, 'E_INVALID_INPUT');

    const detected = await ok(client, 'detect_interrupted', { staleAfterMinutes: 0 });
    assert.ok(detected.interrupted.some((item) => item.track_id === first.track_id));
    const recovered = await ok(client, 'recover', { trackId: first.track_id });
    assert.equal(recovered.success, true);
    await fails(client, 'recover', {}, 'E_INVALID_INPUT');

    const done = await ok(client, 'complete_track', { summary: 'Shipped', filesModified: ['src/auth.ts'], lessonsLearned: ['PKCE is simple'] });
    assert.equal(done.status, 'completed');
    assert.equal(done.outcomes?.summary, 'Shipped');
    await fails(client, 'complete_track', { trackId: first.track_id }, 'E_INVALID_TRANSITION');

    // What the tools wrote is what the CLI reads.
    assert.equal(ws.ok(['show', '--track-id', first.track_id]).status, 'completed');
  });

  it('serves concurrent calls (the client does not wait) without losing a write', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ok(client, 'create_track', { name: `Parallel ${i}`, type: 'testing', goal: 'g' })));
    assert.equal(new Set(results.map((track) => track.track_id)).size, 8);
    const [first, second] = results;
    const racing = await Promise.all([call(client, 'activate_track', { trackId: first.track_id }), call(client, 'activate_track', { trackId: second.track_id })]);
    assert.equal(racing.filter((reply) => reply.ok).length, 1, 'exactly one activation wins; never two active tracks');
    assert.equal((await ok(client, 'list_tracks', { status: 'active' })).tracks.length, 1);
    assert.equal(ws.ok(['list']).length, 8);
  });

  it('reports a corrupt file and a held lock as tool errors and keeps serving', async () => {
    const track = await ok(client, 'create_track', { name: 'Fragile', type: 'feature', goal: 'g' });
    writeFileSync(ws.trackFile(track.track_id), '{ not json');
    const corrupt = await fails(client, 'show_track', { trackId: track.track_id }, 'E_CORRUPT_FILE');
    assert.match(corrupt.next!, /track doctor/);
    await fails(client, 'activate_track', { trackId: track.track_id }, 'E_CORRUPT_FILE');

    const holder = await holdLock(ws.dir);
    try {
      await fails(client, 'create_track', { name: 'While Locked', type: 'feature', goal: 'g' }, 'E_LOCK_TIMEOUT');
    } finally {
      await new Promise<void>((resolve) => {
        holder.once('exit', () => resolve());
        holder.stdin!.end();
      });
    }
    // The store vanishes entirely: still an answer, not a crash.
    rmSync(ws.conductor, { recursive: true, force: true });
    assert.equal(await ok(client, 'get_active_track'), null);
    assert.deepEqual((await ok(client, 'list_tracks')).tracks, []);
    assert.ok(await ok(client, 'create_track', { name: 'After Delete', type: 'feature', goal: 'g' }));
  });

  it('serves tracks as resources and notifies when another process writes the store', async () => {
    const updated: string[] = [];
    let listChanged = 0;
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updated.push(notification.params.uri);
    });
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      listChanged++;
    });
    const active = await client.readResource({ uri: 'track://active' });
    assert.equal((active.contents[0] as { text: string }).text, 'null');
    await client.subscribeResource({ uri: 'track://active' });

    // A CLI write from another process (not through the server).
    const created = ws.ok(['create', '--name', 'From The CLI', '--type', 'feature', '--goal', 'Made elsewhere']);
    await until(() => (listChanged > 0 ? true : undefined), 'resources/list_changed after a CLI create');
    const { resources } = await client.listResources();
    assert.ok(resources.some((resource) => resource.uri === `track://${created.track_id}` && resource.title === 'From The CLI'));
    await client.subscribeResource({ uri: `track://${created.track_id}` });

    const { code } = await runNode([CLI, 'activate', '--track-id', created.track_id], { cwd: ws.dir, env: { TRACK_MANAGER_ROOT: '' } });
    assert.equal(code, 0);
    await until(() => (updated.includes('track://active') ? true : undefined), 'resources/updated for track://active');
    await until(() => (updated.includes(`track://${created.track_id}`) ? true : undefined), 'resources/updated for the track');
    const read = JSON.parse(((await client.readResource({ uri: 'track://active' })).contents[0] as { text: string }).text) as Track;
    assert.equal(read.track_id, created.track_id);
    assert.equal(read.status, 'active');

    // Corrupt, then deleted, then recreated: notifications keep coming and the server stays up.
    updated.length = 0;
    writeFileSync(ws.trackFile(created.track_id), '{ broken');
    await until(() => (updated.includes(`track://${created.track_id}`) ? true : undefined), 'an update when the file turns corrupt');
    await assert.rejects(client.readResource({ uri: `track://${created.track_id}` }), /E_CORRUPT_FILE/);
    rmSync(ws.conductor, { recursive: true, force: true });
    updated.length = 0;
    const again = ws.ok(['create', '--name', 'Reborn Store', '--type', 'feature', '--goal', 'g']);
    ws.ok(['activate', '--track-id', again.track_id]);
    await until(() => (updated.includes('track://active') ? true : undefined), 'an update after the store was deleted and made again');
    const reborn = JSON.parse(((await client.readResource({ uri: 'track://active' })).contents[0] as { text: string }).text) as Track;
    assert.equal(reborn.name, 'Reborn Store');
  });
});
