import { readText } from './storage/file-reads';
import { serialize, writeFileAtomic } from './storage/files';
import { runGit } from './git-process';
import { mergeDocuments, mergeKindOf } from './merge';
import type { MergeConflict } from './model/schemas';

export interface MergeFileRequest {
  /** %O: the common ancestor (empty for an add/add merge). */
  base: string;
  /** %A: our version, where git expects the result. */
  ours: string;
  /** %B: their version. */
  theirs: string;
  /** %P: the path in the repository, which says what kind of document it is. */
  pathName: string;
  now: string;
}

export interface MergeFileOutcome {
  /** 0: merged cleanly (git continues); 1: left with conflict markers for a person. */
  exitCode: number;
  conflicts: MergeConflict[];
  message: string;
}

/**
 * git's merge driver: merges the three versions field by field and writes the result over %A.
 * A side that is not JSON, or a result that would not validate, falls back to git's own line
 * merge (conflict markers, exit 1): the driver never writes a document the store would reject.
 */
export async function mergeFile(request: MergeFileRequest): Promise<MergeFileOutcome> {
  const [baseText, oursText, theirsText] = await Promise.all([request.base, request.ours, request.theirs].map((file) => readText(file)));
  const parsed = [baseText, oursText, theirsText].map((text, index) => (index === 0 && text.trim() === '' ? { ok: true, value: null } : parseJson(text)));
  const broken = parsed.findIndex((entry) => !entry.ok);
  if (broken >= 0) return lineMerge(request, `the ${['common ancestor', 'our version', 'their version'][broken]} is not valid JSON`);
  const kind = mergeKindOf(request.pathName);
  const result = mergeDocuments(kind, parsed[0].value, parsed[1].value, parsed[2].value, request.now);
  if (result.invalid) return lineMerge(request, `the merged document would not be valid (${result.invalid})`);
  await writeFileAtomic(request.ours, serialize(result.merged));
  const kept = result.conflicts.map((conflict) => conflict.field).join(', ');
  return {
    exitCode: 0,
    conflicts: result.conflicts,
    message: result.conflicts.length > 0
      ? `${request.pathName}: merged; both sides changed ${kept}: the later change was kept, the other is in merge_conflicts (see \`track doctor\`).`
      : `${request.pathName}: merged.`,
  };
}

function parseJson(text: string): { ok: boolean; value: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, value: null };
  }
}

async function lineMerge(request: MergeFileRequest, why: string): Promise<MergeFileOutcome> {
  const result = await runGit(process.cwd(), ['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', request.ours, request.base, request.theirs]);
  const clean = result.code === 0;
  return {
    exitCode: clean ? 0 : 1,
    conflicts: [],
    message: `${request.pathName}: ${why}; ${clean ? 'merged line by line' : 'left with conflict markers for you to resolve'}.`,
  };
}
