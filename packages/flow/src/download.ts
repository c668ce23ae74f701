// The built-in download: into a temporary name under the destination, checksum in the same pass, rename when whole.
import { chmod, mkdir, rename, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '@sarra/common';
import { ConnectionLostError, PermanentError, TransientError } from '@sarra/common';
import type { Options } from '@sarra/config';
import type { Identity, IdentityMethod, Notice } from '@sarra/message';
import { createHasher, msFromTimestamp } from '@sarra/message';
import type { TransferPool } from '@sarra/transfer';
import { confine } from '@sarra/transfer';
import type { FlowMetrics, WorkItem } from './types.js';
import { BlockFill, collectBody, streamToFile } from './download-sink.js';
import { writeSmallFile } from './download-writer.js';
import { applyFileOp, renameInPlace } from './fileops.js';
import { countTransfer } from './metrics.js';
import type { WorkFn } from './engine.js';

/** What a downloader needs besides the options. */
export interface DownloadContext {
  pool: TransferPool;
  logger: Logger;
  metrics?: FlowMetrics;
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

/** The local path an item is written to: newDir/newFile, else relPath under `directory` (confined). */
export function localPath(o: Options, item: WorkItem): string {
  if (item.newDir !== undefined && item.newFile !== undefined) return join(item.newDir, item.newFile);
  const rel = item.newRelPath ?? item.notice.relPath;
  return confine(resolve(o.directory || '.'), rel.replace(/^\/+/, ''));
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

const dirsMade = new Set<string>();

async function mkdirp(dir: string, mode: number): Promise<void> {
  if (dirsMade.has(dir)) return;
  await mkdir(dir, { recursive: true, mode: mode || 0o775 });
  if (dirsMade.size > 10_000) dirsMade.clear();
  dirsMade.add(dir);
}

/** Bodies up to this size (bytes, from the notice) are read into memory and written with one write. */
export const SMALL_BODY_MAX = 1 << 20;
/** From this size (bytes) the checksum runs on the hash worker thread, in parallel with the disk writes. */
export const OFF_THREAD_MIN = 8 << 20;

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

/**
 * Builds the download WorkFn. fileOp items are applied locally (fileops.ts); inline `content` is written
 * without a transfer; everything else is fetched from baseUrl+relPath. Bodies of known size up to
 * SMALL_BODY_MAX are collected in memory, hashed, and written with one write to the temp name (nothing is
 * written when they mismatch); larger ones stream in 1 MiB blocks, hashed in the same pass (on a worker thread
 * from OFF_THREAD_MIN). Checksum or size mismatch: the temp file is removed, nothing is left at the final
 * path, `totals.mismatch` counted, PermanentError 499 thrown (not retried). Transfer problems throw
 * TransientError (retry).
 */
export function makeDownloader(o: Options, ctx: DownloadContext): WorkFn {
  return async (item, signal) => {
    const n = item.notice;
    if (n.fileOp && !n.identity && !n.content) {
      await applyFileOp(o, item);
      return;
    }
    if (n.fileOp?.rename !== undefined && (await renameInPlace(o, item))) return;
    const final = localPath(o, item);
    const tmp = inflightPath(final, o.inflight);
    if (busy.has(tmp)) throw new TransientError(`${final} is being written by another transfer`);
    busy.add(tmp);
    try {
      await mkdirp(dirname(tmp), o.permDirDefault);
      if (tmp !== final) await mkdirp(dirname(final), o.permDirDefault);
      const p = plan(o, n);
      const mode = wantedMode(o, n);
      const times = wantedTimes(o, n);
      const openMode = mode ?? 0o644;
      let bytes: number;
      let got: string | undefined;
      let written = false;
      let finished = false;
      try {
        const small = n.content !== undefined || (typeof n.size === 'number' && n.size <= SMALL_BODY_MAX);
        if (small) {
          let body: { buf: Buffer; bytes: number };
          if (n.content) {
            const buf = inlineBody(n);
            body = { buf, bytes: buf.length };
          } else {
            const t = await ctx.pool.get(n.baseUrl);
            const src = await t.getStream(remotePath(n), { signal });
            body = await collectBody(src, n.size as number, signal);
          }
          bytes = body.bytes;
          if (p.method) {
            const h = createHasher(p.method, n.relPath);
            h.update(body.buf);
            got = h.value();
          }
          if (!mismatch(n, p.compare, bytes, got)) {
            written = true;
            finished = true;
            // mode, times and the rename happen on the writer thread with the write
            await writeSmallFile({
              tmp, buf: body.buf, mode: openMode, times, final: tmp !== final ? final : undefined,
              chmod: mode !== undefined && (mode & ~UMASK) !== mode ? mode : undefined,
            });
          }
        } else {
          const t = await ctx.pool.get(n.baseUrl);
          // sizeHint, into: the http driver reads big bodies on a raw socket straight into the blocks (others ignore them)
          const fill = new BlockFill();
          const src = await t.getStream(remotePath(n), { signal, sizeHint: n.size, into: fill });
          // opened only once the source answered: a refused connection leaves nothing behind
          written = true;
          const method = p.method === 'sha512' || p.method === 'md5' ? p.method : undefined;
          const r = await streamToFile(src, tmp, { method, offThread: typeof n.size === 'number' && n.size >= OFF_THREAD_MIN, mode: openMode, signal, fill });
          bytes = r.bytes;
          got = r.value;
        }
      } catch (err: unknown) {
        if (written) await unlink(tmp).catch(() => {});
        // a directory removed since it was made (rmdir fileOp, operator): make it again on the retry
        if ((err as { code?: unknown } | undefined)?.code === 'ENOENT') { dirsMade.delete(dirname(tmp)); dirsMade.delete(dirname(final)); }
        if (err instanceof ConnectionLostError) await ctx.pool.drop(n.baseUrl);
        if (err instanceof PermanentError || err instanceof TransientError) throw err;
        throw new TransientError(`download ${n.relPath}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
      const wrong = mismatch(n, p.compare, bytes, got);
      if (wrong) {
        if (written) await unlink(tmp).catch(() => {});
        ctx.metrics?.inc('totals.mismatch');
        throw new PermanentError(`mismatch: ${wrong}: ${n.relPath}`, { code: 'ERR_MISMATCH', reportCode: 499 });
      }
      if (got && p.method && (!p.compare || n.identity?.method === 'cod')) item.newIdentity = { method: p.method, value: got } satisfies Identity;
      if (!finished) {
        await finishAttrs(tmp, mode, times);
        if (tmp !== final) await rename(tmp, final);
      }
      item.bytes = bytes;
      countTransfer(ctx.metrics, 'Rx', bytes);
      if (ctx.logger.enabled('debug')) ctx.logger.debug(`downloaded ${final} (${bytes} bytes)`);
    } finally {
      busy.delete(tmp);
    }
  };
}

/** What is wrong with a finished body (size, then checksum), or undefined when it is good. */
function mismatch(n: Notice, compare: boolean, bytes: number, got: string | undefined): string | undefined {
  if (typeof n.size === 'number' && !n.content && bytes !== n.size) return `size ${bytes} != ${n.size}`;
  if (compare && got !== undefined && got !== n.identity?.value) return `${n.identity?.method} checksum differs`;
  return undefined;
}
