import { readDocument } from './storage/files';
import type { StorePaths } from './storage/paths';
import { assumptionsSchema, decisionsSchema, SCHEMA_VERSION, type ContextEntry } from './model/schemas';

/** A track's decisions and assumptions (context/decisions.json, context/assumptions.json). */
export type TrackContextFiles = {
  decisions: ContextEntry[];
  assumptions: ContextEntry[];
};

export async function readContextFiles(paths: StorePaths, trackId: string): Promise<TrackContextFiles> {
  const display = (file: string) => paths.display(file);
  const [decisions, assumptions] = await Promise.all([
    readDocument(paths.decisionsFile(trackId), decisionsSchema, { kind: 'decisions', display }),
    readDocument(paths.assumptionsFile(trackId), assumptionsSchema, { kind: 'assumptions', display }),
  ]);
  return { decisions: decisions?.decisions ?? [], assumptions: assumptions?.assumptions ?? [] };
}

export function decisionsDocument(decisions: ContextEntry[]) {
  return { schema_version: SCHEMA_VERSION, decisions };
}

export function assumptionsDocument(assumptions: ContextEntry[]) {
  return { schema_version: SCHEMA_VERSION, assumptions };
}
