// The built-in download: into a temporary name under the destination, checksum in the same pass, rename when whole.
// Every path is reached through confined-fs (directories opened one component at a time, no symlink on the way
// unless follow_symlinks), so a notice cannot write, through a link, anywhere outside its destination root.
import { chmod, lstat, open, rename, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '@sarra/common';
import { ConnectionLostError, PathEscapeError, PermanentError, TransientError, redact } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { Identity, IdentityMethod, Notice } from '@sarra/message';
import { REPORT, createHasher, msFromTimestamp } from '@sarra/message';
import type { ConfinedDir, TransferPool } from '@sarra/transfer';
import { confine, openDirUnder, openFileUnder, realPathsIn } from '@sarra/transfer';
import type { FlowMetrics } from './types.js';
import { BlockFill, collectBody, streamToFile } from './download-sink.js';
import { writeSmallFile } from './download-writer.js';
import { applyFileOp, destRootOf, finalPath, renameInPlace } from './fileops.js';
import { countTransfer } from './metrics.js';
import { deleteSource, sameAsLocal, type SourceRemover } from './download-local.js';
import { sourceUrl } from './filter.js';
import type { ByteRateLimiter } from './rate-limit.js';
import type { WorkFn } from './engine.js';
import type { WorkItem } from './types.js';

/** What a downloader needs besides the options. */
export interface DownloadContext {
  pool: TransferPool;
  logger: Logger;
  metrics?: FlowMetrics;
  /** byteRateMax: the instance's byte budget, shared with its other transfers. */
  rate?: ByteRateLimiter;
}

/** Where a file is written while incomplete, from `inflight`: `.tmp` suffix (default), `.` prefix, `dir/` subdir, `None`. */
export function inflightPath(finalPath: string, inflight: string | number | undefined): string {
  const spec = typeof inflight === 'string' ? inflight : '.tmp';
  if (spec === '' || spec.toLowerCase() === 'none') return finalPath;
  const dir = dirname(finalPath), name = basename(finalPath);
  if (spec === '.') return join(dir, `.${name}`);
  if (spec.endsWith('/')) return join(dir, spec, name);
  if (spec.startsWith('.')) return `${finalPath}${spec}`;
  return `${finalPath}${spec}`;
}

/**
 * Joins a base URL path and a relPath (or retrievePath) into the plain remote path a Transfer expects.
 * http(s)/file: always absolute ('/' + URL path + relPath). sftp follows sr3's `cd` convention: with a
 * bare `sftp://host/` (path '/'), a relPath without a leading '/' stays relative (to the login directory)
 * and an absolute one is used as is; a baseUrl with a path (`sftp://host/some/dir/`) is joined in front.
 * That way a sender with a relative `directory` and a subscriber of its output name the same file.
 */
export function remotePath(notice: Notice): string {
  const rel = notice.retrievePath ?? notice.relPath;
  let base = '/';
  let sftp = false;
  try {
    const u = new URL(notice.baseUrl);
    sftp = u.protocol === 'sftp:';
    base = decodeURIComponent(u.pathname || '/') || '/';
  } catch { base = '/'; }
  if (sftp && base === '/') return rel;
  if (!base.endsWith('/')) base += '/';
  return base + rel.replace(/^\/+/, '');
}

/** The algorithm to run while downloading, and whether its value must equal the notice's. */
function plan(o: Options, n: Notice): { method?: IdentityMethod; compare: boolean } {
  const id = n.identity;
  if (!id) {
    const m = o.identity?.split(',').pop() as IdentityMethod | undefined;
    return { method: m === 'sha512' || m === 'md5' ? m : undefined, compare: false };
  }
  if (id.method === 'sha512' || id.method === 'md5') return { method: id.method, compare: true };
  if (id.method === 'cod') {
    const algo = id.value.toLowerCase();
    return { method: algo === 'md5' ? 'md5' : 'sha512', compare: false };
  }
  return { compare: false };
}

/** Bodies up to this size (bytes, from the notice) are read into memory and written with one write. */
const SMALL_BODY_MAX = 1 << 20;
/** From this size (bytes) the checksum runs on the hash worker thread, in parallel with the disk writes. */
const OFF_THREAD_MIN = 8 << 20;

/** The process umask, read once: a mode it would not change needs no chmod after open(). */
const UMASK = ((): number => { try { return process.umask(); } catch { return 0o022; } })();

/** The mode a finished file must have (permCopy / permDefault), or undefined for "whatever open gives". */
function wantedMode(o: Options, n: Notice): number | undefined {
  if (o.permCopy && n.mode && /^[0-7]{3,4}$/.test(n.mode)) return parseInt(n.mode, 8);
  if (o.permDefault) return o.permDefault;
  return undefined;
}

/** [atime, mtime] in seconds to set (timeCopy), or undefined. A bad time is not worth failing a good file. */
function wantedTimes(o: Options, n: Notice): [number, number] | undefined {
  if (!o.timeCopy || !n.mtime) return undefined;
  try {
    const m = msFromTimestamp(n.mtime) / 1000;
    return [n.atime ? msFromTimestamp(n.atime) / 1000 : m, m];
  } catch { return undefined; }
}

/** Applies the wanted mode (when open's mode + umask did not give it) and times to a finished file. */
async function finishAttrs(path: string, mode: number | undefined, times: [number, number] | undefined): Promise<void> {
  if (mode !== undefined && (mode & ~UMASK) !== mode) await chmod(path, mode);
  if (times) await utimes(path, times[0], times[1]);
}

/** Temp paths being written by this process: a second writer of the same path waits for a retry. */
const busy = new Set<string>();

function inlineBody(n: Notice): Buffer {
  const c = n.content!;
  const enc = c.encoding === 'base64' ? 'base64' : c.encoding === 'iso-8859-1' ? 'latin1' : 'utf8';
  return Buffer.from(c.value, enc);
}

function isFileUrl(n: Notice): boolean {
  return /^file:/i.test(n.baseUrl);
}

/**
 * Refuses a file: source early (before anything is made) unless baseDir allows it and the path is below it by
 * text; returns the local root it must be read under.
 */
function checkFileSource(o: Options, n: Notice): string {
  if (!o.baseDir) throw new PathEscapeError(`file: baseUrl refused (set baseDir to allow local copies from below it): ${n.baseUrl} ${n.relPath}`);
  const root = resolve(o.baseDir);
  confine(root, remotePath(n));
  return root;
}

/**
 * The source of a download. A `file:` baseUrl is read only when the configuration names a local `baseDir`, and
 * then only below it (resolved on disk, symlinks checked on the opened file): a remote publisher must not pull
 * the pump's own files out through it. Other schemes go through the pool's driver.
 */
async function openSource(o: Options, ctx: DownloadContext, n: Notice, opts: { signal: AbortSignal; offset?: number; sizeHint?: number; into?: BlockFill }): Promise<Readable> {
  let src: Readable;
  if (isFileUrl(n)) {
    const fh = await openFileUnder(checkFileSource(o, n), remotePath(n), { follow: true });
    src = fh.createReadStream({ start: opts.offset ?? 0, autoClose: true, highWaterMark: 256 * 1024, signal: opts.signal });
  } else {
    const t = await ctx.pool.get(n.baseUrl);
    // paced bodies come as 'data' events: never straight into the blocks
    src = await t.getStream(remotePath(n), ctx.rate ? { ...opts, into: undefined } : opts);
  }
  return ctx.rate ? ctx.rate.throttle(src, opts.signal) : src;
}

/** dry_run (simulate): what the download of `item` would do, logged; nothing is read, written or removed. */
function simulate(o: Options, ctx: DownloadContext, item: WorkItem): void {
  const n = item.notice;
  const here = finalPath(item, destRootOf(o, item));
  const op = n.fileOp;
  const what = op && !n.identity && n.content === undefined
    ? `${op.remove !== undefined ? (op.directory !== undefined ? 'rmdir' : 'remove') : op.directory !== undefined ? 'mkdir' : op.link !== undefined ? `link to ${op.link}` : op.hlink !== undefined ? `hard link to ${op.hlink}` : `rename from ${op.rename}`} ${here}`
    : n.content !== undefined ? `write inline content to ${here}` : `download ${redact(sourceUrl(n))} to ${here}${o.delete ? ' and delete the source' : ''}`;
  ctx.logger.info(`dry_run: would ${what}`);
  item.reportMessage = 'dry_run: nothing done';
}

/** Bytes already in a partial temp file left by a crash or a broken transfer, worth resuming (0: start afresh). */
async function resumable(tmp: string, n: Notice, compare: boolean): Promise<number> {
  if (!compare || typeof n.size !== 'number') return 0;
  const st = await lstat(tmp).catch(() => undefined);
  return st?.isFile() && st.size > 0 && st.size < n.size ? st.size : 0;
}

/** The checksum of a whole local file (a resumed download is verified over all of it). */
async function hashFile(path: string, method: IdentityMethod, relPath: string): Promise<string> {
  const fh = await open(path, 'r');
  const h = createHasher(method, relPath);
  try {
    for await (const c of fh.createReadStream({ highWaterMark: 1 << 20 })) h.update(c as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.value();
}

/**
 * Builds the download WorkFn. fileOp items are applied locally (fileops.ts); inline `content` is written
 * without a transfer; everything else is fetched from baseUrl+relPath. Bodies of known size up to
 * SMALL_BODY_MAX are collected in memory, hashed, and written with one write to the temp name (nothing is
 * written when they mismatch); larger ones stream in 1 MiB blocks, hashed in the same pass (on a worker thread
 * from OFF_THREAD_MIN). A large download whose identity is known keeps its partial temp file when the transfer
 * breaks (or the process dies), and the next attempt resumes it from where it stopped (the driver's offset:
 * HTTP Range) and verifies the whole file. Checksum or size mismatch: the temp file is removed, nothing is left
 * at the final path, `totals.mismatch` counted, PermanentError 499 thrown (not retried; a mismatch of a resumed
 * file is retried once from zero). Transfer problems throw TransientError (retry); a path that leads out of the
 * destination root on disk throws PathEscapeError (422).
 *
 * Options: `dry_run` logs what would be done and touches nothing (sr3's simulation: the notice then goes on as
 * done). `overwrite off`: a destination already holding an identical file (same size and checksum, or the same
 * inline bytes) is not downloaded again: PermanentError 304, which the engine takes as a rejection (acked, not
 * posted). `acceptSizeWrong`: a body of another size than announced is kept (warned) and announced with its real
 * size and checksum; it is never resumed. `delete`: the source is removed at its origin once the file is in place.
 * `byteRateMax` (ctx.rate): the body is paced to the instance's byte budget.
 */
export function makeDownloader(o: Options, ctx: DownloadContext): WorkFn {
  const walk = { create: true, mode: o.permDirDefault || 0o775, follow: o.follow_symlinks };
  const remover: SourceRemover = { pool: ctx.pool, logger: ctx.logger, warned: new Set() };
  return async (item, signal) => {
    const n = item.notice;
    if (o.dry_run) {
      simulate(o, ctx, item);
      return;
    }
    if (n.fileOp && !n.identity && !n.content) {
      await applyFileOp(o, item);
      return;
    }
    if (n.fileOp?.rename !== undefined && (await renameInPlace(o, item))) return;
    if (isFileUrl(n) && !n.content) checkFileSource(o, n);
    const root = destRootOf(o, item);
    const final = finalPath(item, root);
    const tmp = inflightPath(final, o.inflight);
    if (busy.has(tmp)) throw new TransientError(`${final} is being written by another transfer`);
    busy.add(tmp);
    const dirs: ConfinedDir[] = [];
    try {
      let fdir: ConfinedDir, tdir: ConfinedDir;
      try {
        fdir = await openDirUnder(root, dirname(final), walk);
        dirs.push(fdir);
        tdir = dirname(tmp) === dirname(final) ? fdir : await openDirUnder(root, dirname(tmp), walk);
        if (tdir !== fdir) dirs.push(tdir);
      } catch (err: unknown) {
        if (err instanceof PermanentError) throw err;
        throw new TransientError(`download ${n.relPath}: ${realPathsIn((err as Error)?.message ?? String(err))}`, { cause: err });
      }
      const tmpP = tdir.at(basename(tmp));
      const finalP = fdir.at(basename(final));
      const p = plan(o, n);
      const mode = wantedMode(o, n);
      const times = wantedTimes(o, n);
      const openMode = mode ?? 0o644;
      if (!o.overwrite && (await sameAsLocal(finalP, n, n.content !== undefined ? inlineBody(n) : undefined))) {
        throw new PermanentError(`not overwriting identical local file ${final}`, { code: 'ERR_UNCHANGED', reportCode: REPORT.duplicate });
      }
      let bytes: number;
      let got: string | undefined;
      let written = false;
      let finished = false;
      let resumedFrom = 0;
      try {
        // acceptSizeWrong: a body may be longer than announced, so it is streamed whole rather than collected
        const small = n.content !== undefined || (!o.acceptSizeWrong && typeof n.size === 'number' && n.size <= SMALL_BODY_MAX);
        if (small) {
          let body: { buf: Buffer; bytes: number };
          if (n.content) {
            const buf = inlineBody(n);
            body = { buf, bytes: buf.length };
          } else {
            const src = await openSource(o, ctx, n, { signal });
            body = await collectBody(src, n.size as number, signal);
          }
          bytes = body.bytes;
          if (p.method) {
            const h = createHasher(p.method, n.relPath);
            h.update(body.buf);
            got = h.value();
          }
          if (!mismatch(n, p.compare, bytes, got, o.acceptSizeWrong)) {
            written = true;
            finished = true;
            // mode, times and the rename happen on the writer thread with the write
            await writeSmallFile({
              tmp: tmpP, buf: body.buf, mode: openMode, times, final: tmp !== final ? finalP : undefined,
              chmod: mode !== undefined && (mode & ~UMASK) !== mode ? mode : undefined,
            });
          }
        } else {
          // a body whose size may differ from the notice (acceptSizeWrong) has changed: never resumed
          resumedFrom = tmp !== final && !o.acceptSizeWrong ? await resumable(tmpP, n, p.compare) : 0;
          // sizeHint, into: the http driver reads big bodies on a raw socket straight into the blocks (others ignore them)
          const fill = new BlockFill();
          const src = await openSource(o, ctx, n, { signal, offset: resumedFrom || undefined, sizeHint: n.size, into: resumedFrom ? undefined : fill });
          // opened only once the source answered: a refused connection leaves nothing behind
          written = true;
          const method = !resumedFrom && (p.method === 'sha512' || p.method === 'md5') ? p.method : undefined;
          const r = await streamToFile(src, tmpP, { method, offThread: typeof n.size === 'number' && n.size >= OFF_THREAD_MIN, mode: openMode, signal, fill, append: resumedFrom });
          bytes = resumedFrom + r.bytes;
          got = resumedFrom && p.method ? await hashFile(tmpP, p.method, n.relPath) : r.value;
          if (resumedFrom) ctx.logger.info(`resumed ${final} from byte ${resumedFrom}`);
        }
      } catch (err: unknown) {
        // a broken large transfer of a known identity (or one stopped) keeps what arrived: the next try resumes it
        const keep = written && !finished && !(err instanceof PermanentError) && p.compare && tmp !== final;
        if (written && !keep) await unlink(tmpP).catch(() => {});
        if (err instanceof ConnectionLostError) await ctx.pool.drop(n.baseUrl);
        if (err instanceof PermanentError || err instanceof TransientError) throw err;
        throw new TransientError(`download ${n.relPath}: ${realPathsIn((err as Error)?.message ?? String(err))}`, { cause: err });
      }
      const wrong = mismatch(n, p.compare, bytes, got, o.acceptSizeWrong);
      if (wrong) {
        if (written) await unlink(tmpP).catch(() => {});
        ctx.metrics?.inc('totals.mismatch');
        if (resumedFrom) throw new TransientError(`mismatch after resuming from byte ${resumedFrom}: ${wrong}: ${n.relPath} (retried from zero)`);
        throw new PermanentError(`mismatch: ${wrong}: ${n.relPath}`, { code: 'ERR_MISMATCH', reportCode: REPORT.failed });
      }
      const sizeWrong = sizeDiffers(n, bytes);
      if (sizeWrong) {
        ctx.logger.warning(`acceptSizeWrong: ${final} is ${bytes} bytes, the notice said ${n.size}: kept, announced with its real size`);
        item.newSize = bytes;
      }
      if (got && p.method && (!p.compare || sizeWrong || n.identity?.method === 'cod')) item.newIdentity = { method: p.method, value: got } satisfies Identity;
      if (!finished) {
        await finishAttrs(tmpP, mode, times);
        if (tmp !== final) await rename(tmpP, finalP);
      }
      if (o.delete && n.content === undefined) {
        await deleteSource({ ...remover, localRoot: isFileUrl(n) ? checkFileSource(o, n) : undefined }, n, remotePath(n));
      }
      item.bytes = bytes;
      countTransfer(ctx.metrics, 'Rx', bytes - resumedFrom);
      if (ctx.logger.enabled('debug')) ctx.logger.debug(`downloaded ${final} (${bytes} bytes)`);
    } finally {
      busy.delete(tmp);
      for (const d of dirs) await d.close();
    }
  };
}

/** True when a fetched body's size is not the one announced (inline content is checked by its checksum only). */
function sizeDiffers(n: Notice, bytes: number): boolean {
  return typeof n.size === 'number' && !n.content && bytes !== n.size;
}

/**
 * What is wrong with a finished body (size, then checksum), or undefined when it is good. With `sizeWrongOk`
 * (acceptSizeWrong) a body of another size is good: its checksum cannot be the announced one either.
 */
function mismatch(n: Notice, compare: boolean, bytes: number, got: string | undefined, sizeWrongOk: boolean): string | undefined {
  if (sizeDiffers(n, bytes)) return sizeWrongOk ? undefined : `size ${bytes} != ${n.size}`;
  if (compare && got !== undefined && got !== n.identity?.value) return `${n.identity?.method} checksum differs`;
  return undefined;
}
