import type { TrackError } from '../core/model/errors';
import type { TrackStore } from '../core/store';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  required?: boolean;
  /** Shown in help as `--flag VALUE`. */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command produced: JSON for machines, and optionally text for people. */
export interface CommandResult {
  json: unknown;
  text?: string;
  /** Files that could not be read while producing the result; printed on stderr. */
  warnings?: string[];
  /** Non-zero when the command ran but reports a failure (doctor on an unhealthy store). */
  exitCode?: number;
  /** The command did what it could but reports this error too (its code sets the exit status). */
  error?: TrackError;
}

/** S: what the command reads or writes through (TrackStore; the read commands need only StoreReads). */
export interface CommandSpec<S = TrackStore> {
  /** `create`, or `run step` for a subcommand. */
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Extra help text: examples, notes. */
  details?: string;
  /** Names of positional arguments (git's merge driver passes files positionally); all required but the last. */
  positionals?: string[];
  /** When true, the human text is the default output and --json switches to JSON. */
  textByDefault?: boolean;
  /** `invocation`: where the command was run from (init sets up that folder, not an ancestor's store). */
  run(store: S, values: Values, invocation: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CommandResult>;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  root: { type: 'string', value: 'DIR', description: 'Workspace whose .claude/conductor store to use (default: TRACK_MANAGER_ROOT, else the nearest ancestor holding .claude/conductor, else the current directory)' },
  json: { type: 'boolean', description: 'Print JSON for every result and error' },
  help: { type: 'boolean', description: 'Show help' },
};
