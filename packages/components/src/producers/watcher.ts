// The watch gatherer: turns file-system events (chokidar 4, or a periodic scan with force_polling)
// into notices for create/modify/delete/link/mkdir/rmdir/rename, once each file has been quiet.
import { lstat, opendir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import type { Gatherer, WorkItem } from '@sarra/flow';
import type { Notice } from '@sarra/message';
import { describeError, mkdirp } from '@sarra/common';
import { noticeOfPath, postedPath, relPathOf, stamp } from './fileinfo.js';
import { kindOf, linkedDirToWalk, scanOnce, type FsEvent, type Known } from './scanner.js';
import { isInflightName, type WatcherOptions } from './watch-options.js';

/** sr3 fileEvents names. */
const FILE_EVENTS = ['create', 'modify', 'delete', 'link', 'mkdir', 'rmdir'] as const;

/** When a new directory is listed again after its first listing, ms (see Watcher.rescanNewDirs). */
const RESCAN_MS = [1000, 5000];

interface Pending { lastEvent: number; created: boolean }
interface Removal { at: number; ino?: number; dir: boolean }

/**
 * A daemon gatherer. chokidar 4 is used rather than fs.watch({recursive}) because it follows new
 * sub-directories reliably on every platform, reports symlinks without following them, and coalesces
 * editor-style atomic saves; force_polling uses our own scan (one Map, no per-file fs.watchFile).
 */
export class Watcher implements Gatherer {
  readonly name = 'gather.watch';
  private readonly known = new Map<string, Known>();
  private readonly pending = new Map<string, Pending>();
  private readonly removals = new Map<string, Removal>();
  /** Ready notices not yet taken by the engine, with the file each announces (not saved as known: re-announced after a stop). */
  private readonly out: { item: WorkItem; abs?: string }[] = [];
  private readonly events: Set<string>;
  private fsw?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private gen = 0;
  private readonly roots: string[];
  private counts = { events: 0, announced: 0, renames: 0, errors: 0, caughtUp: 0 };
  /** Files queued by the scan of a new directory, so chokidar's own late `add` for them is not announced twice. */
  private readonly scanned = new Set<string>();
  /** Files announced from that scan: chokidar may still report their `add` (dropped if unchanged). */
  private readonly scanAnnounced = new Set<string>();
  /** New directories to list again at the due time (ms), and how many listings are left. */
  private readonly rescans = new Map<string, { due: number; left: number }>();
  /** What the previous run saved (catch-up), loaded at start and dropped after the initial walk. */
  private saved?: Map<string, [number, number]>;
  private nextSave = 0;

  constructor(private readonly opts: WatcherOptions) {
    this.events = opts.fileEvents && opts.fileEvents.size ? opts.fileEvents : new Set(FILE_EVENTS);
    this.roots = opts.paths.map((p) => posix.resolve(p));
  }

  private get settleMs(): number { return this.opts.settleMs ?? 1000; }
  private get renameWindow(): number { return Math.max(this.opts.renameWindowMs ?? 2000, this.settleMs + 500); }

  async start(): Promise<void> {
    // learn what is there (inodes for rename matching), announcing it when post_on_start
    this.gen++;
    this.saved = await this.loadKnown();
    for (const root of this.roots) await this.initialWalk(root);
    this.saved = undefined;
    if (this.counts.caughtUp) this.opts.logger.info(`catch-up: ${this.counts.caughtUp} file(s) new or changed since the last run`);
    this.nextSave = Date.now() + (this.opts.saveEveryMs ?? 60_000);
    if (this.opts.forcePolling) {
      const every = Math.max(0.05, this.opts.pollInterval ?? 5) * 1000;
      this.timer = setInterval(() => {
        this.scanning ??= this.scan().finally(() => { this.scanning = undefined; });
      }, every);
      return;
    }
    this.fsw = watch(this.roots, {
      ignoreInitial: true, followSymlinks: this.opts.followSymlinks === true, persistent: true,
      ignored: (p: string) => isInflightName(posix.basename(p)) && !this.roots.includes(p),
    });
    for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
      this.fsw.on(ev, (path: string | Error) => { if (typeof path === 'string') this.onEvent(ev, posix.resolve(path)); });
    }
    this.fsw.on('error', (e: unknown) => {
      this.counts.errors++;
      this.opts.logger.error(`watch error: ${describeError(e)}`);
    });
    await new Promise<void>((resolve) => this.fsw!.once('ready', () => resolve()));
  }

  private async initialWalk(root: string): Promise<void> {
    const stack = [root];
    const follow = this.opts.followSymlinks === true;
    const walked = new Set<string>();
    if (follow) await linkedDirToWalk(root, walked);
    while (stack.length) {
      const dir = stack.pop()!;
      try {
        for await (const ent of await opendir(dir)) {
          if (isInflightName(ent.name)) continue;
          const abs = `${dir}/${ent.name}`;
          const st = await lstat(abs).catch(() => undefined);
          if (!st) continue;
          this.known.set(abs, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, kind: kindOf(st), gen: this.gen });
          if (st.isDirectory() || (follow && st.isSymbolicLink() && (await linkedDirToWalk(abs, walked)))) stack.push(abs);
          if (this.opts.postOnStart) {
            if (st.isDirectory()) this.emitDir(abs, st);
            else this.pending.set(abs, { lastEvent: 0, created: true });
          } else if (this.saved && !st.isDirectory()) {
            // catch-up: a file written while the watch was stopped (absent from, or different in, the saved map)
            const was = this.saved.get(abs);
            if (!was || was[0] !== st.size || was[1] !== st.mtimeMs) {
              this.counts.caughtUp++;
              this.pending.set(abs, { lastEvent: 0, created: !was });
              // forget it so `announce` does not take it for a repeated event (the polling scan needs it kept)
              if (!this.opts.forcePolling) this.known.delete(abs);
            }
          }
        }
      } catch (e: unknown) {
        this.opts.logger.warning(`cannot list ${dir}: ${describeError(e)}`);
      }
    }
  }

  private async scan(): Promise<void> {
    this.gen++;
    await scanOnce(this.roots, this.known, this.gen, isInflightName, (ev, abs, ino) => this.onEvent(ev, abs, ino), this.opts.followSymlinks === true);
  }

  /** Feeds one raw event in; exposed for the force_polling scanner and for tests. */
  onEvent(ev: FsEvent, abs: string, prevIno?: number): void {
    this.counts.events++;
    const now = Date.now();
    switch (ev) {
      case 'add':
      case 'change': {
        const p = this.pending.get(abs);
        this.pending.set(abs, { lastEvent: now, created: p ? p.created : ev === 'add' });
        break;
      }
      case 'addDir':
        void lstat(abs).then((st) => {
          if (st.isSymbolicLink()) {
            // a link to a directory, reported as one when chokidar follows links: announced as a link, walked through
            this.onEvent('add', abs);
            return this.opts.followSymlinks && !this.opts.forcePolling ? this.scanNewDir(abs) : undefined;
          }
          if (!this.opts.forcePolling) {
            if (this.known.get(abs)?.kind === 'dir') return; // already seen (by the scan of its parent or by chokidar)
            this.remember(abs, st);
          }
          this.emitDir(abs, st);
          if (this.opts.forcePolling || !st.isDirectory()) return;
          this.rescans.set(abs, { due: Date.now() + RESCAN_MS[0]!, left: RESCAN_MS.length });
          return this.scanNewDir(abs);
        }).catch(() => undefined);
        break;
      case 'unlink':
      case 'unlinkDir': {
        const ino = prevIno ?? this.known.get(abs)?.ino;
        this.known.delete(abs);
        this.scanned.delete(abs);
        this.scanAnnounced.delete(abs);
        this.rescans.delete(abs);
        const wasPending = this.pending.delete(abs);
        if (wasPending && ino === undefined) break; // created and gone before it was announced
        this.removals.set(abs, { at: now, ino, dir: ev === 'unlinkDir' });
        break;
      }
    }
  }

  /**
   * chokidar puts its watch on a new directory only after it sees it: files written into it before that
   * (a recursive copy writes them at once) may never be reported. So the new directory is listed here and
   * every file not yet known or pending is queued as created; sub-directories go through `addDir` again
   * (deduplicated by `known`). chokidar's own later `add` for the same file is then merged while pending,
   * or dropped in `announce` if the file was already announced with the same inode, size and mtime.
   */
  private async scanNewDir(dir: string): Promise<void> {
    let ents;
    try {
      ents = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // gone already: its unlinkDir follows
    }
    const now = Date.now();
    for (const ent of ents) {
      if (isInflightName(ent.name)) continue;
      const abs = `${dir}/${ent.name}`;
      if (ent.isDirectory()) this.onEvent('addDir', abs);
      else if (!this.known.has(abs) && !this.pending.has(abs)) {
        this.scanned.add(abs);
        this.pending.set(abs, { lastEvent: now, created: true });
      }
    }
  }

  private get knownFile(): string | undefined {
    return this.opts.stateDir ? posix.join(this.opts.stateDir, 'watch_known.json') : undefined;
  }

  /** The map saved by the previous run, or undefined (first run, or unreadable: then no catch-up). */
  private async loadKnown(): Promise<Map<string, [number, number]> | undefined> {
    const file = this.knownFile;
    if (!file || this.opts.postOnStart) return undefined;
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { files?: Record<string, [number, number]> };
      return new Map(Object.entries(data.files ?? {}));
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.logger.warning(`catch-up state ${file} ignored: ${describeError(e)}`);
      return undefined;
    }
  }

  /**
   * Saves path -> [size, mtimeMs] of the files known (tmp + rename, so a crash leaves the old map). Files
   * still pending are left out on purpose: they were not announced yet, so the next start announces them.
   */
  private async saveKnown(): Promise<void> {
    const file = this.knownFile;
    if (!file) return;
    const files: Record<string, [number, number]> = {};
    const untaken = new Set(this.out.map((o) => o.abs));
    for (const [abs, k] of this.known) {
      if (k.kind !== 'dir' && !this.pending.has(abs) && !untaken.has(abs)) files[abs] = [k.size, k.mtimeMs];
    }
    try {
      await mkdirp(posix.dirname(file));
      await writeFile(`${file}.tmp`, JSON.stringify({ savedAt: Date.now(), files }));
      await rename(`${file}.tmp`, file);
    } catch (e: unknown) {
      this.opts.logger.warning(`cannot save watch state ${file}: ${describeError(e)}`);
    }
  }

  private remember(abs: string, st: Stats): void {
    this.known.set(abs, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, kind: kindOf(st), gen: this.gen });
  }

  private push(n: Notice, abs?: string): void {
    this.counts.announced++;
    this.out.push({ item: { notice: n }, abs });
  }

  private fileOpNotice(abs: string, fileOp: Notice['fileOp'], st?: Stats): Notice {
    const n: Notice = { pubTime: stamp(Date.now()), baseUrl: this.opts.baseUrl, relPath: relPathOf(postedPath(this.opts, abs), this.opts.baseDir), fileOp };
    if (this.opts.source) n.source = this.opts.source;
    if (st) n.mode = (st.mode & 0o7777).toString(8);
    return n;
  }

  private emitDir(abs: string, st: Stats): void {
    if (!st.isDirectory() || !this.events.has('mkdir')) return;
    const n = this.fileOpNotice(abs, { directory: '' }, st);
    n.contentType = 'text/directory';
    this.push(n);
  }

  /**
   * Lists new directories again (RESCAN_MS after they appeared): a file renamed into a new directory after
   * its first listing but before chokidar's own watch on it is in place is reported by nobody else.
   */
  private async rescanNewDirs(now: number): Promise<void> {
    for (const [dir, r] of this.rescans) {
      if (now < r.due) continue;
      if (--r.left > 0) r.due = now + RESCAN_MS[RESCAN_MS.length - r.left]!;
      else this.rescans.delete(dir);
      await this.scanNewDir(dir);
    }
  }

  /** Moves what is ready from pending/removals to the output. */
  private async flush(): Promise<void> {
    const now = Date.now();
    if (this.rescans.size) await this.rescanNewDirs(now);
    const ageMin = (this.opts.fileAgeMin ?? 0) * 1000;
    const ready: [string, Pending][] = [];
    for (const [abs, p] of this.pending) if (now - p.lastEvent >= this.settleMs) ready.push([abs, p]);
    for (const [abs, p] of ready) {
      let st: Stats;
      try {
        st = await lstat(abs);
      } catch {
        this.pending.delete(abs); // gone before it settled: nothing to announce
        continue;
      }
      if (!st.isSymbolicLink() && now - st.mtimeMs < ageMin) continue; // still too young (fileAgeMin)
      if (this.pending.get(abs) !== p) continue; // a new event arrived meanwhile
      this.pending.delete(abs);
      await this.announce(abs, st, p);
    }
    for (const [abs, r] of this.removals) {
      if (now - r.at < this.renameWindow) continue;
      this.removals.delete(abs);
      if (r.dir ? !this.events.has('rmdir') : !this.events.has('delete')) continue;
      this.push(this.fileOpNotice(abs, r.dir ? { directory: '', remove: '' } : { remove: '' }));
    }
  }

  private async announce(abs: string, st: Stats, p: Pending): Promise<void> {
    const k = this.known.get(abs);
    const same = k && k.ino === st.ino && k.size === st.size && k.mtimeMs === st.mtimeMs;
    const dupOfScan = this.scanAnnounced.delete(abs);
    // chokidar also reports the symlinks already there at start as added: the same link is not announced again
    if (!this.opts.forcePolling && same && (!p.created || dupOfScan || st.isSymbolicLink())) {
      return; // a repeated change event, or chokidar's late add of a file the new-directory scan announced
    }
    if (this.scanned.delete(abs)) this.scanAnnounced.add(abs);
    if (!this.opts.forcePolling) this.remember(abs, st);
    let oldRel: string | undefined;
    for (const [old, r] of this.removals) {
      if (!r.dir && r.ino === st.ino) {
        this.removals.delete(old);
        oldRel = relPathOf(postedPath(this.opts, old), this.opts.baseDir);
        break;
      }
    }
    const kind = st.isSymbolicLink() ? 'link' : p.created ? 'create' : 'modify';
    if (!oldRel && !this.events.has(kind)) return;
    try {
      const n = await noticeOfPath(this.opts, abs, st);
      if (oldRel !== undefined) {
        n.fileOp = { ...(n.fileOp ?? {}), rename: oldRel };
        this.counts.renames++;
      }
      this.push(n, abs);
      if (this.opts.followSymlinks && st.isSymbolicLink()) await this.announceTarget(abs);
    } catch (e: unknown) {
      this.opts.logger.warning(`cannot announce ${abs}: ${describeError(e)}`);
    }
  }

  /** follow_symlinks: the file a symlink leads to is announced at its real path (a directory is watched through the link). */
  private async announceTarget(link: string): Promise<void> {
    const st = await stat(link).catch(() => undefined);
    if (!st?.isFile()) return;
    const real = await realpath(link);
    this.push(await noticeOfPath(this.opts, real, st), real);
  }

  async gather(max: number, signal: AbortSignal): Promise<WorkItem[]> {
    if (this.opts.stateDir && Date.now() >= this.nextSave) {
      this.nextSave = Date.now() + (this.opts.saveEveryMs ?? 60_000);
      await this.saveKnown();
    }
    if (!this.out.length) await this.flush();
    if (!this.out.length && !signal.aborted) {
      // nothing ready: wait a little for events so the engine does not spin
      await new Promise((r) => setTimeout(r, Math.min(200, this.settleMs)));
      await this.flush();
    }
    return this.out.splice(0, max).map((o) => o.item);
  }

  /** Items still waiting (pending quiet time, rename window, or not yet gathered). */
  backlog(): number {
    return this.pending.size + this.removals.size + this.out.length;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    await this.fsw?.close();
    await this.saveKnown();
  }

  metrics(): Record<string, number> {
    return { ...this.counts, watched: this.known.size, pending: this.pending.size };
  }
}
