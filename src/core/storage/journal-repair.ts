import { readFile, rename } from 'node:fs/promises';
import * as path from 'node:path';
import { isTrackError, toTrackError, TrackError } from '../model/errors';
import { fsyncDirectory } from './files';
import { rollForwardJournal } from './journal';
import type { StorePaths } from './paths';

/**
 * What a write does with a journal left by an earlier one: finish it, or — when it cannot be
 * applied (a folder now stands where a file goes, the journal is torn) — stop with a message that
 * says how to unblock the store, instead of an error that repeats on every write.
 */
export async function finishPendingJournal(paths: StorePaths): Promise<void> {
  try {
    await rollForwardJournal(paths);
  } catch (error) {
    if (isTrackError(error, 'E_LOCK_COMPROMISED')) throw error;
    const cause = toTrackError(error);
    throw new TrackError(
      cause.code,
      `An earlier write could not be finished from its journal ${paths.display(paths.journalFile)} (${cause.message.replace(/\s*$/, '')}). ` +
        'Run `track doctor --repair`: it keeps that journal and its files aside (nothing is deleted) and unblocks the store.',
      { ...cause.details, file: paths.journalFile },
    );
  }
}

/**
 * Moves a journal that cannot be applied out of the way, with the temp files it names, keeping
 * their bytes: `track-journal.json.unapplied-<stamp>` and `<temp>.unapplied-<stamp>`.
 * Returns what was kept (absolute paths).
 */
export async function setAsideJournal(paths: StorePaths, stamp: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(paths.journalFile, 'utf8');
  } catch {
    return [];
  }
  const kept: string[] = [];
  const keptJournal = `${paths.journalFile}.unapplied-${stamp}`;
  await rename(paths.journalFile, keptJournal);
  kept.push(keptJournal);
  for (const temp of tempsNamedIn(paths, text)) {
    const keptTemp = `${temp}.unapplied-${stamp}`;
    if (await rename(temp, keptTemp).then(() => true, () => false)) {
      kept.push(keptTemp);
      await fsyncDirectory(path.dirname(temp)).catch(() => undefined);
    }
  }
  await fsyncDirectory(paths.tracksDir).catch(() => undefined);
  return kept;
}

/** The temp files a (possibly torn) journal names, only those inside the store. */
function tempsNamedIn(paths: StorePaths, text: string): string[] {
  let entries: unknown;
  try {
    entries = (JSON.parse(text) as { entries?: unknown }).entries;
  } catch {
    return [];
  }
  if (!Array.isArray(entries)) return [];
  const temps: string[] = [];
  for (const entry of entries) {
    const temp = (entry as { temp?: unknown } | null)?.temp;
    if (typeof temp !== 'string') continue;
    const resolved = path.resolve(paths.conductorDir, temp);
    if (resolved.startsWith(paths.conductorDir + path.sep)) temps.push(resolved);
  }
  return temps;
}
