import { readCheckpoints } from './checkpoints';
import { knownValidFiles } from './storage/known-valid';
import type { StoreContext } from './storage/context';
import { readContextConflicts, readContextFiles } from './context-files';
import { isTrackError, toTrackError } from './model/errors';
import { serialize } from './storage/files';
import { isFolder, isSymbolicLink, pathExists } from './storage/file-info';
import { copyFileTo } from './storage/standalone-files';
import { findLeftovers, holdsNoData, removeEmptyTree, removeLeftover } from './storage/store-cleanup';
import { commitFiles, rollForwardJournal } from './storage/journal';
import { loadedGeneration, wholeIndexFiles } from './storage/index-files';
import { setAsideJournal } from './storage/journal-repair';
import { inspectLock, withStoreLock } from './storage/lock';
import { abandonedQueueFiles } from './storage/group-commit';
import { withLockScope } from './storage/lock-scope';
import { forgetCachedIndex } from './reads';
import {
  listTrackFolders, problemFrom, readRegistry, readTrackFile, rebuildRegistry, type Problem,
} from './storage/registry';
import { readRunSnapshots } from './runs';
import { findLinksInside } from './storage/write-safety';
import type { Registry } from './model/schemas';
import { isOriginalFormatRegistry } from './storage/origin-index';
import { diagnoseOriginalFormat, multipleActiveMessage, repairOriginalFormat } from './origin-repair';

export interface DoctorProblem {
  code: string;
  severity: 'error' | 'warning';
  file: string;
  message: string;
  repairable: boolean;
}

export interface DoctorReport {
  healthy: boolean;
  store: string;
  tracks_checked: number;
  problems: DoctorProblem[];
  /** Files still in the original track-manager's format (read as they are; see origin-repair.ts). */
  original_format_files: number;
  repaired: string[];
}

/** A leftover temp file younger than this may belong to a write in progress. */
const TEMP_GRACE_MS = 60_000;

export async function runDoctor(ctx: StoreContext, options: { repair?: boolean } = {}): Promise<DoctorReport> {
  // Doctor reports what the files hold: every document is validated, none taken as known valid.
  return knownValidFiles(ctx.paths.conductorDir).distrusting(() => checkStore(ctx, options));
}

async function checkStore(ctx: StoreContext, options: { repair?: boolean }): Promise<DoctorReport> {
  const { paths } = ctx;
  if (!(await isFolder(paths.conductorDir))) {
    // Nothing to check, and --repair must not create a store here.
    return {
      healthy: false,
      store: paths.conductorDir,
      tracks_checked: 0,
      problems: [{
        code: 'NO_STORE', severity: 'error', file: paths.conductorDir, repairable: false,
        message: `No Track Manager store at ${paths.conductorDir}. Run \`track create …\` (or \`track init\`) in the workspace to start one, or point at an existing store with --root or TRACK_MANAGER_ROOT.`,
      }],
      original_format_files: 0,
      repaired: [],
    };
  }
  // Repairs take the lock in tracks/; through a link that would write outside the store.
  const tracksIsLink = await isSymbolicLink(paths.tracksDir);
  const repaired = options.repair && !tracksIsLink ? await repairStore(ctx) : [];
  forgetCachedIndex(ctx);
  const report = await diagnose(ctx, options.repair ? 0 : TEMP_GRACE_MS);
  return { ...report, repaired };
}

async function diagnose(ctx: StoreContext, tempGraceMs: number): Promise<Omit<DoctorReport, 'repaired'>> {
  const { paths } = ctx;
  const problems: DoctorProblem[] = [];
  const add = (code: string, file: string, message: string, repairable: boolean, severity: 'error' | 'warning' = 'error') =>
    problems.push({ code, severity, file: paths.display(file), message, repairable });
  const fromProblem = (problem: Problem) => add('CORRUPT_FILE', problem.file, problem.message, false);

  const lock = await inspectLock(paths, ctx.lockStaleMs);
  if (lock.exists && lock.stale) {
    const why = lock.holder === 'dead' ? `its holder (pid ${lock.owner?.pid}) is no longer running` : (lock.refreshedMsAgo ?? 0) < 0 ? 'it is dated in the future' : `it was last refreshed ${Math.round((lock.refreshedMsAgo ?? 0) / 1000)} s ago`;
    add('STALE_LOCK', paths.lockDir, `The store lock is stale: ${why}. \`track doctor --repair\` removes it.`, true);
  }
  if (await pathExists(paths.journalFile)) {
    add('PENDING_JOURNAL', paths.journalFile, 'A write was interrupted after its commit point; `track doctor --repair` (or any next write) finishes it, or keeps it aside when it cannot be applied.', true);
  }
  for (const leftover of await findLeftovers(paths.conductorDir, tempGraceMs)) {
    add('LEFTOVER_TEMP', leftover, 'A temp file left by an interrupted write; `track doctor --repair` removes it.', true, 'warning');
  }

  for (const file of await abandonedQueueFiles(paths)) {
    add('LEFTOVER_REQUEST', file, 'A queued write (or its result) of a process that is gone; `track doctor --repair` removes it.', true, 'warning');
  }

  for (const link of await findLinksInside(paths.conductorDir)) {
    add('UNSAFE_PATH', link, `${paths.display(link)} is a symbolic link inside the store: writes through it are refused (E_UNSAFE_PATH), as they could change files outside the store. Replace it with a real folder or file.`, false);
  }

  const rebuilt = await rebuildRegistry(paths, ctx.now().toISOString());
  rebuilt.problems.forEach(fromProblem);
  let registry: Registry | null = null;
  try {
    registry = await readRegistry(paths);
    if (!registry && Object.keys(rebuilt.registry.tracks).length > 0) {
      add('REGISTRY_MISSING', paths.registryFile, 'The registry is missing; it is rebuilt from the track folders by the next command or `track doctor --repair`.', true, 'warning');
    }
  } catch (error) {
    if (!isTrackError(error)) throw error;
    add('REGISTRY_CORRUPT', paths.registryFile, `${error.message} \`track doctor --repair\` rebuilds it from the track folders.`, true);
  }
  if (registry) {
    keepDamagedEntries(paths, registry, rebuilt);
    // The original's registry is not read (the track files are), so its drift is only a warning.
    const severity = isOriginalFormatRegistry(registry) ? 'warning' : 'error';
    for (const drift of compareRegistries(registry, rebuilt.registry)) add('REGISTRY_DRIFT', paths.registryFile, `${drift} \`track doctor --repair\` rebuilds the registry.`, true, severity);
  }
  const active = Object.entries(rebuilt.registry.tracks).filter(([, entry]) => entry.status === 'active').map(([id]) => id);
  if (active.length > 1) {
    add('MULTIPLE_ACTIVE', paths.tracksDir, multipleActiveMessage(active, rebuilt.registry.active_track), true);
  }
  for (const trackId of Object.keys(rebuilt.registry.tracks)) {
    const track = await readTrackFile(paths, trackId).catch(() => null);
    for (const conflict of track?.merge_conflicts ?? []) {
      add('MERGE_CONFLICT', paths.trackFile(trackId), `A git merge changed "${conflict.field}" on both sides: kept ${JSON.stringify(conflict.kept)}, set aside ${JSON.stringify(conflict.discarded)} (${conflict.at}). Change it with \`track update\` if needed; the note stays in merge_conflicts until removed.`, false, 'warning');
    }
    const context = await readContextConflicts(paths, trackId).catch(() => ({ decisions: [], assumptions: [] }));
    for (const [file, conflicts] of [[paths.decisionsFile(trackId), context.decisions], [paths.assumptionsFile(trackId), context.assumptions]] as const) {
      for (const conflict of conflicts) {
        add('MERGE_CONFLICT', file, `A git merge found ${conflict.field} rewritten on both sides: kept ${JSON.stringify(conflict.kept)}, set aside ${JSON.stringify(conflict.discarded)} (${conflict.at}). Add it again with \`track context\` if it still holds; the note stays in merge_conflicts until removed.`, false, 'warning');
      }
    }
  }
  const original = await diagnoseOriginalFormat(ctx);
  for (const problem of original.problems) add(problem.code, problem.file, problem.message, problem.repairable, problem.severity);

  const folders = await listTrackFolders(paths);
  for (const trackId of folders) {
    if (!(await pathExists(paths.trackFile(trackId))) && !rebuilt.problems.some((p) => p.file === paths.trackFile(trackId))) {
      const empty = await holdsNoData(paths.trackDir(trackId));
      add('ORPHAN_FOLDER', paths.trackDir(trackId), empty
        ? 'A track folder with no track.json and no data (an interrupted create); `track doctor --repair` removes it.'
        : 'A track folder with no track.json but other files: restore track.json from a checkpoint or version control.', empty, 'warning');
    }
  }
  for (const trackId of Object.keys(rebuilt.registry.tracks)) {
    try {
      await readContextFiles(paths, trackId);
    } catch (error) {
      if (!isTrackError(error)) throw error;
      fromProblem(problemFrom(error, paths.contextDir(trackId)));
    }
    (await readCheckpoints(ctx, trackId)).problems.forEach(fromProblem);
  }
  for (const [runId, run] of Object.entries(rebuilt.registry.runs)) {
    (await readRunSnapshots(ctx, run.track_id, runId)).problems.forEach(fromProblem);
  }
  return {
    healthy: !problems.some((problem) => problem.severity === 'error'),
    store: paths.conductorDir,
    tracks_checked: folders.length,
    problems,
    original_format_files: original.olderFiles,
  };
}

/**
 * A track whose track.json is damaged keeps the entry the index last had for it (its name, status
 * and runs): a rebuild must never make a track vanish from view because one file is unreadable.
 */
function keepDamagedEntries(paths: StoreContext['paths'], current: Registry, rebuilt: { registry: Registry; problems: Problem[] }): void {
  for (const problem of rebuilt.problems) {
    const trackId = Object.keys(current.tracks).find((id) => paths.trackFile(id) === problem.file);
    if (!trackId || rebuilt.registry.tracks[trackId]) continue;
    rebuilt.registry.tracks[trackId] = current.tracks[trackId];
    for (const [runId, run] of Object.entries(current.runs)) {
      if (run.track_id === trackId && !rebuilt.registry.runs[runId]) rebuilt.registry.runs[runId] = run;
    }
    if (current.active_track === trackId && !rebuilt.registry.active_track) rebuilt.registry.active_track = trackId;
  }
}

function compareRegistries(registry: Registry, truth: Registry): string[] {
  const drift: string[] = [];
  for (const [trackId, entry] of Object.entries(truth.tracks)) {
    const listed = registry.tracks[trackId];
    if (!listed) drift.push(`Track ${trackId} is not in the registry.`);
    else if (serialize(summarizeForCompare(listed)) !== serialize(summarizeForCompare(entry))) drift.push(`The registry's entry for ${trackId} differs from its track.json.`);
  }
  for (const trackId of Object.keys(registry.tracks)) {
    if (!truth.tracks[trackId]) drift.push(`The registry lists ${trackId}, which has no valid track.json.`);
  }
  for (const runId of Object.keys(truth.runs)) if (!registry.runs[runId]) drift.push(`Run ${runId} is not in the registry.`);
  for (const runId of Object.keys(registry.runs)) if (!truth.runs[runId]) drift.push(`The registry lists run ${runId}, which has no valid run.json.`);
  if ((registry.active_track ?? null) !== (truth.active_track ?? null)) {
    drift.push(`The registry says the active track is ${registry.active_track ?? 'none'}, the track files say ${truth.active_track ?? 'none'}.`);
  }
  return drift;
}

function summarizeForCompare(entry: Registry['tracks'][string]) {
  const { name, type, status, priority, progress_percentage, updated_at } = entry;
  return { name, type, status, priority, progress_percentage, updated_at };
}

/** Under the lock (which itself takes over a stale or abandoned lock): finish, clean, rebuild. */
async function repairStore(ctx: StoreContext): Promise<string[]> {
  const { paths } = ctx;
  const repaired: string[] = [];
  const before = await inspectLock(paths, ctx.lockStaleMs);
  const settings = { staleMs: ctx.lockStaleMs, timeoutMs: ctx.lockTimeoutMs, command: `${ctx.command} doctor --repair` };
  await withLockScope(paths.lockDir, 'doctor --repair', () => withStoreLock(paths, settings, async (lock) => {
    if (before.exists && before.stale) repaired.push(`Removed the stale lock ${paths.display(paths.lockDir)}.`);
    try {
      if (await rollForwardJournal(paths)) repaired.push('Finished an interrupted write from its journal.');
    } catch (error) {
      if (isTrackError(error, 'E_LOCK_COMPROMISED')) throw error;
      const kept = await setAsideJournal(paths, String(Date.now()));
      repaired.push(`An interrupted write could not be finished (${toTrackError(error).message.replace(/\s*$/, '')}); its journal and files were kept aside: ${kept.map((file) => paths.display(file)).join(', ')}.`);
    }
    for (const leftover of await findLeftovers(paths.conductorDir, 0)) {
      await removeLeftover(leftover);
      repaired.push(`Removed leftover ${paths.display(leftover)}.`);
    }
    for (const file of await abandonedQueueFiles(paths)) {
      await removeLeftover(file);
      repaired.push(`Removed the abandoned queued write ${paths.display(file)}.`);
    }
    for (const trackId of await listTrackFolders(paths)) {
      if (await isSymbolicLink(paths.trackDir(trackId))) continue;
      if (!(await pathExists(paths.trackFile(trackId))) && (await holdsNoData(paths.trackDir(trackId)))) {
        await removeEmptyTree(paths.trackDir(trackId));
        repaired.push(`Removed the empty folder ${paths.display(paths.trackDir(trackId))}.`);
      }
    }
    repaired.push(...(await repairOriginalFormat(ctx, lock)));
    const rebuilt = await rebuildRegistry(paths, ctx.now().toISOString());
    let current: Registry | null = null;
    try {
      current = await readRegistry(paths);
    } catch {
      const kept = `${paths.registryFile}.corrupt-${Date.now()}`;
      await copyFileTo(paths.registryFile, kept);
      repaired.push(`Kept the corrupt registry as ${paths.display(kept)}.`);
    }
    if (current) keepDamagedEntries(paths, current, rebuilt);
    const trackFilesExist = Object.keys(rebuilt.registry.tracks).length > 0 || current !== null;
    if (trackFilesExist && (!current || compareRegistries(current, rebuilt.registry).length > 0)) {
      await commitFiles(paths, lock, wholeIndexFiles(paths, rebuilt.registry, (current ? loadedGeneration(current) : 0) + 1));
      repaired.push(`Rebuilt the registry from ${Object.keys(rebuilt.registry.tracks).length} track folder(s).`);
    }
  }));
  return repaired;
}
