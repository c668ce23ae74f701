// The sender's transfer: push one local file (or file operation) to sendTo under an inflight name, then rename.
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { posix } from 'node:path';
import { ConnectionLostError, PathEscapeError, PermanentError, TransientError, describeError, redact } from '@sarra/common';
import type { Logger } from '@sarra/common';
import type { Options } from '@sarra/config';
import { REPORT } from '@sarra/message';
import type { ByteRateLimiter, FlowMetrics, WorkFn, WorkItem } from '@sarra/flow';
import { countTransfer, inflightPath } from '@sarra/flow';
import type { Transfer, TransferPool } from '@sarra/transfer';
import { confine, confineLink, confinedTransfer, openFileUnder } from '@sarra/transfer';

/** Files up to this size are read in one call rather than streamed (cheaper for the many small files of a pump). */
const ONE_READ_MAX = 1024 * 1024;

export interface SendContext {
  pool: TransferPool;
  logger: Logger;
  metrics?: FlowMetrics;
  /** byteRateMax: the instance's byte budget (bytes/s), shared by its sends in flight. */
  rate?: ByteRateLimiter;
}

/** The local root a sender reads from: baseDir, else post_baseDir, else '/'. */
export function localRootOf(o: Pick<Options, 'baseDir' | 'post_baseDir'>): string {
  return posix.resolve(o.baseDir || o.post_baseDir || '/');
}

/** The path part of sendTo (`sftp://u@h/` -> '/', `sftp://u@h/in/` -> '/in/'). */
export function sendRootOf(sendTo: string): string {
  const p = decodeURIComponent(new URL(sendTo).pathname || '/');
  return posix.normalize(p.startsWith('/') ? p : `/${p}`);
}

/**
 * The remote path of an accepted item: newDir/newFile (set by the engine's setDestination from
 * directory/mirror/strip/flatten). An absolute directory is used as is. A relative one is placed under
 * the sendTo URL path when that has one, else it stays relative: like sr3's sftp `cd`, relative to the
 * login directory. Always confined ('..' refused). @throws PathEscapeError (422).
 */
export function remoteFinalPath(sendTo: string, item: WorkItem): string {
  const root = sendRootOf(sendTo);
  const dir = item.newDir ?? '';
  const file = item.newFile ?? posix.basename(item.notice.relPath);
  if (!file || file === '.' || file === '..' || file.includes('/')) throw new PathEscapeError(`no file name for ${item.notice.relPath}`);
  if (posix.isAbsolute(dir)) return confine(dir, file);
  if (root !== '/') return confine(root, posix.join(dir, file));
  return confine('/', posix.join(dir, file)).slice(1);
}

/**
 * The target a remote link is made with. An absolute target is mapped under the send root, as the local side
 * maps it under its root (sr3 mirrors the tree, not the source host's layout): `/a/f` becomes `<root>/a/f`, or,
 * below the login directory (whose absolute path we do not know), the same place as a relative target. Then
 * the target is confined by text under the root; the driver checks it again on the remote (existing symlinks
 * followed). @throws PathEscapeError (422).
 */
export function remoteLinkTarget(sendRoot: string, final: string, target: string): string {
  if (posix.isAbsolute(final)) {
    const r = posix.resolve(sendRoot);
    const root = r === '/' || final.startsWith(`${r}/`) ? r : '/';
    const t = posix.isAbsolute(target) ? confine(root, target.replace(/^\/+/, '')) : target;
    return confineLink(root, final, t).target;
  }
  // a stand-in for the login directory, so that a target climbing above it is seen (`/` has no parent)
  const login = '/login';
  const link = `${login}/${final}`;
  const t = posix.isAbsolute(target) ? posix.relative(posix.dirname(link), confine(login, target.replace(/^\/+/, ''))) || '.' : target;
  return confineLink(login, link, t).target;
}

/** Where a rename's old name lives remotely: the same mapping as the new name (mirror), else beside it. */
function oldRemotePath(item: WorkItem, finalPath: string, oldRel: string): string {
  const rel = item.notice.relPath.replace(/^\/+/, '');
  const old = oldRel.replace(/^\/+/, '');
  if (finalPath.endsWith(`/${rel}`)) return posix.join(finalPath.slice(0, finalPath.length - rel.length), old);
  return posix.join(posix.dirname(finalPath), posix.basename(old));
}

/**
 * Opens the local file of a notice under `localRoot` by what is on disk: symlinks inside the tree are followed
 * (a watch with follow_symlinks posts through them), but what is opened must be under localRoot.
 * @throws PathEscapeError (422) naming the relPath; PermanentError 404 when it is missing.
 */
async function openSource(localRoot: string, relPath: string): Promise<FileHandle> {
  const local = confine(localRoot, relPath.replace(/^\/+/, ''));
  try {
    // a FIFO or device is refused by openFileUnder without blocking on it
    return await openFileUnder(localRoot, local, { follow: true });
  } catch (e: unknown) {
    if (e instanceof PathEscapeError) throw new PathEscapeError(`sender: source ${relPath} refused: ${e.message}`);
    if (e instanceof PermanentError) throw new PermanentError(`sender: ${e.message}`, { reportCode: e.reportCode });
    throw new PermanentError(`sender: local file missing: ${local}: ${describeError(e)}`, { reportCode: REPORT.noMatch });
  }
}

/** What the sender would do with a notice (dry_run's log line). */
function describeSend(n: WorkItem['notice'], localRoot: string, final: string): string {
  const op = n.fileOp;
  if (op?.directory !== undefined) return `${op.remove !== undefined ? 'rmdir' : 'mkdir'} ${final}`;
  if (op?.remove !== undefined) return `remove ${final}`;
  if (op?.link !== undefined) return `link ${final} to ${op.link}`;
  const what = `send ${posix.join(localRoot, n.relPath.replace(/^\/+/, ''))} to ${final}`;
  return typeof op?.rename === 'string' ? `rename ${op.rename} to ${final} (or ${what})` : what;
}

function isLost(e: unknown): boolean {
  return e instanceof ConnectionLostError || (e as { code?: string } | undefined)?.code === 'ERR_CONNECTION_LOST';
}

/**
 * Builds the sender WorkFn the engine calls per item (several at once share one pooled connection,
 * so their SFTP requests are pipelined on one channel). Files: opened under localRoot by what is on disk
 * (a symlink in the source tree may be followed, but what is opened must be under localRoot), written to
 * `<final>` + inflight (`.tmp` default) and renamed, remote directories made first. File operations
 * (remove, mkdir, rmdir, link, rename) are carried out remotely. Every remote path goes through the
 * driver's confined view ({@link confinedTransfer}): a symlink on the way below the sendTo root is
 * refused unless `follow_symlinks`, and then must lead under the root; with inflight None a symlink at
 * the final name is refused (an inflight name renamed over it replaces it).
 * Errors: TransientError (connection, remote I/O: retried, connection dropped from the pool);
 * PermanentError 404 when the local file is gone, 422 (PathEscapeError) for a path escape on either side.
 * `dry_run`: what would be sent or done remotely is logged; nothing is read, connected to or written.
 * `byteRateMax` (ctx.rate): file bodies are paced to the instance's byte budget.
 */
export function makeSender(o: Options, ctx: SendContext): WorkFn {
  const sendTo = o.sendTo;
  if (!sendTo) throw new PermanentError('sender: no sendTo configured', { reportCode: REPORT.unavailable });
  const localRoot = localRootOf(o);
  const sendRoot = sendRootOf(sendTo);
  const scope = { root: sendRoot, follow: o.follow_symlinks === true };

  return async (item, signal) => {
    const n = item.notice;
    const final = remoteFinalPath(sendTo, item);
    if (o.dry_run) {
      ctx.logger.info(`dry_run: would ${describeSend(n, localRoot, final)} at ${redact(sendTo)}`);
      item.reportMessage = 'dry_run: nothing done';
      return;
    }
    let t: Transfer;
    try {
      t = confinedTransfer(await ctx.pool.get(sendTo), scope);
    } catch (e: unknown) {
      if (e instanceof PermanentError) throw e;
      throw new TransientError(`sender: cannot connect to ${sendTo}: ${describeError(e)}`, { cause: e });
    }
    try {
      const op = n.fileOp;
      if (op && op.directory !== undefined) {
        if (op.remove !== undefined) await t.rmdir(final);
        else await t.mkdirp(final);
        return;
      }
      if (op && op.remove !== undefined) {
        await t.remove(final);
        return;
      }
      if (op && op.link !== undefined) {
        const target = remoteLinkTarget(sendRoot, final, op.link);
        await t.mkdirp(posix.dirname(final));
        await t.symlink(target, final);
        return;
      }
      if (op && typeof op.rename === 'string') {
        const old = oldRemotePath(item, final, op.rename);
        if (posix.isAbsolute(old)) confine(sendRoot, old);
        else confine('/', old);
        if (old !== final && (await t.stat(old))) {
          await t.mkdirp(posix.dirname(final));
          await t.rename(old, final);
          return;
        }
        // the old name never reached the remote: send the file under its new name
      }
      const fh = await openSource(localRoot, n.relPath);
      let size: number;
      let data: Readable | undefined;
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw new PermanentError(`sender: not a regular file: ${n.relPath}`, { reportCode: REPORT.noMatch });
        size = st.size;
        const tmp = inflightPath(final, o.inflight);
        await t.mkdirp(posix.dirname(final));
        if (tmp !== final) await t.mkdirp(posix.dirname(tmp));
        try {
          data = size === 0 ? Readable.from([]) : size <= ONE_READ_MAX ? Readable.from([await fh.readFile()])
            : fh.createReadStream({ autoClose: false, highWaterMark: 256 * 1024 });
          if (ctx.rate && size > 0) data = ctx.rate.throttle(data, signal);
          await t.putStream(tmp, data, { signal });
          if (tmp !== final) await t.rename(tmp, final);
        } catch (e: unknown) {
          if (!isLost(e) && tmp !== final) await t.remove(tmp).catch(() => undefined);
          throw e;
        }
      } finally {
        data?.destroy();
        await fh.close().catch(() => undefined);
      }
      item.bytes = size;
      countTransfer(ctx.metrics, 'Tx', size);
      if (ctx.logger.enabled('debug')) ctx.logger.debug(`sent ${n.relPath} -> ${final} (${size} bytes)`);
    } catch (e: unknown) {
      if (isLost(e)) {
        await ctx.pool.drop(sendTo);
        throw new TransientError(`sender: connection lost sending ${n.relPath}: ${describeError(e)}`, { cause: e });
      }
      if (e instanceof PermanentError || e instanceof TransientError) throw e;
      throw new TransientError(`sender: ${n.relPath}: ${describeError(e)}`, { cause: e });
    }
  };
}
