import { runCli, type CliIo } from './main';

/**
 * The original track-manager's scripts, as the usage guide calls them, mapped onto `track`
 * commands: `session-recovery.mjs resume --track-id X` runs `track recover resume --track-id X`.
 * Each script accepts only its own commands, with the guide's flags.
 */
export const GUIDE_SCRIPTS = {
  manager: {
    file: '.claude/skills/track-manager/manager.mjs',
    commands: { create: 'create', ready: 'ready', activate: 'activate', pause: 'pause', resume: 'resume', switch: 'switch', complete: 'complete', fail: 'fail', cancel: 'cancel', archive: 'archive', reopen: 'reopen' },
  },
  registry: {
    file: '.claude/skills/track-manager/registry.mjs',
    commands: { 'get-active': 'get-active', list: 'list', get: 'show', show: 'show', stats: 'stats', update: 'update' },
  },
  'session-recovery': {
    file: '.claude/tools/session-recovery.mjs',
    commands: { detect: 'recover detect', resume: 'recover resume' },
  },
  'snapshot-manager': {
    file: '.claude/tools/snapshot-manager.mjs',
    commands: { list: 'snapshot list', prune: 'snapshot prune', create: 'checkpoint create', restore: 'checkpoint restore' },
  },
  'run-manager': {
    file: '.claude/tools/run-manager.mjs',
    commands: { start: 'run start', step: 'run step', complete: 'run complete', fail: 'run fail', list: 'run list' },
  },
} as const satisfies Record<string, { file: string; commands: Record<string, string> }>;

export type GuideScriptName = keyof typeof GUIDE_SCRIPTS;

function scriptUsage(name: GuideScriptName): string {
  const script = GUIDE_SCRIPTS[name];
  const width = Math.max(...Object.keys(script.commands).map((c) => c.length));
  return [
    `Usage: node ${script.file} <command> [options]`,
    '',
    'Commands (each is the `track` command shown; options are the same):',
    ...Object.entries(script.commands).map(([command, track]) => `  ${command.padEnd(width)}  track ${track}`),
    '',
    `Run \`node ${script.file} <command> --help\` for a command's options.`,
    '',
  ].join('\n');
}

/**
 * Runs one guide script's command line. The store is the workspace the script lives in (given by
 * the script from its own location), unless the command line names another with --root.
 */
export async function runGuideScript(name: GuideScriptName, argv: string[], workspaceRoot: string, io: CliIo): Promise<number> {
  const script = GUIDE_SCRIPTS[name];
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(scriptUsage(name));
    return command === undefined ? 2 : 0;
  }
  const mapped = (script.commands as Record<string, string>)[command];
  if (mapped === undefined || !Object.hasOwn(script.commands, command)) {
    io.stderr(`${script.file}: E_USAGE: Unknown command "${command}". Commands: ${Object.keys(script.commands).join(', ')}.\n`);
    return 2;
  }
  const hasRoot = rest.some((arg) => arg === '--root' || arg.startsWith('--root='));
  return runCli([...mapped.split(' '), ...rest, ...(hasRoot ? [] : ['--root', workspaceRoot])], io);
}
