// Flow-test helper: M(dir) of ACCEPTANCE.md, the sorted (relative path, sha512) of every file under a tree.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One manifest line: [path relative to the tree root, sha512 hex of the content]. */
export type ManifestEntry = [string, string];

/** sha512 hex of a file, streamed. */
export function sha512File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha512');
    const s = createReadStream(file);
    s.on('error', reject);
    s.on('data', (d) => h.update(d));
    s.on('end', () => resolve(h.digest('hex')));
  });
}

/** Every regular file and symlink under `dir` (relative paths, sorted); a missing dir is empty. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const ents = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of ents) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * M(dir): sorted [relPath, sha512] of every regular file under `dir` (symlinks followed only if they
 * point at a file). `exclude(rel)` leaves files out (e.g. the sample's reject/ subtree).
 */
export async function manifest(dir: string, exclude: (rel: string) => boolean = () => false): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const walk = async (d: string): Promise<void> => {
    const ents = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of ents) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const rel = relative(dir, p);
        if (!exclude(rel)) out.push([rel, await sha512File(p)]);
      }
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** First differences between two manifests, for a readable assertion message. */
export function manifestDiff(got: ManifestEntry[], want: ManifestEntry[], max = 10): string {
  const g = new Map(got), w = new Map(want);
  const lines: string[] = [];
  for (const [k, v] of w) if (!g.has(k)) lines.push(`missing ${k}`); else if (g.get(k) !== v) lines.push(`differs ${k}`);
  for (const k of g.keys()) if (!w.has(k)) lines.push(`extra ${k}`);
  return `${got.length} files vs ${want.length} expected; ${lines.length} differences: ${lines.slice(0, max).join('; ')}`;
}

/** The sample tree and the filter of the files meant to be delivered (everything outside reject/). */
export { SAMPLE } from '@sarra/testkit/sample';
export const inRejectDir = (rel: string): boolean => rel.split('/').includes('reject');
