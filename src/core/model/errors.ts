/**
 * Every failure a user can meet is a TrackError with a stable code, a message that says what to do
 * next, and its own CLI exit status. Codes are part of the public contract: never renumber them.
 */
export const ERROR_EXIT_CODES = {
  E_INTERNAL: 1,
  E_USAGE: 2,
  E_INVALID_INPUT: 3,
  E_TRACK_NOT_FOUND: 4,
  E_ANOTHER_ACTIVE: 5,
  E_INVALID_TRANSITION: 6,
  E_LOCK_TIMEOUT: 7,
  E_LOCK_COMPROMISED: 8,
  E_CORRUPT_FILE: 9,
  E_UNSUPPORTED_SCHEMA: 10,
  E_NO_SNAPSHOT: 11,
  E_RUN_NOT_FOUND: 12,
  E_CHECKPOINT_NOT_FOUND: 13,
  E_IO: 14,
  E_STORE_UNHEALTHY: 15,
  E_DIRTY_WORKTREE: 16,
  E_GIT: 17,
  E_UNSAFE_PATH: 18,
  E_INIT_CONFLICT: 19,
  E_RUNS_IN_PROGRESS: 20,
} as const;

export type ErrorCode = keyof typeof ERROR_EXIT_CODES;

export class TrackError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TrackError';
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return ERROR_EXIT_CODES[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isTrackError(value: unknown, code?: ErrorCode): value is TrackError {
  return value instanceof TrackError && (code === undefined || value.code === code);
}

/** Turns anything thrown into a TrackError, so callers only ever handle one shape. */
export function toTrackError(error: unknown): TrackError {
  if (error instanceof TrackError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) && err.syscall) {
    const hint = ioHint(err.code);
    return new TrackError('E_IO', `${err.message}. ${hint}`, { errno: err.code, path: err.path });
  }
  const message = err instanceof Error ? err.message : String(error);
  return new TrackError('E_INTERNAL', `Unexpected error: ${message}. Please report it with the command you ran.`);
}

function ioHint(errno: string): string {
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return 'Check the permissions of the conductor directory.';
    case 'ENOSPC':
      return 'Free some disk space and retry; the store was left unchanged.';
    case 'EROFS':
      return 'The store is on a read-only file system.';
    default:
      return 'Retry; if it persists, run `track doctor`.';
  }
}
