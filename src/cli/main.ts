import { TrackStore } from '../core/store';
import { COMMANDS } from './commands';
import { mainHelp } from './help';
import { runCommand, type CliIo } from './run-command';

declare const TRACK_MANAGER_VERSION: string;
const VERSION = typeof TRACK_MANAGER_VERSION === 'string' ? TRACK_MANAGER_VERSION : 'dev';

export type { CliIo } from './run-command';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(mainHelp(COMMANDS, VERSION));
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  return runCommand(COMMANDS, argv, io, (options) => new TrackStore(options));
}
