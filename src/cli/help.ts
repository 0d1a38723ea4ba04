import { ERROR_EXIT_CODES } from '../core/model/errors';
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec';

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `--${name}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}${option.multiple ? ' …' : ''}`;
    return [flag, `${option.description}${option.required ? ' (required)' : ''}`];
  });
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}

export function commandHelp<S>(command: CommandSpec<S>): string {
  return [
    `Usage: track ${command.name} ${Object.entries(command.options).map(([name, o]) => (o.required ? `--${name} ${o.value ?? 'VALUE'}` : `[--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}]`)).join(' ')}`.trimEnd(),
    '',
    command.summary + '.',
    '',
    ...(Object.keys(command.options).length ? ['Options:', ...optionLines(command.options), ''] : []),
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    ...(command.details ? ['', command.details] : []),
    '',
  ].join('\n');
}

export function groupHelp<S>(group: string, commands: Array<CommandSpec<S>>): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: track ${group} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run \`track ${group} <command> --help\` for a command's options.`,
    '',
  ].join('\n');
}

export function mainHelp(commands: CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const codes = Object.entries(ERROR_EXIT_CODES).map(([code, exit]) => `  ${String(exit).padStart(2)}  ${code}`);
  return [
    `track ${version} — organise work into tracks that survive interruptions`,
    '',
    'Usage: track <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Each option is given once, except those shown with … (repeatable). A value may start with a dash (--value -1).',
    '',
    'Results are JSON on stdout. Errors go to stderr (JSON with --json) with these exit codes:',
    '   0  success',
    ...codes,
    '',
    'Run `track <command> --help` for a command\'s options.',
    '',
  ].join('\n');
}
