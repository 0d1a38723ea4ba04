import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

/** Records this (live) process as the holder of an existing lock directory, as a holder does. */
export function recordLockOwner(lockDir: string): void {
  const token = randomBytes(16).toString('hex');
  writeFileSync(path.join(lockDir, `owner.${token}.json`), JSON.stringify({
    pid: process.pid, host: hostname(), command: 'this test', acquired_at: new Date().toISOString(), token,
  }));
}
