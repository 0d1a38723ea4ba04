import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { promised } from './file-info';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type * as z from 'zod/mini';
import { TrackError } from '../model/errors';
import { SCHEMA_VERSION } from '../model/schemas';
import { formatVersionOf, upgradeDocument } from '../model/format-upgrade';
import type { FileIdentity } from './index-verdicts';
import type { KnownValidFiles } from './known-valid';

/** Temp files start with a dot and end with `.tmp`; doctor and .gitignore rely on that shape. */
export const TEMP_FILE_PATTERN = /^\..+\.\d+\.\d+\.[0-9a-f]{8}\.tmp$/;
let tempSequence = 0;

/** Unique per process and per call: pid + counter + randomness, never a timestamp. */
export function tempPathFor(target: string): string {
  tempSequence += 1;
  const name = `.${path.basename(target)}.${process.pid}.${tempSequence}.${randomBytes(4).toString('hex')}.tmp`;
  return path.join(path.dirname(target), name);
}

export function serialize(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Writes the content to a fresh temp file beside the target and flushes it to disk. */
export async function writeDurableTemp(target: string, content: string | Buffer): Promise<string> {
  const temp = tempPathFor(target);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.write(typeof content === 'string' ? Buffer.from(content) : content);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/** Opened and closed synchronously (microseconds); only the flush, which waits for the disk, goes through the thread pool. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const fd = fs.openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const fsyncFd = promisify(fs.fsync);

/** Temp file + fsync + rename + fsync of the folder: a reader sees the old or the new file. */
export async function writeFileAtomic(target: string, content: string | Buffer): Promise<void> {
  const temp = await writeDurableTemp(target, content);
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

export interface ReadOptions {
  /** Shown in messages ("track", "registry", …). */
  kind: string;
  /** Turns an absolute path into what the user should see. */
  display?: (file: string) => string;
  /** Told the format version found on disk (0: the original's), before the in-memory upgrade. */
  onFormatVersion?: (version: number | null) => void;
  /**
   * The store's documents known valid (known-valid.ts): bytes read with a recorded identity skip
   * zod, and bytes validated are noted with their identity.
   */
  known?: Pick<KnownValidFiles, 'has' | 'note'>;
}

/**
 * Reads and validates one JSON document. Returns null when the file does not exist; anything
 * unreadable, unparsable or invalid is E_CORRUPT_FILE naming the file and the field.
 */
export function readDocument<S extends z.ZodMiniType>(file: string, schema: S, options: ReadOptions): Promise<z.infer<S> | null> {
  return promised(() => readDocumentNow(file, schema, options));
}

/**
 * readDocument, synchronous: one small file, and a trip through the thread pool per read costs more
 * than the read (a command's first trip starts the pool; a writer under the lock keeps every other
 * writer waiting meanwhile).
 */
export function readDocumentNow<S extends z.ZodMiniType>(file: string, schema: S, options: ReadOptions): z.infer<S> | null {
  let read: { text: string; identity: FileIdentity | null };
  try {
    read = readWithIdentity(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw unreadableFileError(file, options, error);
  }
  return parseDocument(read.text, file, schema, options, read.identity);
}

/** The errno given to a document that is a pipe, a socket or a device (readWithIdentity). */
const NOT_A_FILE = 'ENOTFILE';

/**
 * A whole file, synchronously, with the identity of exactly the bytes read: the file's identity
 * before and after the read, null when they differ (changed in place while being read).
 */
export function readWithIdentity(file: string): { text: string; identity: FileIdentity | null } {
  // Non-blocking: opening a pipe for reading would otherwise wait for a writer (no effect on a file).
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const before = fs.fstatSync(fd);
    // A pipe or a device in a document's place would block the read or never end (a folder fails below with EISDIR).
    if (!before.isFile() && !before.isDirectory()) throw Object.assign(new Error(`${file} is not a regular file`), { code: NOT_A_FILE });
    // One byte more than the size: a file that grew meanwhile is read to its end all the same.
    let buffer = Buffer.allocUnsafe(before.size + 1);
    let offset = 0;
    for (;;) {
      if (offset === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, offset);
        buffer = larger;
      }
      const bytesRead = fs.readSync(fd, buffer, offset, buffer.length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    const after = fs.fstatSync(fd);
    const same = offset === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs && after.ctimeMs === before.ctimeMs;
    return { text: buffer.toString('utf8', 0, offset), identity: same ? after : null };
  } finally {
    fs.closeSync(fd);
  }
}

/** E_IO naming the file that could not be read (a folder in its place, no permission…). */
export function unreadableFileError(file: string, options: ReadOptions, error: unknown): TrackError {
  const shown = options.display ? options.display(file) : file;
  const errno = (error as NodeJS.ErrnoException)?.code ?? 'unknown';
  const why = errno === 'EISDIR' ? 'it is a folder' : errno === NOT_A_FILE ? 'it is not a regular file' : errno === 'EACCES' || errno === 'EPERM' ? 'permission denied' : `${errno}`;
  return new TrackError(
    'E_IO',
    `Cannot read the ${options.kind} file ${shown}: ${why}. It was left untouched; fix or restore it (run \`track doctor\` to see every problem).`,
    { file, errno },
  );
}

/**
 * What JSON.parse said, without the text it quotes: the file may not be ours (a symbolic link to
 * a file outside the store), and its content must never reach a message.
 */
function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (/Unexpected end of JSON input|Unterminated string/i.test(message)) return 'invalid JSON (it ends too early)';
  return position !== undefined ? `invalid JSON at character ${position}` : 'invalid JSON';
}

export function parseDocument<S extends z.ZodMiniType>(
  text: string,
  file: string,
  schema: S,
  options: ReadOptions,
  /** The identity of the bytes in `text` (known-valid.ts), when the caller knows it. */
  identity?: FileIdentity | null,
): z.infer<S> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // Never quote the text: JSON.parse's message shows its bytes, and the file may not be ours.
    const where = text.trim() === '' ? null : jsonErrorPosition(text, (error as Error).message);
    const problem = text.trim() === '' ? 'the file is empty' : `${jsonProblem(error)}${where ? ` (line ${where.line}, column ${where.column})` : ''}`;
    throw corruptFileError(file, options, null, problem, where ?? {});
  }
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    // Worked out only for a message: path.relative on every document read costs a read of many.
    const shown = options.display ? options.display(file) : file;
    throw new TrackError(
      'E_UNSUPPORTED_SCHEMA',
      `The ${options.kind} file ${shown} has schema_version ${version}, newer than this Track Manager understands (${SCHEMA_VERSION}). Upgrade track-manager; the file was left untouched.`,
      { file, field: 'schema_version' },
    );
  }
  options.onFormatVersion?.(formatVersionOf(data));
  const upgraded = upgradeDocument(options.kind, data) as z.infer<S>;
  if (identity && options.known?.has(file, identity)) return upgraded;
  const result = schema.safeParse(upgraded);
  if (!result.success) throw corruptFromIssues(file, options, result.error.issues, []);
  if (identity) options.known?.note(file, identity);
  // The document as parsed, not zod's copy: the schemas only check (loose objects, no defaults or
  // transforms), so the two hold the same, but zod's puts the keys in the schema's order, and a
  // document known valid (not run through zod) must print the same as one just validated.
  return upgraded;
}

/** E_CORRUPT_FILE naming the file and the field; the message says the file was left untouched. */
export function corruptFileError(file: string, options: ReadOptions, field: string | null, problem: string, position: { line?: number; column?: number } = {}): TrackError {
  const shown = options.display ? options.display(file) : file;
  return new TrackError(
    'E_CORRUPT_FILE',
    `The ${options.kind} file ${shown} is corrupt${field ? ` at field "${field}"` : ''}: ${problem}. ` +
      'It was left untouched; run `track doctor` to diagnose, or restore the file from a checkpoint or version control.',
    { file, field, ...position },
  );
}

/**
 * Where JSON.parse gave up, as 1-based line and column, so an editor can open the file there.
 * V8 words it "… at position N", newer ones "(line L column C)"; truncation is the end of the text.
 */
export function jsonErrorPosition(text: string, message: string): { line: number; column: number } | null {
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  const position = /position (\d+)/.exec(message);
  let offset: number | null = position ? Number(position[1]) : null;
  if (offset === null && /end of (JSON )?input|Unterminated/i.test(message)) offset = text.trimEnd().length;
  if (offset === null) return null;
  offset = Math.min(offset, text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

export function corruptFromIssues(file: string, options: ReadOptions, issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix: string[]): TrackError {
  const issue = issues[0];
  const path = [...prefix, ...issue.path.map(String)];
  return corruptFileError(file, options, path.length > 0 ? path.join('.') : '(document)', issue.message);
}
