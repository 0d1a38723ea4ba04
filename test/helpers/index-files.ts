import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Registry } from '../../src/core/model/schemas';

/** One line of the index's change log (after its prefix): tracks, runs (null: removed) and the active track. */
interface IndexChange {
  t: Record<string, Registry['tracks'][string] | null>;
  r: Record<string, Registry['runs'][string] | null>;
  a: string | null;
}

/**
 * The index as one registry document, whatever its format on disk (format 2: head + base + log).
 * Written back as track-registry.json it is a format-1 registry, which Track Manager still reads:
 * tests use that to hand-edit the index.
 */
export function readIndexAsOneDocument(tracksDir: string): Registry {
  const head = JSON.parse(readFileSync(path.join(tracksDir, 'track-registry.json'), 'utf8')) as Registry & { index?: unknown };
  if (!head.index || Object.keys(head.tracks).length > 0 || Object.keys(head.runs).length > 0) return head;
  const base = JSON.parse(readFileSync(path.join(tracksDir, 'track-index.json'), 'utf8')) as Pick<Registry, 'tracks' | 'runs'>;
  const tracks = { ...base.tracks };
  const runs = { ...base.runs };
  let active = head.active_track;
  for (const line of readFileSync(path.join(tracksDir, 'track-index.log'), 'utf8').split('\n').slice(1)) {
    if (!line) continue;
    const change = JSON.parse(line.slice(17)) as IndexChange;
    for (const [id, entry] of Object.entries(change.t)) if (entry === null) delete tracks[id]; else tracks[id] = entry;
    for (const [id, entry] of Object.entries(change.r)) if (entry === null) delete runs[id]; else runs[id] = entry;
    active = change.a;
  }
  const { index: _index, ...rest } = head;
  return { ...rest, active_track: active, tracks, runs };
}
