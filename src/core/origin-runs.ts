/**
 * Workflow runs the original track-manager's run-manager wrote, under
 * `<workspace>/.claude/context/runtime/runs/<run-id>/run.json`. They belong to no track of ours
 * (the original did not link them) and are listed, detected and resumed beside ours.
 */
import { listFolder } from './storage/folders';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { readTextIfExists } from './storage/file-reads';
import { lazySchema } from './model/lazy-schema';
import type { StoreContext } from './storage/context';
import { isTrackError, TrackError } from './model/errors';
import { corruptFileError, parseDocument } from './storage/files';
import { compareText, MAX_ID_LENGTH } from './model/ids';
import { problemFrom, type Problem } from './storage/registry';
import { listRuns } from './queries';
import type { RunFilter } from './runs';
import { RUN_STATUSES, type RunStatus, type RunSummaryEntry } from './model/schemas';

/**
 * The original's run ids (`run-<ms>-<random>`, or a workflow id such as
 * `greenfield-fullstack-xyz123`): letters, digits, `_` and `-`, starting with a letter or digit.
 * Nothing else reaches a path: no dot, no separator, so no `..` and no absolute path.
 */
export const ORIGIN_RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function isOriginRunId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && ORIGIN_RUN_ID_PATTERN.test(value);
}

export function assertOriginRunId(value: unknown, flag = '--run-id'): string {
  if (isOriginRunId(value)) return value;
  const shown = JSON.stringify(typeof value === 'string' ? value.slice(0, 120) : value);
  throw new TrackError(
    'E_INVALID_INPUT',
    `Invalid ${flag} ${shown}: expected letters, digits, "_" and "-" (at most ${MAX_ID_LENGTH} characters), like run-001-architecture or greenfield-fullstack-xyz123. List runs with \`track run list\`.`,
    { field: flag },
  );
}

const timestamp = lazySchema(() => z.iso.datetime({ offset: true }));
/** The original's run record (run-record.schema.json): loose, every field it wrote is kept. */
export const originRunSchema = lazySchema(() => z.looseObject({
  run_id: z.string(),
  selected_workflow: z.optional(z.string()),
  workflow_id: z.optional(z.string()),
  current_step: z.optional(z.union([z.int().check(z.gte(0)), z.string().check(z.regex(/^\d{1,9}$/))])),
  status: z.enum(RUN_STATUSES),
  created_at: timestamp,
  updated_at: z.optional(timestamp),
}));
export type OriginRun = z.infer<typeof originRunSchema>;

export interface OriginRunEntry {
  run_id: string;
  track_id: null;
  workflow: string;
  status: RunStatus;
  current_step: number;
  total_steps: null;
  updated_at: string;
  /** Written by the original track-manager (not linked to a track). */
  origin: 'original';
  file: string;
}

export function originRunsDir(ctx: StoreContext): string {
  return path.join(ctx.paths.workspaceRoot, '.claude', 'context', 'runtime', 'runs');
}

export function originRunFile(ctx: StoreContext, runId: string): string {
  return path.join(originRunsDir(ctx), assertOriginRunId(runId), 'run.json');
}

export function stepNumber(value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(number) && number >= 0 ? number : 0;
}

/** One original run, or null when it does not exist; a corrupt file is E_CORRUPT_FILE. */
export async function readOriginRun(ctx: StoreContext, runId: string): Promise<{ run: OriginRun; text: string; file: string } | null> {
  const file = originRunFile(ctx, runId);
  const text = await readTextIfExists(file);
  if (text === null) return null;
  const options = { kind: 'run (original track-manager)', display: (f: string) => ctx.paths.display(f) };
  // parseDocument never quotes the file's text in its messages (the file may not be ours).
  const document = parseDocument(text, file, originRunSchema, options);
  if (document.run_id !== runId) throw corruptFileError(file, options, 'run_id', `says "${document.run_id}" but lives in folder "${runId}"`);
  return { run: document, text, file };
}

export function originRunEntry(run: OriginRun, file: string): OriginRunEntry {
  return {
    run_id: run.run_id,
    track_id: null,
    workflow: run.selected_workflow ?? run.workflow_id ?? run.run_id,
    status: run.status,
    current_step: stepNumber(run.current_step),
    total_steps: null,
    updated_at: run.updated_at ?? run.created_at,
    origin: 'original',
    file,
  };
}

/** Every original run, by id; a corrupt one is a problem, not a failure. */
export async function listOriginRuns(ctx: StoreContext): Promise<{ runs: OriginRunEntry[]; problems: Problem[] }> {
  const runs: OriginRunEntry[] = [];
  const problems: Problem[] = [];
  for (const runId of (await listFolder(originRunsDir(ctx))).filter(isOriginRunId).sort(compareText)) {
    try {
      const found = await readOriginRun(ctx, runId);
      if (found) runs.push(originRunEntry(found.run, ctx.paths.display(found.file)));
    } catch (error) {
      if (!isTrackError(error)) throw error;
      problems.push(problemFrom(error, path.join(originRunsDir(ctx), runId, 'run.json')));
    }
  }
  return { runs, problems };
}

export type RunListing = (RunSummaryEntry & { run_id: string }) | Omit<OriginRunEntry, 'file'>;

/** `track run list`: our runs, then (unless a track is asked for) the original's, by id. */
export async function listRunsWithOriginal(ctx: StoreContext, filter: RunFilter = {}): Promise<RunListing[]> {
  const ours: RunListing[] = await listRuns(ctx, filter);
  if (filter.trackId !== undefined) return ours;
  const { runs } = await listOriginRuns(ctx);
  const known = new Set(ours.map((run) => run.run_id));
  const original = runs
    .filter((run) => !known.has(run.run_id) && (!filter.status || run.status === filter.status))
    .map(({ file: _file, ...entry }) => entry);
  return [...ours, ...original];
}
