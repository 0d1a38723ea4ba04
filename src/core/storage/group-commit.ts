import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import * as path from 'node:path';
import type { StoreContext } from './context';
import { LockBusyNow } from './lock';
import { holdsStoreLock } from './lock-scope';
import type { StorePaths } from './paths';
import { processState } from './process-state';
import type { Transaction } from './transaction';
import { assertWritableTargets } from './write-safety';
import { isTrackError, toTrackError, TrackError, type ErrorCode } from '../model/errors';
import { queuedRequestSchema, queuedResultSchema, queuedResultsSchema, type QueuedRequest, type QueuedResult, type QueuedResults } from '../model/schemas';

/**
 * Group commit. A process whose write finds the store lock busy leaves a request in the queue
 * folder and waits; whoever holds the lock runs the queued requests after its own work, in the
 * same transaction, and commits them with their results in one flush. The group's results file is
 * staged with the operations it reports, so a request's result exists exactly when its operation
 * was committed (the journal rolls both forward). The lock's ownership decides who may run a
 * request, never a guess.
 *
 * A request moves through two names, each change made by one process only, and its result lands in
 * its group's file:
 *   <token>.request.json  waiting; its requester may withdraw it (unlink) while it has this name;
 *   <token>.claimed.json  renamed so by a lock holder that runs it (again by a later holder if
 *                         that one never committed: without the lock nobody commits anything);
 *   <group>.results.json  committed with the group's operations, one entry per request. Each
 *                         requester reads its entry, then removes its claimed file; the file goes
 *                         once no claimed file of its entries is left (removed by the requester
 *                         that finds so, or by a holder). That order is what claim() relies on.
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
const QUEUE_FILE = /^([0-9a-f]{32})\.(request|claimed|results)\.json$/;
/**
 * A requester writes its request in the call that creates the file (enqueue): a request that is
 * still not JSON this long after it was created lost its writer mid-write (a SIGKILL between the two
 * system calls). Nobody will complete it, and it would otherwise wait out FOREIGN_STALE_MS.
 */
const HALF_WRITTEN_MS = 60_000;

export function queueFolder(paths: StorePaths): string {
  return path.join(paths.tracksDir, QUEUE_FOLDER);
}

const queueFile = (paths: StorePaths, token: string, kind: 'request' | 'claimed' | 'results') => path.join(queueFolder(paths), `${token}.${kind}.json`);

/** Runs one groupable operation with its JSON arguments against a store (it takes the lock through mutate). */
export type GroupOperation = (ctx: StoreContext, args: unknown[]) => Promise<unknown>;

const operations = new Map<string, GroupOperation>();

/** The operations layer names what may be grouped (storage imports no operation). */
export function registerGroupOperation(name: string, operation: GroupOperation): void {
  operations.set(name, operation);
}

type Request = QueuedRequest;
type Outcome = QueuedResult['outcome'];

/** The transaction that a queued request joins while a holder runs it. */
const joined = new AsyncLocalStorage<{ tx: Transaction; lockDir: string }>();
/**
 * A groupable operation trying the lock itself, with its queued request's token once it queued one.
 * Only such a holder runs the queue: its own work, like the requests, reads what it stages through
 * the transaction. Another write (a decision added, a run step) could stage a file that a queued
 * request's checkpoint then reads from disk, a commit behind.
 */
const ownRequest = new AsyncLocalStorage<{ token: string | null; lockDir: string; quick: boolean }>();

/** The holder's transaction, when called while it runs a queued request (mutate joins it). */
export function joinedTransaction(ctx: StoreContext): Transaction | null {
  const current = joined.getStore();
  return current && current.lockDir === ctx.paths.lockDir ? current.tx : null;
}

/**
 * Whether the lock attempt under way may give up at once when the lock is held (lock.ts quickTry):
 * it follows the sight of the lock folder gone, so a lock found there is new, not abandoned.
 */
export function lockTryIsQuick(paths: StorePaths): boolean {
  const own = ownRequest.getStore();
  return own !== undefined && own.quick && own.lockDir === paths.lockDir;
}

/** Thrown inside the lock when this process's own request turns out to be committed already. */
class AlreadyCommitted extends Error {
  constructor(readonly outcome: Outcome, readonly group: QueuedResults | null) {
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
  const found = findResult(paths, own.token, new Set());
  if (found.result) throw new AlreadyCommitted(found.result.outcome, found.group);
  // A results file nobody can read might hold this request's result: running it again could double it.
  if (found.unreadable && exists(queueFile(paths, own.token, 'claimed'))) throw unreadableResults(paths, found.unreadable);
  removeFile(queueFile(paths, own.token, 'request'));
  removeFile(queueFile(paths, own.token, 'claimed'));
}

/**
 * Called by mutate under the lock after the holder's own work: runs the queued requests in the
 * same transaction, in queue order, each as if alone after the ones before it. A request that
 * fails leaves no trace but its result (the transaction is rolled back to before it).
 */
export async function runQueuedRequests(tx: Transaction): Promise<number> {
  if (operations.size === 0) return 0;
  const { paths } = tx;
  const caller = ownRequest.getStore();
  if (!caller || caller.lockDir !== paths.lockDir) return 0;
  if (!queueUsable(paths)) return 0;
  const names = listNames(queueFolder(paths));
  if (!names || names.length === 0) return 0;
  const own = caller.token;
  const byToken = new Map<string, Set<string>>();
  const resultFiles: string[] = [];
  for (const name of names) {
    const match = QUEUE_FILE.exec(name);
    if (!match) continue;
    if (match[2] === 'results') {
      resultFiles.push(match[1]);
      continue;
    }
    const kinds = byToken.get(match[1]) ?? new Set<string>();
    kinds.add(match[2]);
    byToken.set(match[1], kinds);
  }
  // Read after the listing: claim() relies on it (a claimed file seen, then no result, then the claimed file still there).
  const committed = committedTokens(paths, resultFiles, byToken);
  const waiting: Request[] = [];
  for (const [token, kinds] of byToken) {
    if (token === own || committed.tokens.has(token)) continue;
    const kind = kinds.has('claimed') ? 'claimed' : 'request';
    // A request claimed earlier may have a result in a file nobody can read: never run it again.
    if (kind === 'claimed' && committed.unreadable) continue;
    const text = readSmall(queueFile(paths, token, kind));
    const request = text === null ? null : parseRequest(text, token);
    if (request) waiting.push(request);
    else if (text !== null && (kind === 'claimed' || leftHalfWritten(queueFile(paths, token, kind), text))) removeFile(queueFile(paths, token, kind));
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
  const results: QueuedResults['results'] = [];
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
    results.push({ token: request.token, pid: request.pid, host: request.host, outcome });
  }
  if (results.length === 0) return 0;
  // One file for the whole group: one file to create, flush and rename in the commit, however many requests.
  const group = randomBytes(16).toString('hex');
  const document: QueuedResults = { group, results };
  tx.putRaw(queueFile(paths, group, 'results'), JSON.stringify(document));
  return results.length;
}

/** Once requests come, a pause between them longer than this ends the wait for more; none at all, the longer one. */
const MORE_REQUESTS_IDLE_MS = 4;
const MORE_REQUESTS_MAX_MS = 25;

/**
 * After a group's commit, while still holding the lock: waits for the writers that just got their
 * results to queue their next write (as many as were served, or until they stop coming), so the
 * holder serves them in another transaction instead of letting the lock go to a race among them.
 * True when requests are waiting. A store nobody queues to never waits here (nothing was served).
 */
export async function awaitMoreRequests(paths: StorePaths, expected: number): Promise<boolean> {
  const caller = ownRequest.getStore();
  if (!caller || caller.lockDir !== paths.lockDir || !queueUsable(paths)) return false;
  const waiting = () => new Set((listNames(queueFolder(paths)) ?? []).filter((name) => name.endsWith('.request.json')));
  const seen = waiting();
  if (seen.size >= expected) return true;
  await new Promise<void>((resolve) => {
    let idle: NodeJS.Timeout | undefined;
    let watcher: fs.FSWatcher | null = null;
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(limit);
      watcher?.close();
      resolve();
    };
    const limit = setTimeout(finish, MORE_REQUESTS_MAX_MS);
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, MORE_REQUESTS_IDLE_MS);
    };
    try {
      watcher = fs.watch(queueFolder(paths), { persistent: false }, (_event, name) => {
        if (typeof name !== 'string' || !name.endsWith('.request.json')) return;
        seen.add(name);
        if (seen.size >= expected) finish();
        else arm();
      });
      watcher.on('error', finish);
    } catch {
      // No file events here: the time limit alone.
    }
  });
  return waiting().size > 0;
}

/**
 * Makes the request this holder's to run; false when it is not to be run (withdrawn, or already
 * committed). A waiting request is renamed (its requester can no longer withdraw it); a request
 * under its first name was never committed (a holder that commits one claims it first). A claimed
 * one belongs to an earlier holder that may or may not have committed it: the results files were
 * read after the listing that showed it claimed and its token is in none of them, so it is to run
 * if its claimed file is still there now. A results file goes only once the claimed files of its
 * entries are gone, so a claimed file still there is a result never committed (and, under our
 * lock, nobody else commits one).
 */
function claim(paths: StorePaths, token: string, kind: 'request' | 'claimed'): boolean {
  const claimed = queueFile(paths, token, 'claimed');
  if (kind === 'request') return renameFile(queueFile(paths, token, 'request'), claimed);
  return exists(claimed);
}

/** A queue file's document when it is valid and names this token (under `key`); null for anything else (a torn or foreign file). */
function parseQueueFile<K extends string, T extends Record<K, unknown>>(
  text: string,
  token: string,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  key: K,
): T | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success && parsed.data[key] === token ? parsed.data : null;
}

function parseRequest(text: string, token: string): Request | null {
  return parseQueueFile(text, token, queuedRequestSchema, 'token');
}

/**
 * The tokens with a committed result, from the group results files of the listing. On the way, a
 * results file no one will read any more is removed: every entry's claimed file is gone (its
 * requester has its result) or belongs to a requester that is gone.
 */
function committedTokens(paths: StorePaths, groups: string[], byToken: ReadonlyMap<string, ReadonlySet<string>>): { tokens: Set<string>; unreadable: string | null } {
  const tokens = new Set<string>();
  let unreadable: string | null = null;
  for (const group of groups) {
    const file = queueFile(paths, group, 'results');
    const text = readSmall(file);
    // Removed meanwhile by the requester that read it last: none of its entries is claimed any more.
    if (text === null) continue;
    const document = parseQueueFile(text, group, queuedResultsSchema, 'group');
    if (!document) {
      unreadable ??= file;
      continue;
    }
    let awaited = false;
    for (const entry of document.results) {
      tokens.add(entry.token);
      if (!byToken.get(entry.token)?.has('claimed')) continue;
      if (processState(entry) === 'dead') removeFile(queueFile(paths, entry.token, 'claimed'));
      else awaited = true;
    }
    if (!awaited) removeFile(file);
  }
  return { tokens, unreadable };
}

/**
 * This request's result, looked for in the results files not yet examined (`seen` grows with
 * those examined: a group's file never gains an entry); with the name of one that cannot be read.
 * Only the named files when the names are known (from file events): listing a folder that every
 * writer changes many times per second waits on all of them.
 */
function findResult(
  paths: StorePaths,
  token: string,
  seen: Set<string>,
  names: Iterable<string> | null = null,
): { result: QueuedResult | null; group: QueuedResults | null; unreadable: string | null } {
  let unreadable: string | null = null;
  for (const name of names ?? listNames(queueFolder(paths)) ?? []) {
    const match = QUEUE_FILE.exec(name);
    if (!match || match[2] !== 'results' || seen.has(match[1])) continue;
    const text = readSmall(queueFile(paths, match[1], 'results'));
    if (text === null) continue;
    const group = parseQueueFile(text, match[1], queuedResultsSchema, 'group');
    if (!group) {
      unreadable ??= queueFile(paths, match[1], 'results');
      continue;
    }
    seen.add(match[1]);
    const entry = group.results.find((candidate) => candidate.token === token);
    if (!entry) continue;
    const parsed = queuedResultSchema.safeParse(entry);
    if (parsed.success) return { result: parsed.data, group, unreadable: null };
    unreadable ??= queueFile(paths, match[1], 'results');
  }
  return { result: null, group: null, unreadable };
}

function unreadableResults(paths: StorePaths, file: string): TrackError {
  return new TrackError(
    'E_CORRUPT_FILE',
    `The group commit results file ${paths.display(file)} cannot be read, and it may hold this write's result; the write was not run again. Inspect the file (a write's result is in it under its token), then remove it and retry.`,
    { file },
  );
}

/*
 * The queue's files are a few hundred bytes in one local folder, read and renamed many times per
 * second while writers wait: synchronous calls (microseconds each) cost far less on a busy machine
 * than a thread-pool round trip per call.
 */
/** A request file that is not JSON, left so since HALF_WRITTEN_MS ago. */
function leftHalfWritten(file: string, text: string, now = Date.now()): boolean {
  if (isJson(text)) return false;
  const info = fs.statSync(file, { throwIfNoEntry: false });
  return info !== undefined && now - info.mtimeMs >= HALF_WRITTEN_MS;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

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
  return error instanceof LockBusyNow || isTrackError(error, 'E_LOCK_TIMEOUT');
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
      return await ownRequest.run({ token: null, lockDir: paths.lockDir, quick: true }, () => run(once));
    } catch (error) {
      if (!lockBusy(error)) throw error;
    }
  }
  // A link where the queue or the tracks folder should be (a hostile clone) would carry requests
  // and results out of the store: such a store gets no queue, only the plain wait for the lock.
  if (!queueUsable(paths)) return run(ctx);
  const token = randomBytes(16).toString('hex');
  enqueue(paths, { token, operation: name, args, pid: process.pid, host: hostname(), queued_at: Date.now() });
  const waiter = new QueueWaiter(paths);
  const deadline = Date.now() + ctx.lockTimeoutMs;
  const examined = new Set<string>();
  try {
    for (;;) {
      if (waiter.take('result')) {
        const found = findResult(paths, token, examined, waiter.takeResultNames());
        if (found.result && found.group) return settle<T>(forget(paths, token, found.result.outcome, found.group));
      }
      // Tried when the lock folder went away, and now and then anyway: a takeover of an abandoned
      // lock (its holder killed or stopped) happens only in a thorough attempt to lock. A lock
      // folder seen gone and then found held is a new lock: that attempt gives up at once.
      const freed = waiter.take('lock') && lockFolderGone(paths);
      const periodic = waiter.take('try');
      if (freed || periodic) {
        const quick = !periodic && Date.now() < deadline;
        try {
          return await ownRequest.run({ token, lockDir: paths.lockDir, quick }, () => run(once));
        } catch (error) {
          if (error instanceof AlreadyCommitted) return settle<T>(forget(paths, token, error.outcome, error.group));
          if (!lockBusy(error)) throw error;
          // Withdrawn only while still waiting under its first name: once claimed, a holder may commit it.
          if (!quick && Date.now() >= deadline && removeFile(queueFile(paths, token, 'request'))) throw error;
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

/**
 * Written in place, not flushed: a request does not outlive its requester's interest. A holder
 * that reads it half-written finds no valid request and leaves it for the next holder (JSON is
 * invalid until its last byte), so no temp file and rename are needed in this busy folder.
 */
function enqueue(paths: StorePaths, request: Request): void {
  const file = queueFile(paths, request.token, 'request');
  if (!fs.existsSync(path.dirname(file))) fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, JSON.stringify(request), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') removeFile(file);
    throw error;
  }
}

/**
 * The requester's clean-up once it has its outcome: its claimed file first, then its group's
 * results file if no other entry of it is still claimed (else the last one to read it, or a holder,
 * removes it; see claim()). In the background: a removal in this folder can wait on every other
 * writer's file-system work, and the caller's next write need not wait for it. What is left when
 * the process exits is done then; a process killed first leaves it to the next holder.
 */
function forget(paths: StorePaths, token: string, outcome: Outcome, group: QueuedResults | null): Outcome {
  const claimed = queueFile(paths, token, 'claimed');
  const results = group && queueFile(paths, group.group, 'results');
  const othersSettled = () => !group || group.results.every((entry) => !exists(queueFile(paths, entry.token, 'claimed')));
  const now = () => {
    removeFile(claimed);
    if (results && othersSettled()) removeFile(results);
  };
  pendingCleanups.add(now);
  if (!cleanupAtExit) {
    cleanupAtExit = true;
    process.on('exit', () => {
      for (const cleanup of pendingCleanups) cleanup();
    });
  }
  fs.unlink(claimed, () => {
    if (!results || !othersSettled()) {
      pendingCleanups.delete(now);
      return;
    }
    fs.unlink(results, () => pendingCleanups.delete(now));
  });
  return outcome;
}

const pendingCleanups = new Set<() => void>();
let cleanupAtExit = false;

/**
 * Sleeps until something this requester cares about may have happened: its result file appeared,
 * or the lock folder changed; failing any event, a short poll, and every few polls a try of the
 * lock. No busy loop, and no lock attempt per file event: one wake-up per relevant event.
 */
class QueueWaiter {
  /** What may have changed since it was last looked at (all at first: nothing was looked at yet). */
  private readonly due = new Set<'result' | 'lock' | 'try'>(['result', 'lock']);
  /** Results files that appeared (from file events), or null: look at every one (at first, after a poll, an event without a name). */
  private resultNames: Set<string> | null = null;
  private polls = 0;
  private wake: (() => void) | null = null;
  private readonly watchers: fs.FSWatcher[] = [];

  constructor(paths: StorePaths) {
    const lockName = path.basename(paths.lockDir);
    this.watch(queueFolder(paths), (name) => {
      if (name !== null && !name.endsWith('.results.json')) return null;
      if (name === null) this.resultNames = null;
      else this.resultNames?.add(name);
      return 'result';
    });
    this.watch(paths.tracksDir, (name) => (name === null || name === lockName ? 'lock' : null));
  }

  /** The results files to look at since the last call: their names, or null for all. */
  takeResultNames(): string[] | null {
    const names = this.resultNames && [...this.resultNames];
    this.resultNames = new Set();
    return names;
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
        this.resultNames = null;
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

type Owner = { pid?: unknown; host?: unknown };

/**
 * A queue file's requesters (one, or a group's): dead when all are gone on this host, alive when one
 * runs; unreadable when the file is not JSON.
 */
function ownersState(text: string): 'dead' | 'alive' | 'unknown' | 'unreadable' {
  let document: (Owner & { results?: unknown }) | null;
  try {
    document = JSON.parse(text) as (Owner & { results?: unknown }) | null;
  } catch {
    return 'unreadable';
  }
  const owners: Owner[] = Array.isArray(document?.results) ? document.results as Owner[] : document ? [document] : [];
  const states = owners.map((owner) => (owner && typeof owner.pid === 'number' && typeof owner.host === 'string' ? processState({ pid: owner.pid, host: owner.host }) : 'unknown'));
  if (states.length > 0 && states.every((state) => state === 'dead')) return 'dead';
  return states.includes('alive') ? 'alive' : 'unknown';
}

/**
 * Queue files nobody will come for (for doctor): requests and results of a process that is gone
 * (on this host), or of another host's process or unreadable, older than a day; a request that is
 * not JSON a minute after it was created (its writer was killed mid-write, see HALF_WRITTEN_MS).
 * A holder removes most of them itself when it next runs the queue; a store nobody writes to keeps them.
 */
export async function abandonedQueueFiles(paths: StorePaths, now = Date.now()): Promise<string[]> {
  const dir = queueFolder(paths);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names) {
    const kind = QUEUE_FILE.exec(name)?.[2];
    if (!kind) continue;
    const file = path.join(dir, name);
    const [text, info] = await Promise.all([readFile(file, 'utf8').catch(() => null), stat(file).catch(() => null)]);
    if (text === null || !info) continue;
    const state = ownersState(text);
    // Only a request is written in place; a results file that is not JSON is damaged, and kept
    // a day: it may hold results whose requests must never run again.
    const staleAfter = kind === 'request' && state === 'unreadable' ? HALF_WRITTEN_MS : FOREIGN_STALE_MS;
    if (state === 'dead' || (state !== 'alive' && now - info.mtimeMs >= staleAfter)) found.push(file);
  }
  return found.sort();
}
