import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import type * as z from 'zod/mini';
import { TrackError } from './errors';
import { SCHEMA_VERSION } from './schemas';

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

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
}

/**
 * Reads and validates one JSON document. Returns null when the file does not exist; anything
 * unreadable, unparsable or invalid is E_CORRUPT_FILE naming the file and the field.
 */
export async function readDocument<S extends z.ZodMiniType>(
  file: string,
  schema: S,
  options: ReadOptions,
): Promise<z.infer<S> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseDocument(text, file, schema, options);
}

export function parseDocument<S extends z.ZodMiniType>(
  text: string,
  file: string,
  schema: S,
  options: ReadOptions,
): z.infer<S> {
  const shown = options.display ? options.display(file) : file;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const where = text.trim() === '' ? null : jsonErrorPosition(text, (error as Error).message);
    const problem = text.trim() === '' ? 'the file is empty' : `invalid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''} (${(error as Error).message})`;
    throw corruptFileError(file, options, null, problem, where ?? {});
  }
  const version = (data as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    throw new TrackError(
      'E_UNSUPPORTED_SCHEMA',
      `The ${options.kind} file ${shown} has schema_version ${version}, newer than this Track Manager understands (${SCHEMA_VERSION}). Upgrade track-manager; the file was left untouched.`,
      { file, field: 'schema_version' },
    );
  }
  const result = schema.safeParse(data);
  if (!result.success) throw corruptFromIssues(file, options, result.error.issues, []);
  return result.data;
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
