import { TrackError } from '../model/errors';

/** How deep and how large a JSON value given as input (a run's state) may be. */
export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_BYTES = 1024 * 1024;

/**
 * Refuses JSON text nested deeper than MAX_JSON_DEPTH or longer than MAX_JSON_BYTES, before it is
 * parsed: a deep value would overflow the stack of every later step (validation, serialization).
 * One pass over the text, no recursion.
 */
export function assertJsonTextWithinLimits(text: string, field: string): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_JSON_BYTES) throw tooLarge(field);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) throw tooDeep(field);
    } else if (char === 0x5d || char === 0x7d) {
      depth -= 1;
    }
  }
}

/** The same limits for a value handed to the library: walked without recursion. */
export function assertJsonValueWithinLimits(value: unknown, field: string): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let bytes = 0;
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') bytes += current.length + 2;
    else bytes += 8;
    if (bytes > MAX_JSON_BYTES) throw tooLarge(field);
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > MAX_JSON_DEPTH) throw tooDeep(field);
    if (seen.has(current)) throw new TrackError('E_INVALID_INPUT', `Invalid ${field}: it refers to itself, which JSON cannot store.`, { field });
    seen.add(current);
    const children = Array.isArray(current) ? current : Object.entries(current as Record<string, unknown>).flatMap(([key, child]) => { bytes += key.length + 3; return [child]; });
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
}

function tooDeep(field: string): TrackError {
  return new TrackError('E_INVALID_INPUT', `Invalid ${field}: nested more than ${MAX_JSON_DEPTH} levels deep; flatten it.`, { field });
}

function tooLarge(field: string): TrackError {
  return new TrackError('E_INVALID_INPUT', `Invalid ${field}: larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB; keep large data in files and store their paths.`, { field });
}
