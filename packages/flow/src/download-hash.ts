// Off-thread sha512/md5 for large downloads: hashing (the slowest step, ~200-600 MB/s) runs on a worker thread
// in parallel with socket reads and disk writes, so the checksum is checked in the same pass without being on the
// critical path.
import { Worker } from 'node:worker_threads';
import { TransientError } from '@sarra/common';

/** The worker: one hash per job id; each block is hashed then handed back (transferred) for writing and reuse. */
const WORKER_SRC = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = jobs.get(m.id);
    if (!h) { h = createHash(m.method); jobs.set(m.id, h); }
    h.update(new Uint8Array(m.buf, 0, m.len));
    parentPort.postMessage({ id: m.id, op: 'block', buf: m.buf, len: m.len, seq: m.seq }, [m.buf]);
  } else if (m.op === 'final') {
    const h = jobs.get(m.id) || createHash(m.method);
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, op: 'value', value: h.digest('base64') });
  } else if (m.op === 'drop') jobs.delete(m.id);
});`;

interface Reply { id: number; op: 'block' | 'value'; buf?: ArrayBuffer; len?: number; seq?: number; value?: string }

/** Callbacks of one job: blocks come back in the order they were sent. */
interface JobSink { block(buf: ArrayBuffer, len: number, seq: number): void; value(v: string): void; fail(e: Error): void }

let worker: Worker | undefined;
let nextId = 1;
const jobs = new Map<number, JobSink>();

function theWorker(): Worker {
  if (worker) return worker;
  // execArgv []: the worker needs no loader (tsx) and starts in milliseconds
  const w = new Worker(WORKER_SRC, { eval: true, name: 'sarra-hash', execArgv: [] });
  w.on('message', (m: Reply) => {
    const j = jobs.get(m.id);
    if (!j) return;
    if (m.op === 'block') j.block(m.buf!, m.len!, m.seq!);
    else { jobs.delete(m.id); j.value(m.value ?? ''); release(); }
  });
  const dead = (e: unknown): void => {
    worker = undefined;
    const err = new TransientError(`hash worker stopped: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    for (const j of jobs.values()) j.fail(err);
    jobs.clear();
  };
  w.on('error', dead);
  w.on('exit', (code) => { if (worker === w) dead(new Error(`exit ${code}`)); });
  w.unref();
  worker = w;
  return w;
}

/** The worker keeps the process alive only while a job is open. */
function release(): void {
  if (jobs.size === 0) worker?.unref();
}

/**
 * One off-thread hash. `update()` transfers the block (it is detached until `onBlock` hands it back, hashed,
 * in order); `final()` resolves with the base64 digest once every block sent before it was hashed.
 */
export class WorkerHash {
  private readonly id = nextId++;
  private seq = 0;
  private finalWaiter?: { resolve: (v: string) => void; reject: (e: Error) => void };
  private failed?: Error;

  constructor(private readonly method: 'sha512' | 'md5', onBlock: (buf: ArrayBuffer, len: number, seq: number) => void, onFail: (e: Error) => void) {
    const w = theWorker();
    jobs.set(this.id, {
      block: onBlock,
      value: (v) => this.finalWaiter?.resolve(v),
      fail: (e) => { this.failed = e; this.finalWaiter?.reject(e); onFail(e); },
    });
    w.ref();
  }

  /** Sends `len` bytes of `buf` (transferred: do not touch it until it comes back). Returns its sequence number. */
  update(buf: ArrayBuffer, len: number): number {
    const seq = this.seq++;
    if (this.failed) throw this.failed;
    theWorker().postMessage({ op: 'update', id: this.id, method: this.method, buf, len, seq }, [buf]);
    return seq;
  }

  final(): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<string>((resolve, reject) => {
      this.finalWaiter = { resolve, reject };
      theWorker().postMessage({ op: 'final', id: this.id, method: this.method });
    });
  }

  /** Abandons the job (error path). */
  drop(): void {
    if (!jobs.delete(this.id)) return;
    worker?.postMessage({ op: 'drop', id: this.id });
    release();
  }
}
