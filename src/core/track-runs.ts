import { isTrackError } from './model/errors';
import { compareText, isValidId } from './model/ids';
import type { RunSummaryEntry } from './model/schemas';
import type { StorePaths } from './storage/paths';
import { listFolder } from './storage/folders';
import { problemFrom, readRunFile, summarizeRun, type Problem } from './storage/registry';

/**
 * One track's runs, read from its own folder (workflows/<run>/run.json, the files the index's run
 * entries are built from): `show` lists them without reading the index of every track, so its
 * cost does not grow with the store, and a run file changed since it was indexed shows as it is.
 * The same entries, in the same order, as the index's runs of that track.
 */
export async function readTrackRuns(paths: StorePaths, trackId: string): Promise<{ runs: Array<RunSummaryEntry & { run_id: string }>; problems: Problem[] }> {
  // An unreadable folder lists no runs, as readCheckpoints treats its own folder.
  const names = (await listFolder(paths.workflowsDir(trackId)).catch(() => [] as string[])).filter((name) => isValidId('run', name));
  const problems: Problem[] = [];
  const found = await Promise.all(names.map(async (runId) => {
    try {
      return await readRunFile(paths, trackId, runId);
    } catch (error) {
      if (!isTrackError(error)) throw error;
      problems.push(problemFrom(error, paths.runFile(trackId, runId)));
      return null;
    }
  }));
  const byId = new Map<string, RunSummaryEntry & { run_id: string }>();
  // As the index keys them: by the run's own id, in the track the run names.
  for (const run of found) if (run && run.track_id === trackId) byId.set(run.run_id, { run_id: run.run_id, ...summarizeRun(run) });
  return { runs: [...byId.values()].sort((a, b) => compareText(a.run_id, b.run_id)), problems };
}
