import * as fs from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TrackError } from '../model/errors';
import { fsyncDirectory, readDocument, serialize, tempPathFor } from './files';
import type { FileAppend } from './index-files';
import { advanceValidLogFile } from './index-verdicts';
import { knownValidFiles } from './known-valid';
import { isHeldBy, type HeldLock } from './lock';
import type { StorePaths } from './paths';
import { assertWritableTargets } from './write-safety';
import { journalSchema, SCHEMA_VERSION } from '../model/schemas';

/**
 * Several files change together (a switch touches two tracks, a checkpoint and the registry).
 * Each is written to a flushed temp file; then a journal naming every temp → target pair is
 * written atomically: that is the commit point. A process killed after it is rolled forward by
 * the next lock holder, one killed before it leaves only temp files that doctor removes.
 */
export async function commitFiles(
  paths: StorePaths,
  lock: HeldLock,
  files: ReadonlyMap<string, string | Buffer>,
  finish?: LateFiles,
  /** Targets written from a document this process holds as valid: recorded so (known-valid.ts) once in place. */
  documents?: ReadonlySet<string>,
): Promise<void> {
  if (files.size === 0 && !finish) return;
  // Refused here, before the commit point, rather than leaving a journal nobody can apply.
  await assertWritableTargets(paths, files.keys());
  const createdDirs = ensureParentDirs([...files.keys()]);
  const written: WrittenTemp[] = [];
  const appends: FileAppend[] = [];
  let journalTemp: string | null = null;
  try {
    // Written, not yet flushed: the index records the identity of each staged track file, known
    // once it is written; then the temps and the journal are flushed in one round.
    writeTemps(files, written);
    if (finish) {
      const late = await finish(new Map(written.map((entry) => [entry.target, entry.temp])));
      await assertWritableTargets(paths, [...late.files.keys(), ...late.appends.map((append) => append.target)]);
      writeTemps(late.files, written);
      appends.push(...late.appends);
    }
    if (written.length === 0 && appends.length === 0) return;
    const staged = written.map(({ target, temp }) => ({ target, temp }));
    if (staged.length > 1 || appends.length > 0) {
      const journal = {
        schema_version: SCHEMA_VERSION,
        created_at: new Date().toISOString(),
        // Nobody else rolls it forward while this writer still holds the lock (rollForwardJournal).
        writer: lock.token,
        entries: staged.map((entry) => ({
          target: path.relative(paths.conductorDir, entry.target),
          temp: path.relative(paths.conductorDir, entry.temp),
        })),
        appends: appends.map((append) => ({ ...append, target: path.relative(paths.conductorDir, append.target) })),
      };
      const journalWritten: WrittenTemp[] = [];
      writeTemps(new Map([[paths.journalFile, serialize(journal)]]), journalWritten);
      journalTemp = journalWritten[0].temp;
      written.push(...journalWritten);
    }
    await flushTemps(written);
    // The last ownership check, then the commit point, both synchronous: everything slow (writing
    // and flushing) is done before, and nothing runs in between (see HeldLock.assertHeld). Without
    // a journal the commit point is the one rename in applyEntries, also reached with no await.
    lock.assertHeld();
    if (journalTemp) fs.renameSync(journalTemp, paths.journalFile);
  } catch (error) {
    for (const entry of written) {
      if (!entry.closed) closeQuietly(entry.fd);
      removeQuietly(entry.temp);
    }
    throw error;
  }
  const staged = written.filter((entry) => entry.temp !== journalTemp).map(({ target, temp }) => ({ target, temp }));
  if (journalTemp) await fsyncDirectory(path.dirname(paths.journalFile));
  await applyEntries(paths, staged, appends, createdDirs);
  if (documents) noteWrittenDocuments(paths, staged.map((entry) => entry.target).filter((target) => documents.has(target)));
  // Past the commit point: if another process took the lock over meanwhile, it rolled this journal
  // forward (the write stands) and the journal there now may be its own. The check and the removal
  // are synchronous and adjacent (see HeldLock.assertHeld): a holder paused after an asynchronous
  // check removed, when it went on, the journal the next holder was rolling forward (found by the
  // soak: that holder then failed with ENOENT) or could have removed that holder's own journal.
  // Left in doubt, the journal is rolled forward again by the next holder, which changes nothing.
  if (journalTemp && lock.heldNow()) removeIfPresent(paths.journalFile);
}

function removeIfPresent(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The identity each document has in place (a rename changes the change time, so it is taken after). */
function noteWrittenDocuments(paths: StorePaths, targets: string[]): void {
  const known = knownValidFiles(paths.conductorDir);
  for (const target of targets) {
    const info = fs.lstatSync(target, { throwIfNoEntry: false });
    if (info?.isFile()) known.note(target, info);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/**
 * Files whose content depends on the staged temp files (the registry records the identity of each
 * track file it indexes): given target → temp of what is staged, returns more files to commit.
 */
export type LateFiles = (staged: ReadonlyMap<string, string>) => Promise<{ files: ReadonlyMap<string, string | Buffer>; appends: FileAppend[] }>;

interface WrittenTemp {
  target: string;
  temp: string;
  fd: number;
  closed: boolean;
}

/*
 * The commit's small calls (create, write into the page cache, close, rename, lstat) are made
 * synchronously: each takes microseconds, while a thread-pool round trip costs far more CPU, and a
 * group commit makes hundreds of them while every other writer waits. Only the flushes, which wait
 * for the disk, go through the thread pool, all at once.
 */
const fdatasync = promisify(fs.fdatasync);

/** Writes each file to a new temp beside its target (unique name), left open for flushTemps. */
function writeTemps(files: ReadonlyMap<string, string | Buffer>, into: WrittenTemp[]): void {
  for (const [target, content] of files) {
    const temp = tempPathFor(target);
    const fd = fs.openSync(temp, 'wx', 0o644);
    const entry: WrittenTemp = { target, temp, fd, closed: false };
    into.push(entry);
    writeWhole(fd, typeof content === 'string' ? Buffer.from(content) : content);
  }
}

function writeWhole(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length;) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

/** Flushes the temps in parallel (the file system batches them) and closes them. */
async function flushTemps(temps: WrittenTemp[]): Promise<void> {
  const results = await Promise.allSettled(temps.map((entry) => fdatasync(entry.fd)));
  for (const entry of temps) {
    entry.closed = true;
    closeQuietly(entry.fd);
  }
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already closed, or the error that matters is being thrown.
  }
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Gone already.
  }
}

/** Finishes a commit that a killed process left behind. Returns whether there was one. */
export async function rollForwardJournal(paths: StorePaths): Promise<boolean> {
  const journal = await readDocument(paths.journalFile, journalSchema, {
    kind: 'journal',
    display: (file) => paths.display(file),
  });
  if (!journal) return false;
  if (typeof journal.writer === 'string' && (await isHeldBy(paths, journal.writer))) {
    throw new TrackError('E_LOCK_COMPROMISED', 'Another process still holds the store lock and is finishing its own write; nothing was written. Run the command again.', { reason: 'journal writer holds the lock' });
  }
  const entries = journal.entries.map((entry) => ({
    target: insideConductor(paths, entry.target),
    temp: insideConductor(paths, entry.temp),
  }));
  const appends = (journal.appends ?? []).map((append) => ({ ...append, target: insideConductor(paths, append.target) }));
  await applyEntries(paths, entries, appends, []);
  // Gone already: its writer, resumed after losing the lock, finished and removed it. Applying it
  // twice changed nothing.
  await unlink(paths.journalFile).catch(ignoreMissing);
  return true;
}

async function applyEntries(paths: StorePaths, entries: Array<{ target: string; temp: string }>, appends: FileAppend[], createdDirs: string[]): Promise<void> {
  const dirs = new Set<string>(createdDirs);
  // Past the commit point their order does not matter (each target is named once, and a crash in
  // between is rolled forward); synchronous, as a group commit renames dozens (see writeTemps).
  for (const entry of entries) {
    try {
      fs.renameSync(entry.temp, entry.target);
    } catch (error) {
      // Rolling forward twice finds the temp already renamed.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    dirs.add(path.dirname(entry.target));
  }
  await Promise.all([
    ...appends.map((append) => applyAppend(paths, append)),
    ...[...dirs].map((dir) => fsyncDirectory(dir)),
  ]);
}

/**
 * Writes the appended bytes at their offset and flushes them. Done twice, the file is the same:
 * bytes already there are left alone (lines appended after them may be a later writer's); a torn
 * fragment at the offset (no complete line: a writer killed mid-write, never read by anyone) is
 * cut and the bytes written. Anything else at the offset, or a file shorter than it (deleted or
 * cut by hand), cannot take the line: the index is derived, so its head goes and the next command
 * rebuilds it from the track files.
 */
async function applyAppend(paths: StorePaths, append: FileAppend): Promise<void> {
  let handle;
  try {
    handle = await open(append.target, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await unlink(paths.registryFile).catch(ignoreMissing);
    return;
  }
  try {
    const before = await handle.stat();
    const { size } = before;
    const data = Buffer.from(append.data);
    if (size < append.offset) {
      await unlink(paths.registryFile).catch(ignoreMissing);
      return;
    }
    if (size > append.offset) {
      const tail = Buffer.alloc(size - append.offset);
      await handle.read(tail, 0, tail.length, append.offset);
      if (tail.length >= data.length && tail.subarray(0, data.length).equals(data)) {
        await handle.datasync();
        return;
      }
      if (tail.includes(10)) {
        await unlink(paths.registryFile).catch(ignoreMissing);
        return;
      }
      await handle.truncate(append.offset);
    }
    await handle.write(data, 0, data.length, append.offset);
    await handle.datasync();
    // Lines of our own after a log known valid whole: the log stays known valid (index-verdicts.ts).
    if (append.target === paths.indexLogFile && size === append.offset) await advanceValidLogFile(paths, before, await handle.stat());
  } finally {
    await handle.close();
  }
}

/** Creates missing folders; returns the parents whose entries changed so they get fsynced. */
function ensureParentDirs(targets: string[]): string[] {
  const changed: string[] = [];
  for (const dir of new Set(targets.map((target) => path.dirname(target)))) {
    // Looked up first: mkdir locks the parent folder even when the folder is there, and writers wait on it.
    if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
    const first = fs.mkdirSync(dir, { recursive: true });
    if (first) changed.push(path.dirname(first));
  }
  return changed;
}

function insideConductor(paths: StorePaths, relative: string): string {
  const resolved = path.resolve(paths.conductorDir, relative);
  if (!resolved.startsWith(paths.conductorDir + path.sep)) {
    throw new TrackError(
      'E_CORRUPT_FILE',
      `The journal ${paths.display(paths.journalFile)} names a path outside the store (${relative}); it was not applied. Inspect and delete it by hand.`,
      { file: paths.journalFile, field: 'entries' },
    );
  }
  return resolved;
}
