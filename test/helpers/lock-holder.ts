/**
 * Holds a store's lock until stdin closes (or 60 s pass). Prints "locked" once it holds it.
 * Usage: node lock-holder.js ROOT
 */
import { createContext } from '../../src/core/storage/context';
import { withStoreLock } from '../../src/core/storage/lock';

const ctx = createContext({ root: process.argv[2] });
withStoreLock(ctx.paths, { command: 'track lock-holder test' }, async () => {
  process.stdout.write('locked\n');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    process.stdin.on('end', () => { clearTimeout(timer); resolve(); });
    process.stdin.resume();
  });
}).then(() => process.exit(0), (error) => { process.stderr.write(String(error)); process.exit(1); });
