/**
 * What `track doctor` says and `--repair` does about files still in the original track-manager's
 * format (version 0) and the contradictions it left.
 */
import * as path from 'node:path';
import { readText } from './storage/file-reads';
import { writeStandaloneFile } from './storage/standalone-files';
import type { StoreContext } from './storage/context';
import { isTrackError } from './model/errors';
import { parseDocument, serialize } from './storage/files';
import { isOlderFormat } from './model/format-upgrade';
import { commitFiles } from './storage/journal';
import { applyTransition } from './lifecycle';
import type { HeldLock } from './storage/lock';
import { compareText } from './model/ids';
import { chooseActive, isOriginalFormatRegistry } from './storage/origin-index';
import { indexTrack, listTrackFolders, readRegistry, readTrackFile, rebuildRegistry } from './storage/registry';
import { assumptionsSchema, decisionsSchema, SCHEMA_VERSION, trackSchema, type Track } from './model/schemas';

type Kind = 'track' | 'decisions' | 'assumptions' | 'registry';

interface OldFile {
  file: string;
  kind: Kind;
  text: string;
}

/** Every file of the store still in an older format, with its bytes as they are. */
export async function findOlderFormatFiles(ctx: StoreContext): Promise<OldFile[]> {
  const { paths } = ctx;
  const candidates: Array<{ file: string; kind: Kind }> = [{ file: paths.registryFile, kind: 'registry' }];
  for (const trackId of await listTrackFolders(paths)) {
    candidates.push(
      { file: paths.trackFile(trackId), kind: 'track' },
      { file: paths.decisionsFile(trackId), kind: 'decisions' },
      { file: paths.assumptionsFile(trackId), kind: 'assumptions' },
    );
  }
  const found: OldFile[] = [];
  await Promise.all(candidates.map(async ({ file, kind }) => {
    const text = await readText(file).catch(() => null);
    if (text === null) return;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return; // Unparsable: reported as corrupt, not as old.
    }
    if (isOlderFormat(data)) found.push({ file, kind, text });
  }));
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export interface OriginDiagnosis {
  code: string;
  file: string;
  message: string;
  repairable: boolean;
  severity: 'error' | 'warning';
}

/** What doctor reports: how many files are old, and the contradictions the original left. */
export async function diagnoseOriginalFormat(ctx: StoreContext): Promise<{ olderFiles: number; problems: OriginDiagnosis[] }> {
  const { paths } = ctx;
  const old = await findOlderFormatFiles(ctx);
  const problems: OriginDiagnosis[] = [];
  if (old.length > 0) {
    problems.push({
      code: 'ORIGINAL_FORMAT',
      file: paths.conductorDir,
      message: `${old.length} file(s) are still in the original track-manager's format (version 0, no schema_version): they are read as they are and each is upgraded by the first write that touches it. \`track doctor --repair\` upgrades them all now and keeps the original bytes in ${paths.display(path.join(paths.conductorDir, 'original-format'))}/.`,
      repairable: true,
      severity: 'warning',
    });
  }
  const registry = await readRegistry(paths).catch(() => null);
  if (registry && isOriginalFormatRegistry(registry)) {
    const truth = (await rebuildRegistry(paths, ctx.now().toISOString())).registry;
    if (truth.active_track && registry.active_track !== truth.active_track) {
      problems.push({
        code: 'ORIGINAL_ACTIVE_MISMATCH',
        file: paths.trackFile(truth.active_track),
        message: `The track.json of ${truth.active_track} says "active" but the original track-manager's registry says the active track is ${registry.active_track ?? 'none'} (the original's activation deadlock). Track Manager takes ${truth.active_track} as active, because the track files are the truth; \`track doctor --repair\` records it in the registry. If it should not be active, pause it: \`track pause --track-id ${truth.active_track} --reason …\`.`,
        repairable: true,
        severity: 'warning',
      });
    }
  }
  return { olderFiles: old.length, problems };
}

/** The message for two or more tracks saying active: which one reads pick and what repair does. */
export function multipleActiveMessage(active: string[], chosen: string | null): string {
  return `${active.length} tracks are active (${active.join(', ')}); only one may be. Until it is repaired, Track Manager takes ${chosen} (the most recently updated) as the active track; \`track doctor --repair\` keeps the one activated last and pauses the others (with a status history entry saying why).`;
}

/**
 * Under the lock: upgrades every file still in an older format (their original bytes kept in
 * `original-format/<time>/`, mirroring their paths) and pauses all but one of several active
 * tracks. One commit (journal) for everything, so a kill leaves the store old or new.
 */
export async function repairOriginalFormat(ctx: StoreContext, lock: HeldLock): Promise<string[]> {
  const { paths } = ctx;
  const now = ctx.now().toISOString();
  const repaired: string[] = [];
  const old = await findOlderFormatFiles(ctx);
  const files = new Map<string, string>();
  const tracks = new Map<string, Track>();
  const display = (file: string) => paths.display(file);
  const schemas = { track: trackSchema, decisions: decisionsSchema, assumptions: assumptionsSchema } as const;
  for (const entry of old) {
    if (entry.kind === 'registry') continue;
    try {
      const upgraded = parseDocument(entry.text, entry.file, schemas[entry.kind], { kind: entry.kind, display });
      if (entry.kind === 'track') tracks.set((upgraded as Track).track_id, upgraded as Track);
      else files.set(entry.file, serialize(upgraded));
    } catch (error) {
      if (!isTrackError(error)) throw error; // Invalid even as the original's: reported as corrupt, left alone.
    }
  }

  // Several tracks saying active (a merge, a hand edit, the original's deadlock): keep the one
  // activated last, pause the others, in the same commit as the upgrade.
  const all: Track[] = [];
  for (const trackId of await listTrackFolders(paths)) {
    const track = tracks.get(trackId) ?? (await readTrackFile(paths, trackId).catch(() => null));
    if (track && track.track_id === trackId) all.push(track);
  }
  const active = all.filter((track) => track.status === 'active');
  if (active.length > 1) {
    const activatedAt = (track: Track) => track.last_activated_at ?? track.updated_at;
    active.sort((a, b) => compareText(activatedAt(b), activatedAt(a)) || compareText(a.track_id, b.track_id));
    const keep = active[0].track_id;
    for (const track of active.slice(1)) {
      tracks.set(track.track_id, applyTransition(track, 'pause', now, `Paused by doctor --repair: ${keep} was activated later (several tracks said active)`));
      repaired.push(`Paused ${track.track_id}: ${keep} was activated later and stays active.`);
    }
  }
  for (const track of tracks.values()) files.set(paths.trackFile(track.track_id), serialize(track));

  const registryOld = old.some((entry) => entry.kind === 'registry');
  if (files.size === 0 && !registryOld) return repaired;
  // The registry is rebuilt from the (upgraded) track files, keeping the original's extra fields.
  const rebuilt = (await rebuildRegistry(paths, now)).registry;
  for (const track of tracks.values()) indexTrack(rebuilt, track);
  const finalActive = Object.entries(rebuilt.tracks).filter(([, e]) => e.status === 'active').map(([id]) => id);
  rebuilt.active_track = chooseActive(rebuilt, finalActive);
  const previous = await readRegistry(paths).catch(() => null);
  if (previous && registryOld && (previous.active_track ?? null) !== rebuilt.active_track) {
    repaired.push(`Recorded ${rebuilt.active_track ?? 'no track'} as the active track in the registry, as the track files say (the original's registry said ${previous.active_track ?? 'none'}).`);
  }
  const extras = previous ? Object.fromEntries(Object.entries(previous).filter(([key]) => !(key in rebuilt))) : {};
  files.set(paths.registryFile, `${JSON.stringify({ ...rebuilt, ...extras, schema_version: SCHEMA_VERSION })}\n`);

  const backupDir = path.join(paths.conductorDir, 'original-format', now.replace(/[:.]/g, '-'));
  for (const entry of old) {
    const kept = path.join(backupDir, path.relative(paths.conductorDir, entry.file));
    await writeStandaloneFile(kept, entry.text);
  }
  await commitFiles(paths, lock, files);
  if (old.length > 0) repaired.push(`Upgraded ${old.length} file(s) from the original track-manager's format; the originals are kept in ${paths.display(backupDir)}/.`);
  return repaired;
}
