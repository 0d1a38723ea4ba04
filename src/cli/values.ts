import { TrackError } from '../core/model/errors';
import type { OptionSpec, Values } from './spec';

export const trackIdOption: OptionSpec = { type: 'string', required: true, value: 'ID', description: 'The track id (see `track list`)' };

export const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

export function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const raw = str(values, name);
  if (raw !== undefined && !allowed.includes(raw as T)) {
    throw new TrackError('E_INVALID_INPUT', `Invalid --${name} "${raw}": expected one of ${allowed.join(', ')}.`, { field: name });
  }
  return raw as T | undefined;
}
