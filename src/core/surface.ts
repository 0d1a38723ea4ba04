import { toTrackError } from './model/errors';

/**
 * Every error out of the library is a TrackError with a code: a raw Node error (a file vanishing
 * between a listing and a read, a folder where a file should be) becomes E_IO, anything else
 * E_INTERNAL. Also catches what is thrown synchronously (validation of arguments).
 */
export async function surface<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toTrackError(error);
  }
}
