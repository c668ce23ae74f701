// TCP helpers for the stream drivers: a connect with timeout, per-tick write coalescing, a lightweight pipe for
// the many-small-files path (stream.pipeline costs an AbortController each), a pending request cut by an abort.
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { ConnectionLostError, TransientError } from '@sarra/common';
import { classifyError } from './classify.js';

/**
 * Connects to host:port with TCP_NODELAY. @throws ConnectionLostError (refused; timeout after `timeoutMs`, its
 * cause then a TransientError code ERR_TIMEOUT, so that the engine tells a silent remote from a refusing one).
 */
export function connectTcp(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      const why = `connect ${host}:${port}: no answer within ${timeoutMs / 1000} s`;
      reject(new ConnectionLostError(why, { cause: new TransientError(why, { code: 'ERR_TIMEOUT' }) }));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (e: unknown) => {
      clearTimeout(timer);
      reject(classifyError(e, `connect ${host}:${port}`));
    });
  });
}

/**
 * Coalesces every write made in one tick into one writev: ssh2 writes each SSH packet separately, and
 * with many SFTP requests in flight that is a syscall per packet (most of the CPU of a small-file put).
 * TCP_NODELAY stays on, so nothing waits past the end of the tick.
 */
export function autoCork(sock: net.Socket): void {
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  (sock as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  };
}

function noop(): void { /* errors after settling were already reported */ }

/**
 * src.pipe(dst) as a promise: resolves on dst 'finish', rejects on either side's error, a source closed
 * before its end, or `signal` (both streams are destroyed then).
 */
export function pump(src: Readable, dst: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => fail(abortReason(signal!));
    const done = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      src.on('error', noop);
      dst.on('error', noop);
    };
    const fail = (e: unknown): void => {
      if (settled) return;
      done();
      src.unpipe(dst);
      src.destroy();
      dst.destroy();
      reject(e);
    };
    if (signal?.aborted) { onAbort(); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    src.once('error', fail);
    dst.once('error', fail);
    src.once('close', () => {
      if (!src.readableEnded) fail(new TransientError('source closed before its end', { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
    dst.once('finish', () => {
      if (settled) return;
      done();
      resolve();
    });
    src.pipe(dst);
  });
}

/** The reason an aborted signal carries, as an Error (a TransientError code ERR_ABORTED when it has none). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  // a reason the aborter gave (a deadline's TransientError) is kept; abort() without one gives a bare AbortError
  const bare = r instanceof DOMException && r.name === 'AbortError';
  return r instanceof Error && !bare ? r : new TransientError('aborted', { code: 'ERR_ABORTED' });
}

/**
 * Waits for `pending` (a request on a shared connection that cannot itself be cancelled), or rejects with the
 * abort reason as soon as `signal` aborts. A value that arrives after the abort is handed to `discard` (close
 * the handle it opened).
 */
export function untilAborted<T>(pending: Promise<T>, signal: AbortSignal, discard: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    pending.then(discard, noop);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => { aborted = true; reject(abortReason(signal)); };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (v) => { signal.removeEventListener('abort', onAbort); if (aborted) discard(v); else resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
