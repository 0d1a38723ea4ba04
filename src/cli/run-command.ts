import { parseArgs } from 'node:util';
import { toTrackError, TrackError } from '../core/model/errors';
import type { StoreOptions } from '../core/storage/context';
import { commandHelp, groupHelp } from './help';
import { GLOBAL_OPTIONS, type CommandResult, type CommandSpec, type Values } from './spec';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Finds the command named by the first one or two words of argv. */
function findCommand<S>(commands: Array<CommandSpec<S>>, argv: string[]): { command?: CommandSpec<S>; group?: string; rest: string[] } {
  const [first, second] = argv;
  const two = commands.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === first);
  if (one) return { command: one, rest: argv.slice(1) };
  if (first && commands.some((c) => c.name.startsWith(`${first} `))) return { group: first, rest: argv.slice(1) };
  return { rest: argv.slice(1) };
}

/**
 * Runs one of `commands` (the whole CLI, or the read commands from their own bundle) with a store
 * made by `openStore`: the same parsing, printing and errors whichever bundle runs it.
 */
export async function runCommand<S>(commands: Array<CommandSpec<S>>, argv: string[], io: CliIo, openStore: (options: StoreOptions) => S): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    const { command, group, rest } = findCommand(commands, argv);
    if (group) {
      const groupCommands = commands.filter((c) => c.name.startsWith(`${group} `));
      if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
        io.stdout(groupHelp(group, groupCommands));
        return rest.length === 0 ? 2 : 0;
      }
      throw new TrackError('E_USAGE', `Unknown command "track ${group} ${rest[0]}". Commands: ${groupCommands.map((c) => c.name).join(', ')}.`);
    }
    if (!command) {
      throw new TrackError('E_USAGE', `Unknown command "${argv[0]}". Run \`track --help\` for the list of commands.`);
    }
    const values = parseCommandArgs(command, rest);
    if (values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const store = openStore({
      root: values.root as string | undefined,
      cwd: io.cwd,
      env: io.env,
      command: `track ${command.name}`,
      ownerPid: ownerPid(values, io.env),
      lockTimeoutMs: lockTimeout(io.env),
    });
    const result = await command.run(store, values, { cwd: io.cwd, env: io.env });
    printResult(command, result, Boolean(values.json), io);
    if (result.error) {
      printError(result.error, wantsJson, io);
      return result.error.exitCode;
    }
    return result.exitCode ?? 0;
  } catch (error) {
    const trackError = toTrackError(error);
    printError(trackError, wantsJson, io);
    return trackError.exitCode;
  }
}

/**
 * `--value -1`: an option that takes a value takes the next argument even when it starts with a
 * dash (a negative number, a text), unless that argument is itself one of the command's options.
 */
function joinDashValues(args: string[], options: Record<string, { type: string }>): string[] {
  const isOption = (arg: string) => arg === '-h' || (arg.startsWith('--') && arg.slice(2).split('=')[0] in options);
  const joined: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !isOption(next)) {
      joined.push(`--${name}=${next}`);
      i += 1;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

function parseCommandArgs<S>(command: CommandSpec<S>, args: string[]): Values {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: { values: Values; positionals: string[]; tokens?: Array<{ kind: string; name?: string }> };
  try {
    parsed = parseArgs({
      args: joinDashValues(args, options),
      tokens: true,
      options: Object.fromEntries(
        Object.entries(options).map(([name, option]) => [name, { type: option.type, multiple: option.multiple ?? false, ...(name === 'help' ? { short: 'h' } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new TrackError('E_USAGE', `${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}. Run \`track ${command.name} --help\`.`);
  }
  if (command.positionals) {
    const names = command.positionals;
    if (!parsed.values.help && (parsed.positionals.length < names.length - 1 || parsed.positionals.length > names.length)) {
      throw new TrackError('E_USAGE', `\`track ${command.name}\` takes ${names.map((n) => n.toUpperCase()).join(' ')}. Run \`track ${command.name} --help\`.`);
    }
    names.forEach((name, index) => { parsed.values[name] = parsed.positionals[index]; });
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || !token.name) continue;
    if (seen.has(token.name) && !options[token.name]?.multiple) {
      // Taking the last one silently hides a mistake (a pasted command, a wrong flag name).
      throw new TrackError('E_USAGE', `--${token.name} is given more than once; give it once. Run \`track ${command.name} --help\`.`);
    }
    seen.add(token.name);
  }
  if (!command.positionals && parsed.positionals.length > 0) {
    throw new TrackError('E_USAGE', `Unexpected argument "${parsed.positionals[0]}" for \`track ${command.name}\`; options are given as --name value. Run \`track ${command.name} --help\`.`);
  }
  if (!parsed.values.help) {
    for (const [name, option] of Object.entries(command.options)) {
      if (option.required && parsed.values[name] === undefined) {
        throw new TrackError('E_USAGE', `Missing --${name} for \`track ${command.name}\`. Run \`track ${command.name} --help\`.`);
      }
    }
  }
  return parsed.values;
}

function ownerPid(values: Values, env: NodeJS.ProcessEnv): number | null {
  const raw = (values['owner-pid'] as string | undefined) ?? env.TRACK_OWNER_PID;
  if (raw === undefined || raw === '') return null;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new TrackError('E_INVALID_INPUT', `--owner-pid (or TRACK_OWNER_PID) must be a process id, not ${JSON.stringify(raw)}.`, { field: 'owner-pid' });
  return Number(raw);
}

/** TRACK_MANAGER_LOCK_TIMEOUT_MS: how long a write waits for the lock (slow network file systems). */
function lockTimeout(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.TRACK_MANAGER_LOCK_TIMEOUT_MS;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new TrackError('E_INVALID_INPUT', `TRACK_MANAGER_LOCK_TIMEOUT_MS must be a number of milliseconds, not ${JSON.stringify(raw)}.`, { field: 'TRACK_MANAGER_LOCK_TIMEOUT_MS' });
  return Number(raw);
}

function printError(error: TrackError, json: boolean, io: CliIo): void {
  if (json) io.stderr(`${JSON.stringify({ error: error.toJSON() })}\n`);
  else io.stderr(`track: ${error.code}: ${error.message}\n`);
}

function printResult<S>(command: CommandSpec<S>, result: CommandResult, json: boolean, io: CliIo): void {
  for (const warning of result.warnings ?? []) io.stderr(`track: warning: ${warning}\n`);
  if (result.json === undefined && result.text === undefined) return;
  if (command.textByDefault && !json && result.text !== undefined) io.stdout(result.text);
  else io.stdout(`${JSON.stringify(result.json, null, 2)}\n`);
}
