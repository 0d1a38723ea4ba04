import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StorePaths } from './paths';

/**
 * The index's files as plain JSON, without validators, for `track brief` (it starts in every
 * agent session and type-checks each field it prints by hand). See index-files.ts for the format.
 */
type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export function indexLineChecksum(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

async function readJsonText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The registry as one document (`active_track`, `tracks`, `runs`): the head as it is in format 1,
 * or head + base + log in format 2. Null when there is no registry. Throws when it cannot be read.
 */
export async function readIndexDocument(paths: StorePaths): Promise<Json | null> {
  const headText = await readJsonText(paths.registryFile);
  if (headText === null) return null;
  const head: unknown = JSON.parse(headText);
  if (!isObject(head)) throw new Error(`${paths.display(paths.registryFile)} is not a JSON object`);
  const index = isObject(head.index) ? head.index : null;
  const inline = (isObject(head.tracks) && Object.keys(head.tracks).length > 0) || (isObject(head.runs) && Object.keys(head.runs).length > 0);
  if (!index || index.format !== 2 || inline) return head;
  const [baseText, logText] = await Promise.all([readJsonText(paths.indexBaseFile), readJsonText(paths.indexLogFile)]);
  if (baseText === null || logText === null) throw new Error('the index is incomplete');
  const base: unknown = JSON.parse(baseText);
  if (!isObject(base) || base.generation !== index.generation) throw new Error('the index is being rebuilt');
  const tracks: Json = isObject(base.tracks) ? { ...base.tracks } : {};
  const runs: Json = isObject(base.runs) ? { ...base.runs } : {};
  let active = head.active_track;
  for (const line of logText.split('\n').slice(1)) {
    const space = line.indexOf(' ');
    if (space !== 16) continue;
    const json = line.slice(space + 1);
    if (indexLineChecksum(json) !== line.slice(0, 16)) continue;
    const change: unknown = JSON.parse(json);
    if (!isObject(change) || change.g !== index.generation) continue;
    for (const [target, given] of [[tracks, change.t], [runs, change.r]] as const) {
      if (!isObject(given)) continue;
      for (const [id, value] of Object.entries(given)) {
        if (value === null) delete target[id];
        else target[id] = value;
      }
    }
    active = change.a;
  }
  return { ...head, active_track: active, tracks, runs };
}
