import * as path from 'node:path';
import { statIfExists } from './storage/file-info';
import { readBytes } from './storage/file-reads';
import type { StoreContext } from './storage/context';
import { assumptionsDocument, decisionsDocument, readContextConflicts, readContextFiles } from './context-files';
import { TrackError } from './model/errors';
import { assertId } from './model/ids';
import { blockText, parseInput, requiredBlockText } from './model/input';
import { listFolder } from './storage/folders';
import type { ContextEntry } from './model/schemas';
import { mutate } from './storage/transaction';
import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';

/** A plain file name: it can only ever land inside the track's artifacts folder. */
const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_ARTIFACT_BYTES = 50 * 1024 * 1024;

export const entryInputSchema = lazySchema(() => z.strictObject({
  text: requiredBlockText(5000),
  rationale: z.optional(blockText(5000)),
}));

export interface ContextEntryInput {
  text: string;
  rationale?: string;
}

async function addEntry(
  ctx: StoreContext,
  trackId: string,
  kind: 'decision' | 'assumption',
  input: ContextEntryInput,
): Promise<{ track_id: string } & ContextEntry> {
  assertId('track', trackId, '--track-id');
  const valid = parseInput(entryInputSchema, input, kind);
  return mutate(ctx, `context add-${kind}`, async (tx) => {
    const track = await tx.track(trackId);
    const [files, conflicts] = await Promise.all([readContextFiles(tx.paths, trackId), readContextConflicts(tx.paths, trackId)]);
    const list = kind === 'decision' ? files.decisions : files.assumptions;
    const entry: ContextEntry = {
      id: `${kind}-${String(list.length + 1).padStart(3, '0')}`,
      text: valid.text,
      ...(valid.rationale ? { rationale: valid.rationale } : {}),
      at: tx.now,
    };
    if (kind === 'decision') tx.put(tx.paths.decisionsFile(trackId), decisionsDocument([...list, entry], conflicts.decisions));
    else tx.put(tx.paths.assumptionsFile(trackId), assumptionsDocument([...list, entry], conflicts.assumptions));
    tx.putTrack({ ...track, updated_at: tx.now });
    return { track_id: trackId, ...entry };
  });
}

export function addDecision(ctx: StoreContext, trackId: string, input: ContextEntryInput) {
  return addEntry(ctx, trackId, 'decision', input);
}

export function addAssumption(ctx: StoreContext, trackId: string, input: ContextEntryInput) {
  return addEntry(ctx, trackId, 'assumption', input);
}

export interface ArtifactInput {
  /** File name inside the track's context/artifacts folder. */
  name: string;
  /** Text content, or… */
  content?: string;
  /** …a file to copy in. */
  fromFile?: string;
}

export interface ArtifactInfo {
  track_id: string;
  artifact: string;
  path: string;
  size_bytes: number;
}

export async function addArtifact(ctx: StoreContext, trackId: string, input: ArtifactInput): Promise<ArtifactInfo> {
  assertId('track', trackId, '--track-id');
  if (typeof input.name !== 'string' || !ARTIFACT_NAME.test(input.name) || input.name.includes('..')) {
    throw new TrackError(
      'E_INVALID_INPUT',
      `Invalid artifact name ${JSON.stringify(input.name)}: use a plain file name (letters, digits, ".", "_", "-"; no folders), like prd.json.`,
      { field: 'name' },
    );
  }
  if ((input.content === undefined) === (input.fromFile === undefined)) {
    throw new TrackError('E_INVALID_INPUT', 'Give the artifact either content (--content) or a file to copy (--from).', { field: 'content' });
  }
  const content = input.content !== undefined ? Buffer.from(input.content, 'utf8') : await readSource(input.fromFile!);
  const target = path.join(ctx.paths.artifactsDir(trackId), input.name);
  return mutate(ctx, 'context add-artifact', async (tx) => {
    const track = await tx.track(trackId);
    tx.putRaw(target, content);
    tx.putTrack({ ...track, updated_at: tx.now });
    return { track_id: trackId, artifact: input.name, path: ctx.paths.display(target), size_bytes: content.length };
  });
}

async function readSource(file: string): Promise<Buffer> {
  const info = await statIfExists(file);
  if (!info?.isFile()) throw new TrackError('E_INVALID_INPUT', `Cannot read ${file}: it is not a file.`, { field: 'from' });
  if (info.size > MAX_ARTIFACT_BYTES) {
    throw new TrackError('E_INVALID_INPUT', `${file} is larger than ${MAX_ARTIFACT_BYTES / 1024 / 1024} MiB; keep large files in the repository and record their path instead.`, { field: 'from' });
  }
  return readBytes(file);
}

export async function listArtifacts(ctx: StoreContext, trackId: string): Promise<Array<{ name: string; path: string; size_bytes: number }>> {
  assertId('track', trackId, '--track-id');
  const dir = ctx.paths.artifactsDir(trackId);
  const names = (await listFolder(dir)).filter((name) => ARTIFACT_NAME.test(name)).sort();
  const entries = await Promise.all(
    names.map(async (name) => {
      const info = await statIfExists(path.join(dir, name));
      return info?.isFile() ? { name, path: path.join(dir, name), size_bytes: info.size } : null;
    }),
  );
  return entries.filter((entry) => entry !== null);
}
