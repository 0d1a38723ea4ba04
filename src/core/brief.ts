/**
 * `track brief`: what a coding agent should know when a session starts, in a few lines — the
 * active track (goal, progress, last checkpoint, decisions) and any interrupted work with the
 * exact command that resumes it. It runs in every agent's session-start hook, so it must start
 * fast (it loads no validators: each field it prints is type-checked by hand and skipped when
 * odd) and it never fails: an unreadable store is itself one line of the brief.
 */
import * as path from 'node:path';
import { isValidId } from './model/ids';
import { DEFAULT_STALE_AFTER_MINUTES, findInterrupted, type IndexForDetection, type InterruptedItem, type RunLiveness } from './interruption';
import { readTextIfExists } from './storage/file-reads';
import { listFolder } from './storage/folders';
import { locateStore, StorePaths, type LocateOptions } from './storage/paths';
import { readIndexDocument } from './storage/index-document';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const oneLine = (value: string, max: number) => {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

async function readJson(file: string): Promise<Json | null> {
  const raw = await readTextIfExists(file);
  if (raw === null) return null;
  const parsed: unknown = JSON.parse(raw);
  if (!isObject(parsed)) throw new Error(`${file} is not a JSON object`);
  return parsed;
}

function ago(iso: string, nowMs: number): string {
  const minutes = Math.max(0, Math.floor((nowMs - Date.parse(iso)) / 60_000));
  if (!Number.isFinite(minutes)) return iso;
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  if (minutes < 2880) return `${Math.floor(minutes / 60)} h ago`;
  return `${Math.floor(minutes / 1440)} days ago`;
}

/** Registry entries whose fields have the types the interruption rule reads; others are skipped. */
function indexFrom(registry: Json): IndexForDetection {
  const index: IndexForDetection = { tracks: {}, runs: {} };
  const tracks = isObject(registry.tracks) ? registry.tracks : {};
  for (const [id, entry] of Object.entries(tracks)) {
    if (!isObject(entry) || !isValidId('track', id)) continue;
    if (typeof entry.name !== 'string' || typeof entry.status !== 'string' || typeof entry.updated_at !== 'string') continue;
    index.tracks[id] = {
      name: entry.name,
      status: entry.status as IndexForDetection['tracks'][string]['status'],
      progress_percentage: typeof entry.progress_percentage === 'number' ? entry.progress_percentage : 0,
      updated_at: entry.updated_at,
    };
  }
  const runs = isObject(registry.runs) ? registry.runs : {};
  for (const [id, entry] of Object.entries(runs)) {
    if (!isObject(entry) || !isValidId('run', id) || !isValidId('track', entry.track_id)) continue;
    if (typeof entry.status !== 'string' || typeof entry.updated_at !== 'string') continue;
    index.runs[id] = {
      track_id: entry.track_id,
      workflow: text(entry.workflow) ?? id,
      status: entry.status as IndexForDetection['runs'][string]['status'],
      current_step: typeof entry.current_step === 'number' ? entry.current_step : 0,
      total_steps: typeof entry.total_steps === 'number' ? entry.total_steps : null,
      updated_at: entry.updated_at,
    };
  }
  return index;
}

async function runLiveness(paths: StorePaths, trackId: string, runId: string): Promise<RunLiveness | null> {
  const run = await readJson(paths.runFile(trackId, runId));
  if (!run || !isObject(run.owner) || typeof run.heartbeat_at !== 'string' || typeof run.updated_at !== 'string') return null;
  const pid = run.owner.pid;
  return {
    heartbeat_at: run.heartbeat_at,
    updated_at: run.updated_at,
    owner: { pid: typeof pid === 'number' ? pid : null, host: text(run.owner.host) ?? '' },
  };
}

async function lastCheckpoint(paths: StorePaths, trackId: string, nowMs: number): Promise<string | null> {
  const names = (await listFolder(paths.checkpointsDir(trackId)).catch(() => [] as string[]))
    .filter((name) => /^checkpoint-\d+(?:-[0-9a-f]{6})?\.json$/.test(name))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  const newest = names.at(-1);
  if (!newest) return null;
  const checkpoint = await readJson(path.join(paths.checkpointsDir(trackId), newest)).catch(() => null);
  if (!checkpoint || typeof checkpoint.snapshot_id !== 'string') return null;
  const name = text(checkpoint.name) ?? text(checkpoint.description);
  const when = typeof checkpoint.created_at === 'string' ? ` (${ago(checkpoint.created_at, nowMs)})` : '';
  return `${checkpoint.snapshot_id}${name ? ` “${oneLine(name, 80)}”` : ''}${when}`;
}

async function decisionLines(paths: StorePaths, trackId: string, max: number): Promise<{ lines: string[]; total: number }> {
  const document = await readJson(paths.decisionsFile(trackId)).catch(() => null);
  const entries = Array.isArray(document?.decisions) ? (document.decisions as unknown[]).filter(isObject) : [];
  const lines = entries
    .slice(-max)
    .filter((entry) => typeof entry.text === 'string')
    .map((entry) => `  - ${oneLine(entry.text as string, 160)}${typeof entry.rationale === 'string' && entry.rationale.trim() ? ` (why: ${oneLine(entry.rationale, 100)})` : ''}`);
  return { lines, total: entries.length };
}

function interruptedLine(item: InterruptedItem, nowMs: number): string {
  if (item.kind === 'track') {
    return `- Track “${oneLine(item.name, 80)}” (${item.track_id}) is active but untouched since ${ago(item.updated_at, nowMs)}. Resume: track recover resume --track-id ${item.track_id}`;
  }
  const why = item.reason === 'owner-dead' ? `its process (pid ${item.owner.pid}) is no longer running` : `untouched since ${ago(item.updated_at, nowMs)}`;
  const step = `step ${item.current_step}${item.total_steps ? ` of ${item.total_steps}` : ''}`;
  return `- Workflow run ${item.run_id} (${item.workflow}, ${step}) of track ${item.track_id}: ${why}. Resume: track recover resume --run-id ${item.run_id}`;
}

export interface BriefOptions extends LocateOptions {
  now?: () => Date;
  staleAfterMinutes?: number;
}

/** The brief as text. Never throws: a store it cannot read becomes a line saying what to run. */
export async function buildBrief(options: BriefOptions = {}): Promise<string> {
  const nowMs = (options.now ?? (() => new Date()))().getTime();
  try {
    const paths = new StorePaths(locateStore(options));
    const registry = await readIndexDocument(paths);
    if (!registry) {
      const hasTracks = (await listFolder(paths.tracksDir).catch(() => [] as string[])).some((name) => isValidId('track', name));
      return hasTracks
        ? 'Track Manager: the track registry is missing; run `track doctor --repair` (or any `track` command) to rebuild it.\n'
        : 'Track Manager: no tracks in this workspace yet. To keep work safe across interruptions, create one: track create --name "…" --type feature --goal "…", then track activate --track-id ID.\n';
    }
    const index = indexFrom(registry);
    const lines: string[] = [];
    const activeId = text(registry.active_track);
    const active = activeId && isValidId('track', activeId) ? await readJson(paths.trackFile(activeId)).catch(() => null) : null;
    if (activeId && active) {
      const context = isObject(active.context) ? active.context : {};
      const progress = isObject(active.progress) && typeof active.progress.percentage === 'number' ? active.progress.percentage : 0;
      lines.push(`Active track: “${oneLine(text(active.name) ?? activeId, 100)}” (${activeId}) — ${text(active.type) ?? 'track'}, ${text(active.priority) ?? 'P2'}, ${progress}% done.`);
      const goal = text(context.goal);
      if (goal) lines.push(`Goal: ${oneLine(goal, 300)}`);
      const checkpoint = await lastCheckpoint(paths, activeId, nowMs);
      lines.push(`Last checkpoint: ${checkpoint ?? 'none yet (make one with: track checkpoint create --track-id ' + activeId + ')'}`);
      const decisions = await decisionLines(paths, activeId, 5);
      if (decisions.total > 0) lines.push(`Decisions (${decisions.total}${decisions.total > decisions.lines.length ? `, newest ${decisions.lines.length}` : ''}):`, ...decisions.lines);
    } else if (activeId) {
      lines.push(`Active track: ${activeId}, but its track.json cannot be read; run \`track doctor\`.`);
    } else {
      const paused = Object.entries(index.tracks).filter(([, entry]) => entry.status === 'paused').slice(0, 3);
      lines.push(
        paused.length > 0
          ? `No track is active. Paused: ${paused.map(([id, entry]) => `“${oneLine(entry.name, 60)}” (resume: track resume --track-id ${id})`).join('; ')}.`
          : 'No track is active. See the tracks with: track list',
      );
    }
    const interrupted = await findInterrupted(index, (trackId, runId) => runLiveness(paths, trackId, runId), nowMs, options.staleAfterMinutes ?? DEFAULT_STALE_AFTER_MINUTES);
    if (interrupted.length > 0) {
      lines.push(`Interrupted work (${interrupted.length}):`, ...interrupted.slice(0, 5).map((item) => interruptedLine(item, nowMs)));
    }
    return `Track Manager\n${lines.join('\n')}\n`;
  } catch (error) {
    return `Track Manager: the track store could not be read (${oneLine((error as Error).message ?? String(error), 200)}); run \`track doctor\`.\n`;
  }
}
