import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { StoreContext } from './context';
import { tempPathFor } from './files';
import { holdsStoreLock } from './lock-scope';
import type { StorePaths } from './paths';
import { processState } from './process-state';
import type { Transaction } from './transaction';
import { assertWritableTargets } from './write-safety';
import { isTrackError, toTrackError, TrackError, type ErrorCode } from '../model/errors';
import { queuedRequestSchema, queuedResultSchema, type QueuedRequest, type QueuedResult } from '../model/schemas';

/**
 * Group commit. A process whose write finds the store lock busy leaves a request in the queue
 * folder and waits; whoever holds the lock runs the queued requests after its own work, in the
 * same transaction, and commits them with their results in one flush. A result file is staged with
 * the operation it reports, so it exists exactly when the operation was committed (the journal
 * rolls both forward). The lock's ownership decides who may run a request, never a guess.
 *
 * A request moves through three names, each change made by one process only:
 *   <token>.request.json  waiting; its requester may withdraw it (unlink) while it has this name;
 *   <token>.claimed.json  renamed so by a lock holder that runs it (again by a later holder if
 *                         that one never committed: without the lock nobody commits anything);
 *   <token>.result.json   committed with the operation; the requester reads it, then removes the
 *                         claimed file and then the result (in that order: see runQueuedRequests).
 */

/** Inside tracks/, but no track id: a dot keeps it out of the track folders (like the lock). */
export const QUEUE_FOLDER = 'track-registry.queue';
/** Bounds the work (and the lock time) of one holder; the rest waits for the next one. */
const MAX_GROUP = 32;
/** Without a file event (a holder killed, a file system that does not report), look again this often. */
const POLL_MS = 150;
/** …and tries the lock every this many polls (an abandoned lock is taken over only by trying). */
const TRY_EVERY_POLLS = 4;
/** Requests and results of a process that is gone, or (another host) this old, are removed. */
const FOREIGN_STALE_MS = 24 * 60 * 60_000;
const QUEUE_FILE = /^([0-9a-f]{32})\.(request|claimed|result)\.json$/;

export function queueFolder(paths: StorePaths): string {
  return path.join(paths.tracksDir, QUEUE_FOLDER);
}

const queueFile = (paths: StorePaths, token: string, kind: 'request' | 'claimed' | 'result') => path.join(queueFolder(paths), `${token}.${kind}.json`);

/** Runs one groupable operation with its JSON arguments against a store (it takes the lock through mutate). */
export type GroupOperation = (ctx: StoreContext, args: unknown[]) => Promise<unknown>;

const operations = new Map<string, GroupOperation>();

/** The operations layer names what may be grouped (storage imports no operation). */
export function registerGroupOperation(name: string, operation: GroupOperation): void {
  operations.set(name, operation);
}

type Request = QueuedRequest;
type ResultFile = QueuedResult;
type Outcome = QueuedResult['outcome'];

/** The transaction that a queued request joins while a holder runs it. */
const joined = new AsyncLocalStorage<{ tx: Transaction; lockDir: string }>();
/**
 * A groupable operation trying the lock itself, with its queued request's token once it queued one.
 * Only such a holder runs the queue: its own work, like the requests, reads what it stages through
 * the transaction. Another write (a decision added, a run step) could stage a file that a queued
 * request's checkpoint then reads from disk, a commit behind.
 */
const ownRequest = new AsyncLocalStorage<{ token: string | null; lockDir: string }>();

/** The holder's transaction, when called while it runs a queued request (mutate joins it). */
export function joinedTransaction(ctx: StoreContext): Transaction | null {
  const current = joined.getStore();
  return current && current.lockDir === ctx.paths.lockDir ? current.tx : null;
}

/** Thrown inside the lock when this process's own request turns out to be committed already. */
class AlreadyCommitted extends Error {
  constructor(readonly outcome: Outcome) {
    super('already committed');
  }
}

/**
 * Called by mutate under the lock, after a pending journal is finished: if this process queued the
 * operation it is about to run, it was either committed by an earlier holder (its result is there:
 * return that) or never will be by anyone else now (we hold the lock): withdraw it and run it here.
 */
export function settleOwnRequest(paths: StorePaths): void {
  const own = ownRequest.getStore();
  if (!own?.token || own.lockDir !== paths.lockDir) return;
  const result = readResult(paths, own.token);
  if (result) throw new AlreadyCommitted(result.outcome);
  removeFile(queueFile(paths, own.token, 'request'));
  removeFile(queueFile(paths, own.token, 'claimed'));
}

/**
 * Called by mutate under the lock after the holder's own work: runs the queued requests in the
 * same transaction, in queue order, each as if alone after the ones before it. A request that
 * fails leaves no trace but its result (the transaction is rolled back to before it).
 */
export async function runQueuedRequests(tx: Transaction): Promise<void> {
  if (operations.size === 0) return;
  const { paths } = tx;
  const caller = ownRequest.getStore();
  if (!caller || caller.lockDir !== paths.lockDir) return;
  if (!queueUsable(paths)) return;
  const names = listNames(queueFolder(paths));
  if (!names || names.length === 0) return;
  const own = caller.token;
  const byToken = new Map<string, Set<string>>();
  for (const name of names) {
    const match = QUEUE_FILE.exec(name);
    if (!match) continue;
    const kinds = byToken.get(match[1]) ?? new Set<string>();
    kinds.add(match[2]);
    byToken.set(match[1], kinds);
  }
  const waiting: Request[] = [];
  for (const [token, kinds] of byToken) {
    if (token === own) continue;
    if (kinds.has('result')) {
      await removeIfAbandoned(paths, token, kinds);
      continue;
    }
    const kind = kinds.has('claimed') ? 'claimed' : 'request';
    const text = readSmall(queueFile(paths, token, kind));
    const request = text === null ? null : parseRequest(text, token);
    if (request) waiting.push(request);
    else if (text !== null && kind === 'claimed') removeFile(queueFile(paths, token, kind));
  }
  waiting.sort((a, b) => a.queued_at - b.queued_at || (a.token < b.token ? -1 : 1));
  const pending: Request[] = [];
  for (const request of waiting) {
    if (pending.length >= MAX_GROUP) break;
    if (!operations.has(request.operation)) continue;
    if (!(claim(paths, request.token, byToken.get(request.token)?.has('claimed') ? 'claimed' : 'request'))) continue;
    if (processState(request) === 'dead') {
      // Nobody waits for it: its caller died not knowing; an operation not run is the honest outcome.
      removeFile(queueFile(paths, request.token, 'claimed'));
      continue;
    }
    pending.push(request);
  }
  // Queued operations may need any entry, and a savepoint must not span the index being made whole.
  if (pending.length > 0) await tx.wholeIndex();
  for (const request of pending) {
    const operation = operations.get(request.operation);
    if (!operation) continue;
    const before = tx.savepoint();
    let outcome: Outcome;
    try {
      const value = await joined.run({ tx, lockDir: paths.lockDir }, () => ownRequest.exit(() => operation(tx.ctx, request.args)));
      // What the commit would refuse (a link or a folder in the way) is this request's error, not the group's.
      await assertWritableTargets(paths, [...tx.files].filter(([file, content]) => before.files.get(file) !== content).map(([file]) => file));
      outcome = { ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) as unknown };
    } catch (error) {
      tx.rollBack(before);
      const failure = toTrackError(error);
      outcome = { ok: false, error: { code: failure.code, message: failure.message, details: failure.details } };
    }
    const result: ResultFile = { token: request.token, pid: request.pid, host: request.host, outcome };
    tx.putRaw(queueFile(paths, request.token, 'result'), JSON.stringify(result));
  }
}

/**
 * Makes the request this holder's to run; false when it is not to be run (withdrawn, or already
 * committed). A waiting request is renamed (its requester can no longer withdraw it); a claimed one
 * belongs to an earlier holder that never committed it. Its result is looked for after the claim,
 * and the claimed file is confirmed still there after that: a requester removes its claimed file
 * before its result, so a result missing then is a result never committed (and, under our lock,
 * nobody else commits one).
 */
function claim(paths: StorePaths, token: string, kind: 'request' | 'claimed'): boolean {
  const claimed = queueFile(paths, token, 'claimed');
  if (kind === 'request' && !renameFile(queueFile(paths, token, 'request'), claimed)) return false;
  if (exists(queueFile(paths, token, 'result'))) return false;
  return exists(claimed);
}

/** A queue file's document when it is valid and names this token; null for anything else (a torn or foreign file). */
function parseQueueFile<T extends { token: string }>(text: string, token: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success && parsed.data.token === token ? parsed.data : null;
}

function parseRequest(text: string, token: string): Request | null {
  return parseQueueFile(text, token, queuedRequestSchema);
}

/** A result nobody will read (its requester is gone) is removed with what is left of its request. */
async function removeIfAbandoned(paths: StorePaths, token: string, kinds: Set<string>): Promise<void> {
  const result = readResult(paths, token);
  if (!result) return;
  const info = await stat(queueFile(paths, token, 'result')).catch(() => null);
  const state = processState(result);
  if (state === 'alive' || (state === 'unknown' && (!info || Date.now() - info.mtimeMs < FOREIGN_STALE_MS))) return;
  if (kinds.has('claimed')) removeFile(queueFile(paths, token, 'claimed'));
  removeFile(queueFile(paths, token, 'result'));
}

function readResult(paths: StorePaths, token: string): ResultFile | null {
  const text = readSmall(queueFile(paths, token, 'result'));
  return text === null ? null : parseQueueFile(text, token, queuedResultSchema);
}

/*
 * The queue's files are a few hundred bytes in one local folder, read and renamed many times per
 * second while writers wait: synchronous calls (microseconds each) cost far less on a busy machine
 * than a thread-pool round trip per call.
 */
function readSmall(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function removeFile(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

function renameFile(from: string, to: string): boolean {
  try {
    fs.renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}

function listNames(dir: string): string[] | null {
  try {
    return fs.readdirSync(dir);
  } catch {
    return null;
  }
}

function exists(file: string): boolean {
  return fs.existsSync(file);
}

function settle<T>(outcome: Outcome): T {
  if (outcome.ok) return outcome.value as T;
  throw new TrackError(outcome.error.code as ErrorCode, outcome.error.message, outcome.error.details);
}

function lockBusy(error: unknown): boolean {
  return isTrackError(error, 'E_LOCK_TIMEOUT');
}

/**
 * Runs a groupable operation. First it tries the lock once, as a plain write; if the lock is busy,
 * it queues the operation and waits (for its result, or for the lock to come free and try again),
 * up to the store's lock timeout. It never runs twice: a result found means committed; holding the
 * lock with no result means nobody committed it, and nobody else can now.
 */
export async function runGrouped<T>(ctx: StoreContext, name: string, args: unknown[]): Promise<T> {
  const operation = operations.get(name);
  if (!operation) throw new TrackError('E_INTERNAL', `Internal error: no groupable operation "${name}". Please report it.`);
  const run = (context: StoreContext) => operation(context, args) as Promise<T>;
  if (holdsStoreLock(ctx.paths.lockDir) || joined.getStore() || !groupingEnabled()) return run(ctx);
  const once: StoreContext = { ...ctx, lockTimeoutMs: 0 };
  const { paths } = ctx;
  // A lock folder that is there is a holder at work (or an abandoned lock, judged below by a try).
  if (lockFolderGone(paths)) {
    try {
      return await ownRequest.run({ token: null, lockDir: paths.lockDir }, () => run(once));
    } catch (error) {
      if (!lockBusy(error)) throw error;
    }
  }
  // A link where the queue or the tracks folder should be (a hostile clone) would carry requests
  // and results out of the store: such a store gets no queue, only the plain wait for the lock.
  if (!queueUsable(paths)) return run(ctx);
  const token = randomBytes(16).toString('hex');
  enqueue(paths, { token, operation: name, args, pid: process.pid, host: hostname(), queued_at: Date.now() });
  const waiter = new QueueWaiter(paths, token);
  const deadline = Date.now() + ctx.lockTimeoutMs;
  try {
    for (;;) {
      if (waiter.take('result')) {
        const result = readResult(paths, token);
        if (result) return settle<T>(forget(paths, token, result.outcome));
      }
      // Tried when the lock folder went away, and now and then anyway: a takeover of an abandoned
      // lock (its holder killed or stopped) happens only in an attempt to lock.
      if ((waiter.take('lock') && lockFolderGone(paths)) || waiter.take('try')) {
        try {
          return await ownRequest.run({ token, lockDir: paths.lockDir }, () => run(once));
        } catch (error) {
          if (error instanceof AlreadyCommitted) return settle<T>(forget(paths, token, error.outcome));
          if (!lockBusy(error)) throw error;
          // Withdrawn only while still waiting under its first name: once claimed, a holder may commit it.
          if (Date.now() >= deadline && removeFile(queueFile(paths, token, 'request'))) throw error;
        }
      }
      await waiter.next();
    }
  } finally {
    waiter.close();
  }
}

/** TRACK_MANAGER_GROUP_COMMIT=0 turns queuing off (every write waits for the lock itself). */
function groupingEnabled(): boolean {
  return process.env.TRACK_MANAGER_GROUP_COMMIT !== '0';
}

/** The tracks folder is a real folder, and the queue folder one too or not there yet. */
function queueUsable(paths: StorePaths): boolean {
  try {
    if (!fs.lstatSync(paths.tracksDir).isDirectory()) return false;
  } catch {
    return true;
  }
  try {
    return fs.lstatSync(queueFolder(paths)).isDirectory();
  } catch {
    return true;
  }
}

/** Synchronous on purpose: one stat, asked many times while waiting, without an error object per answer. */
function lockFolderGone(paths: StorePaths): boolean {
  return !fs.existsSync(paths.lockDir);
}

/** Written whole (temp + rename); not flushed: a request does not outlive its requester's interest. */
function enqueue(paths: StorePaths, request: Request): void {
  const file = queueFile(paths, request.token, 'request');
  if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    fs.writeFileSync(temp, JSON.stringify(request), { flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (error) {
    removeFile(temp);
    throw error;
  }
}

/** The requester's clean-up once it has its outcome: the claimed file first, then the result. */
function forget(paths: StorePaths, token: string, outcome: Outcome): Outcome {
  removeFile(queueFile(paths, token, 'claimed'));
  removeFile(queueFile(paths, token, 'result'));
  return outcome;
}

/**
 * Sleeps until something this requester cares about may have happened: its result file appeared,
 * or the lock folder changed; failing any event, a short poll, and every few polls a try of the
 * lock. No busy loop, and no lock attempt per file event: one wake-up per relevant event.
 */
class QueueWaiter {
  /** What may have changed since it was last looked at (all at first: nothing was looked at yet). */
  private readonly due = new Set<'result' | 'lock' | 'try'>(['result', 'lock']);
  private polls = 0;
  private wake: (() => void) | null = null;
  private readonly watchers: fs.FSWatcher[] = [];

  constructor(paths: StorePaths, token: string) {
    const resultName = `${token}.result.json`;
    const lockName = path.basename(paths.lockDir);
    this.watch(queueFolder(paths), (name) => (name === null || name === resultName ? 'result' : null));
    this.watch(paths.tracksDir, (name) => (name === null || name === lockName ? 'lock' : null));
  }

  /** Whether `what` is due to be looked at (and no longer due after this). */
  take(what: 'result' | 'lock' | 'try'): boolean {
    return this.due.delete(what);
  }

  private watch(dir: string, relevant: (name: string | null) => 'result' | 'lock' | null): void {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, name) => {
        const what = relevant(typeof name === 'string' ? name : null);
        if (!what) return;
        this.due.add(what);
        this.wake?.();
      });
      watcher.on('error', () => watcher.close());
      this.watchers.push(watcher);
    } catch {
      // No watching here (a file system without events): the poll alone.
    }
  }

  next(): Promise<void> {
    if (this.due.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.polls += 1;
        this.due.add('result');
        this.due.add('lock');
        if (this.polls % TRY_EVERY_POLLS === 0) this.due.add('try');
        done();
      }, POLL_MS + Math.floor(Math.random() * POLL_MS));
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      this.wake = done;
    });
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
  }
}

/**
 * Queue files nobody will come for (for doctor): requests and results of a process that is gone
 * (on this host), or of another host's process or unreadable, older than a day. A holder removes
 * most of them itself when it next runs the queue; a store nobody writes to keeps them.
 */
export async function abandonedQueueFiles(paths: StorePaths, now = Date.now()): Promise<string[]> {
  const dir = queueFolder(paths);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    if (!QUEUE_FILE.test(name)) continue;
    const file = path.join(dir, name);
    const [text, info] = await Promise.all([readFile(file, 'utf8').catch(() => null), stat(file).catch(() => null)]);
    if (text === null || !info) continue;
    let owner: { pid?: unknown; host?: unknown } | null;
    try {
      owner = JSON.parse(text) as { pid?: unknown; host?: unknown };
    } catch {
      owner = null;
    }
    const state = owner && typeof owner.pid === 'number' && typeof owner.host === 'string' ? processState({ pid: owner.pid, host: owner.host }) : 'unknown';
    if (state === 'dead' || (state === 'unknown' && now - info.mtimeMs >= FOREIGN_STALE_MS)) found.push(file);
  }
  return found.sort();
}
