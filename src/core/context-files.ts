import { readDocument, readDocumentNow } from './storage/files';
import { documentOptions } from './storage/known-valid';
import type { StorePaths } from './storage/paths';
import { assumptionsSchema, decisionsSchema, SCHEMA_VERSION, type ContextEntry, type MergeConflict } from './model/schemas';

/** A track's decisions and assumptions (context/decisions.json, context/assumptions.json). */
export type TrackContextFiles = {
  decisions: ContextEntry[];
  assumptions: ContextEntry[];
};

export async function readContextFiles(paths: StorePaths, trackId: string): Promise<TrackContextFiles> {
  const [decisions, assumptions] = await Promise.all([
    readDocument(paths.decisionsFile(trackId), decisionsSchema, documentOptions(paths, 'decisions')),
    readDocument(paths.assumptionsFile(trackId), assumptionsSchema, documentOptions(paths, 'assumptions')),
  ]);
  return { decisions: decisions?.decisions ?? [], assumptions: assumptions?.assumptions ?? [] };
}

/** readContextFiles for a writer under the lock (see readDocumentNow). */
export function readContextFilesNow(paths: StorePaths, trackId: string): TrackContextFiles {
  const decisions = readDocumentNow(paths.decisionsFile(trackId), decisionsSchema, documentOptions(paths, 'decisions'));
  const assumptions = readDocumentNow(paths.assumptionsFile(trackId), assumptionsSchema, documentOptions(paths, 'assumptions'));
  return { decisions: decisions?.decisions ?? [], assumptions: assumptions?.assumptions ?? [] };
}

/**
 * What git merges recorded in the context files: an entry both sides rewrote, the version set
 * aside (the merge driver writes one file, so they stay in that file, beside the entries).
 */
export async function readContextConflicts(paths: StorePaths, trackId: string): Promise<{ decisions: MergeConflict[]; assumptions: MergeConflict[] }> {
  const [decisions, assumptions] = await Promise.all([
    readDocument(paths.decisionsFile(trackId), decisionsSchema, documentOptions(paths, 'decisions')),
    readDocument(paths.assumptionsFile(trackId), assumptionsSchema, documentOptions(paths, 'assumptions')),
  ]);
  return { decisions: decisions?.merge_conflicts ?? [], assumptions: assumptions?.merge_conflicts ?? [] };
}

/** The documents keep the merge conflicts recorded in them: adding an entry must not erase that note. */
export function decisionsDocument(decisions: ContextEntry[], mergeConflicts: MergeConflict[] = []) {
  return { schema_version: SCHEMA_VERSION, decisions, ...(mergeConflicts.length > 0 ? { merge_conflicts: mergeConflicts } : {}) };
}

export function assumptionsDocument(assumptions: ContextEntry[], mergeConflicts: MergeConflict[] = []) {
  return { schema_version: SCHEMA_VERSION, assumptions, ...(mergeConflicts.length > 0 ? { merge_conflicts: mergeConflicts } : {}) };
}
