// Small downloaded files are written by one worker thread: open/write/futimes/fchmod/close/rename as plain
// synchronous syscalls there, many files per message. On the main thread each of those would be a thread-pool
// hand-off (measured ~100-300 us of main-thread CPU per file on a loaded 2-CPU host); here it is one message.
import { Worker } from 'node:worker_threads';
import { TransientError } from '@sarra/common';

const WORKER_SRC = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
function openFresh(p, mode) {
  try { return fs.openSync(p, 'wx', mode); } catch (e) { if (e.code !== 'EEXIST') throw e; }
  try { fs.unlinkSync(p); } catch (e) { if (e.code !== 'ENOENT') throw e; }
  return fs.openSync(p, 'wx', mode);
}
parentPort.on('message', (batch) => {
  const out = [];
  for (const j of batch) {
    try {
      const fd = openFresh(j.tmp, j.mode);
      try {
        const b = j.buf;
        let off = 0;
        while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off, off);
        if (j.chmod !== undefined) fs.fchmodSync(fd, j.chmod);
        if (j.times) fs.futimesSync(fd, j.times[0], j.times[1]);
      } finally { fs.closeSync(fd); }
      if (j.final !== undefined) fs.renameSync(j.tmp, j.final);
      out.push({ id: j.id });
    } catch (e) {
      out.push({ id: j.id, err: { message: String(e && e.message), code: e && e.code, syscall: e && e.syscall, path: e && e.path } });
    }
  }
  parentPort.postMessage(out);
});`;

/** One small file to write. */
export interface SmallWrite {
  /** Temp path, created afresh (a leftover is replaced) with `mode` (subject to the umask). */
  tmp: string;
  buf: Uint8Array;
  mode: number;
  /** Applied with fchmod when the umask would strip bits of the wanted mode. */
  chmod?: number;
  /** [atime, mtime] in seconds. */
  times?: [number, number];
  /** Renamed to this once written (omit when the temp name is the final one). */
  final?: string;
}

interface Done { id: number; err?: { message: string; code?: string; syscall?: string; path?: string } }

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let queue: (SmallWrite & { id: number })[] = [];
let scheduled = false;

function theWorker(): Worker {
  if (worker) return worker;
  // execArgv []: the worker needs no loader (tsx) and starts in milliseconds
  const w = new Worker(WORKER_SRC, { eval: true, name: 'sarra-writer', execArgv: [] });
  w.on('message', (done: Done[]) => {
    for (const d of done) {
      const p = waiting.get(d.id);
      if (!p) continue;
      waiting.delete(d.id);
      if (!d.err) { p.resolve(); continue; }
      const e = new Error(d.err.message) as NodeJS.ErrnoException;
      e.code = d.err.code;
      e.syscall = d.err.syscall;
      e.path = d.err.path;
      p.reject(e);
    }
    if (waiting.size === 0) w.unref();
  });
  const dead = (e: unknown): void => {
    if (worker === w) worker = undefined;
    const err = new TransientError(`file writer stopped: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    for (const p of waiting.values()) p.reject(err);
    waiting.clear();
  };
  w.on('error', dead);
  w.on('exit', (code) => dead(new Error(`exit ${code}`)));
  worker = w;
  return w;
}

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (!batch.length) return;
  const w = theWorker();
  w.ref();
  w.postMessage(batch);
}

/**
 * Writes one small file on the writer thread (batched with the others of this event-loop turn). Resolves
 * once it is written (and renamed); rejects with the syscall's error (code, syscall, path kept) or a
 * TransientError if the writer thread died. On rejection the temp file may exist: the caller removes it.
 */
export function writeSmallFile(job: SmallWrite): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    queue.push({ ...job, id });
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
}
