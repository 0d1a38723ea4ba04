import * as z from 'zod/mini';
import { lazySchema } from './model/lazy-schema';
import { TrackError } from './model/errors';
import { slugify } from './model/ids';
import type { TrackType } from './model/schemas';

/** `track create --new-branch` names the branch from this template unless told otherwise. */
export const DEFAULT_BRANCH_TEMPLATE = '{type}/{slug}';
const PLACEHOLDERS = /\{(type|slug|id|date)\}/g;

/** git's own rules for a branch name (git check-ref-format --branch), checked without a process. */
export function branchProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 250) return 'is longer than 250 characters';
  // eslint-disable-next-line no-control-regex -- git refuses control characters in a branch name; this finds them
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.startsWith('-')) return 'starts with "-"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{') || name === '@') return 'contains "@{" or is "@"';
  if (name.endsWith('.') || name.endsWith('.lock')) return 'ends with "." or ".lock"';
  if (name.split('/').some((part) => part.startsWith('.'))) return 'has a component starting with "."';
  return null;
}

export const branchNameSchema = lazySchema(() => z.string().check(
  z.trim(),
  z.refine((value) => branchProblem(value) === null, { error: (issue) => `is not a valid git branch name: it ${branchProblem(String(issue.input))}` }),
));

export function assertBranchName(name: string, flag: string): string {
  const problem = branchProblem(name);
  if (problem) throw new TrackError('E_INVALID_INPUT', `${flag} "${name}" is not a valid git branch name: it ${problem}.`, { field: flag.replace(/^--/, '') });
  return name;
}

/** `{type}/{slug}` → `feature/oauth-authentication`; `{id}` and `{date}` (YYYY-MM-DD) also work. */
export function deriveBranchName(template: string, track: { name: string; type: TrackType; track_id?: string }, now = new Date()): string {
  if (!/\{(type|slug|id|date)\}/.test(template)) {
    throw new TrackError('E_INVALID_INPUT', `The branch template "${template}" uses none of {type}, {slug}, {id}, {date}; e.g. "${DEFAULT_BRANCH_TEMPLATE}".`, { field: 'branch-template' });
  }
  const name = template.replace(PLACEHOLDERS, (_all, key: string) => {
    switch (key) {
      case 'type': return track.type;
      case 'slug': return slugify(track.name);
      case 'id': return track.track_id ?? slugify(track.name);
      default: return now.toISOString().slice(0, 10);
    }
  });
  return assertBranchName(name, 'The branch template gives');
}
