import * as z from 'zod/mini';
import { TrackError } from './errors';

/** Validates input from the CLI or the API strictly; the first problem names its field. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.');
  throw new TrackError(
    'E_INVALID_INPUT',
    `Invalid ${what}${field ? ` field "${field}"` : ''}: ${issue.message}.`,
    { field: field || null },
  );
}

// eslint-disable-next-line no-control-regex -- names and paths must not carry control characters; this finds them
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** A single-line human text: trimmed, bounded, no control characters. */
export function lineText(min: number, max: number) {
  return z.string().check(z.trim(), z.minLength(min), z.maxLength(max), z.regex(NO_CONTROL_CHARACTERS, 'must not contain control characters'));
}

/** A multi-line human text (summaries, notes). */
export function blockText(max: number) {
  return z.string().check(z.trim(), z.maxLength(max), z.refine((value) => !value.includes('\u0000'), 'must not contain NUL'));
}

/** A required multi-line text. */
export function requiredBlockText(max: number) {
  return z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max), z.refine((value) => !value.includes('\u0000'), 'must not contain NUL'));
}
