import type { FileHandle } from 'node:fs/promises';

/**
 * Files opened for reading while `work` runs, and the bytes read from them: through node:fs/promises
 * (open, readFile) and node:fs (openSync/readSync, readFileSync), as the core reads (small files
 * synchronously, see src/core/storage/file-info.ts). Wraps the modules' own objects, which the
 * core's calls go through.
 */
export async function filesRead<T>(work: () => Promise<T>, options: { under?: string } = {}): Promise<{ result: T; files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  /** Only files under this folder count (a store's own files, not the user's cache folder). */
  const counted = (file: unknown) => options.under === undefined || String(file).startsWith(options.under);
  // The module object itself (an `import * as` copy would not reach the core's calls).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to wrap its functions
  const api = require('node:fs/promises') as Record<string, (...args: unknown[]) => unknown>;
  const originals = { open: api.open, readFile: api.readFile };
  api.open = async (file: unknown, flags: unknown, ...rest: unknown[]) => {
    const handle = (await originals.open(file, flags, ...rest)) as FileHandle;
    if ((flags !== undefined && flags !== 'r') || !counted(file)) return handle;
    files.push(String(file));
    const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<{ bytesRead: number }>;
    const readFile = handle.readFile.bind(handle) as (...args: unknown[]) => Promise<string | Buffer>;
    Object.assign(handle, {
      read: async (...args: unknown[]) => {
        const done = await read(...args);
        bytes += done.bytesRead;
        return done;
      },
      readFile: async (...args: unknown[]) => {
        const text = await readFile(...args);
        bytes += Buffer.byteLength(text);
        return text;
      },
    });
    return handle;
  };
  api.readFile = async (file: unknown, ...rest: unknown[]) => {
    const text = (await originals.readFile(file, ...rest)) as string | Buffer;
    if (!counted(file)) return text;
    files.push(String(file));
    bytes += Buffer.byteLength(text);
    return text;
  };
  // Small files are read synchronously (storage/file-info.ts): the same count through node:fs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to wrap its functions
  const syncApi = require('node:fs') as Record<string, (...args: unknown[]) => unknown>;
  const syncOriginals = { openSync: syncApi.openSync, readSync: syncApi.readSync, readFileSync: syncApi.readFileSync };
  const readFds = new Set<number>();
  syncApi.openSync = (file: unknown, flags: unknown, ...rest: unknown[]) => {
    const fd = syncOriginals.openSync(file, flags, ...rest) as number;
    if (isReadOnly(flags) && counted(file)) {
      files.push(String(file));
      readFds.add(fd);
    } else {
      readFds.delete(fd);
    }
    return fd;
  };
  syncApi.readSync = (fd: unknown, ...rest: unknown[]) => {
    const done = syncOriginals.readSync(fd, ...rest) as number;
    if (readFds.has(fd as number)) bytes += done;
    return done;
  };
  syncApi.readFileSync = (file: unknown, ...rest: unknown[]) => {
    const text = syncOriginals.readFileSync(file, ...rest) as string | Buffer;
    if (typeof file !== 'string' || !counted(file)) return text;
    files.push(file);
    bytes += Buffer.byteLength(text);
    return text;
  };
  try {
    return { result: await work(), files, bytes };
  } finally {
    api.open = originals.open;
    api.readFile = originals.readFile;
    Object.assign(syncApi, syncOriginals);
  }
}

/** Opened only to read: no flags, 'r', or numeric flags whose access mode is O_RDONLY (the core opens documents O_NONBLOCK). */
function isReadOnly(flags: unknown): boolean {
  return flags === undefined || flags === 'r' || (typeof flags === 'number' && (flags & 3) === 0);
}
