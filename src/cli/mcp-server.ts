/**
 * `track mcp`: the tool catalogue and the tracks as MCP resources, over stdio. Bundled on its own
 * (dist/mcp-server.js) and loaded only by this command, so no other command pays for the SDK.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  ErrorCode as RpcErrorCode,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { toTrackError } from '../core/model/errors';
import type { TrackStore } from '../core/store';
import type { callTool, TOOLS, toolJsonSchema } from '../core/tools';

/**
 * The core, handed over by the CLI bundle that loads this one: a second copy bundled here would
 * have its own TrackError class, and errors thrown by the store would no longer be recognised.
 */
export interface McpCore {
  callTool: typeof callTool;
  TOOLS: typeof TOOLS;
  toolJsonSchema: typeof toolJsonSchema;
  toTrackError: typeof toTrackError;
}

declare const TRACK_MANAGER_VERSION: string;
const VERSION = typeof TRACK_MANAGER_VERSION === 'string' ? TRACK_MANAGER_VERSION : 'dev';

export const ACTIVE_URI = 'track://active';
const DEBOUNCE_MS = 150;
/** When the conductor folder is missing or its watcher died, look again this often. */
const REWATCH_MS = 1000;

const INSTRUCTIONS = [
  'Track Manager keeps this project\'s work in tracks (one active at a time) that survive interruptions.',
  'At the start of a task call get_active_track and detect_interrupted; resume interrupted work with recover.',
  'While working: add_decision / add_assumption for choices worth keeping, create_checkpoint before risky changes.',
  'Use switch_track when the user changes what to work on, complete_track when the goal is met.',
].join(' ');

async function resourceText(core: McpCore, store: TrackStore, uri: string): Promise<string> {
  if (uri === ACTIVE_URI) {
    const active = await store.getActiveTrack();
    if (!active) return 'null';
    return JSON.stringify(await runTool(core, store, 'show_track', { trackId: active.track_id }));
  }
  const trackId = uri.startsWith('track://') ? uri.slice('track://'.length) : '';
  return JSON.stringify(await runTool(core, store, 'show_track', { trackId }));
}

async function runTool(core: McpCore, store: TrackStore, name: string, args: unknown): Promise<unknown> {
  const outcome = await core.callTool(store, name, args);
  if (!outcome.ok) throw new McpError(RpcErrorCode.InvalidParams, `${outcome.error.code}: ${outcome.error.message}${outcome.error.next ? ` ${outcome.error.next}` : ''}`, outcome.error);
  return outcome.result;
}

export async function serveMcp(store: TrackStore, core: McpCore): Promise<void> {
  const { callTool, TOOLS, toolJsonSchema, toTrackError } = core;
  const server = new Server(
    { name: 'track-manager', title: 'Track Manager', version: VERSION },
    { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((definition) => ({
      name: definition.name,
      title: definition.title,
      description: definition.description,
      inputSchema: toolJsonSchema(definition) as { type: 'object' },
      annotations: { title: definition.title, readOnlyHint: definition.readOnly, destructiveHint: false, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const outcome = await callTool(store, request.params.name, request.params.arguments ?? {});
    if (outcome.ok) {
      return { content: [{ type: 'text' as const, text: JSON.stringify(outcome.result) }] };
    }
    return { content: [{ type: 'text' as const, text: JSON.stringify({ error: outcome.error }) }], isError: true };
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const resources = [{ uri: ACTIVE_URI, name: 'active-track', title: 'The active track', description: 'The track being worked on now (null when none is), with its decisions, checkpoints and runs.', mimeType: 'application/json' }];
    try {
      const { tracks } = await store.listTracks();
      for (const track of tracks) {
        resources.push({ uri: `track://${track.track_id}`, name: track.track_id, title: track.name, description: `${track.status} ${track.type} track, ${track.progress_percentage}% done`, mimeType: 'application/json' });
      }
    } catch {
      // A corrupt or locked store still lists the active-track resource; reading it says what is wrong.
    }
    return { resources };
  });

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    try {
      return { contents: [{ uri, mimeType: 'application/json', text: await resourceText(core, store, uri) }] };
    } catch (error) {
      if (error instanceof McpError) throw error;
      const trackError = toTrackError(error);
      throw new McpError(RpcErrorCode.InternalError, `${trackError.code}: ${trackError.message}`, trackError.toJSON());
    }
  });

  const subscriptions = new Set<string>();
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscriptions.add(request.params.uri);
    lastSeen.set(request.params.uri, await snapshotOf(request.params.uri));
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    lastSeen.delete(request.params.uri);
    return {};
  });

  // Change notifications: what a client last could have read, compared after each burst of writes.
  const lastSeen = new Map<string, string>();
  let lastTrackList = await trackListOf();
  async function snapshotOf(uri: string): Promise<string> {
    try {
      return await resourceText(core, store, uri);
    } catch (error) {
      return `error:${(error as Error).message}`;
    }
  }
  async function trackListOf(): Promise<string> {
    try {
      return (await store.listTracks()).tracks.map((track) => `${track.track_id}:${track.name}:${track.status}`).join('\n');
    } catch (error) {
      return `error:${(error as Error).message}`;
    }
  }
  let refreshing = false;
  let again = false;
  async function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const trackList = await trackListOf();
      if (trackList !== lastTrackList) {
        lastTrackList = trackList;
        await server.sendResourceListChanged();
      }
      for (const uri of subscriptions) {
        const seen = await snapshotOf(uri);
        if (seen !== lastSeen.get(uri)) {
          lastSeen.set(uri, seen);
          await server.sendResourceUpdated({ uri });
        }
      }
    } catch {
      // A notification that cannot be sent (client gone) is not worth crashing over.
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  // fs.watch can miss an in-place edit of a file that an atomic rename replaced earlier (Linux,
  // Node 20); a once-a-second stat of the few files behind the subscriptions catches those.
  let lastStamp = '';
  function stamp(): string {
    const files = [store.paths.registryFile, store.paths.indexLogFile];
    for (const uri of subscriptions) {
      const trackId = uri === ACTIVE_URI ? null : uri.slice('track://'.length);
      if (trackId && /^track-[a-z0-9-]+$/.test(trackId)) files.push(store.paths.trackFile(trackId), store.paths.decisionsFile(trackId));
    }
    return files.map((file) => {
      try {
        const info = statSync(file);
        return `${info.ino}:${info.size}:${info.mtimeMs}`;
      } catch {
        return '-';
      }
    }).join('|');
  }
  const watcher = new ConductorWatcher(store.conductorDir, () => void refresh(), () => {
    if (subscriptions.size === 0) return;
    const now = stamp();
    if (now !== lastStamp) {
      lastStamp = now;
      void refresh();
    }
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  watcher.start();
  await closed;
  watcher.stop();
  await server.close().catch(() => undefined);
}

/**
 * Watches the conductor folder recursively, debounced. The folder may not exist yet or be deleted
 * while we run: then it looks again every second, and reports a change when it reappears.
 */
class ConductorWatcher {
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | undefined;
  private rewatch: NodeJS.Timeout | undefined;
  private watchedIno: number | null = null;

  constructor(private readonly dir: string, private readonly onChange: () => void, private readonly onTick: () => void) {}

  start(): void {
    this.tryWatch();
    this.rewatch = setInterval(() => {
      // A folder deleted (and maybe made again) under a live watcher leaves it watching nothing.
      if (this.watcher && this.currentIno() !== this.watchedIno) this.drop(this.watcher);
      if (!this.watcher && this.tryWatch()) this.changed();
      this.onTick();
    }, REWATCH_MS);
    this.rewatch.unref();
  }

  private tryWatch(): boolean {
    try {
      const watcher = watch(this.dir, { recursive: true }, () => this.changed());
      watcher.on('error', () => this.drop(watcher));
      this.watcher = watcher;
      this.watchedIno = this.currentIno();
      return true;
    } catch {
      return false;
    }
  }

  private currentIno(): number | null {
    try {
      return statSync(this.dir).ino;
    } catch {
      return null;
    }
  }

  private drop(watcher: FSWatcher): void {
    watcher.close();
    if (this.watcher === watcher) this.watcher = null;
    this.changed();
  }

  private changed(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(this.onChange, DEBOUNCE_MS);
    this.debounce.unref();
  }

  stop(): void {
    clearTimeout(this.debounce);
    clearInterval(this.rewatch);
    this.watcher?.close();
  }
}
