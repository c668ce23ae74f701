// sr3 work.delete: once a file is transferred, the original it came from (a local file: URL under baseDir) and/or
// the transferred copy are removed.
import { unlink } from 'node:fs/promises';
import type { Logger } from '@sarra/common';
import { describeError } from '@sarra/common';
import type { Options } from '@sarra/config';
import { removeLocalFile, type FlowHook, type WorkItem, type Worklist } from '@sarra/flow';
import { openParentUnder } from '@sarra/transfer';

export const options = {
  delete_source: { kind: 'flag', default: true, doc: 'Remove the announced file (a file: URL under baseDir) once transferred.' },
  delete_destination: { kind: 'flag', default: false, doc: 'Remove the transferred copy (after the other callbacks).' },
} as const;

/**
 * `callback work.delete` (v2 file_delete): after work, for each transferred item (file operations aside), removes
 * the source when delete_source (only a `file:` URL whose path resolves under baseDir: a notice cannot name any
 * other file) and the local copy when delete_destination. A removal that fails is logged; the item stays done.
 */
export default class WorkDelete implements FlowHook {
  readonly name = 'work.delete';
  private readonly source: boolean;
  private readonly destination: boolean;

  constructor(private readonly o: Options, private readonly log: Logger) {
    this.source = o.pluginOptions.delete_source as boolean;
    this.destination = o.pluginOptions.delete_destination as boolean;
    if (this.source && !o.baseDir) throw new Error('work.delete: delete_source needs baseDir (sources are only removed under it)');
  }

  async afterWork(wl: Worklist): Promise<void> {
    for (const it of wl.ok) {
      if (it.notice.fileOp) continue;
      try {
        if (this.source) await this.removeSource(it);
        if (this.destination) await removeLocalFile(this.o, it);
      } catch (err: unknown) {
        this.log.error(`work.delete ${it.notice.relPath}: ${describeError(err)}`);
      }
    }
  }

  /** The announced file, when it is a local file under baseDir (resolved on disk, parents without symlinks out). */
  private async removeSource(it: WorkItem): Promise<void> {
    const base = it.notice.baseUrl;
    if (!base.startsWith('file:')) return;
    const path = decodeURIComponent(new URL(it.notice.relPath.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`).pathname);
    const { dir, name } = await openParentUnder(this.o.baseDir!, path);
    try {
      await unlink(dir.at(name)).catch((e: unknown) => { if ((e as { code?: string }).code !== 'ENOENT') throw e; });
    } finally {
      await dir.close();
    }
    this.log.info(`deleted source ${path}`);
  }
}
