// Confines paths derived from messages under a configured directory: the "nothing let in" rule
// for relPaths, renames and symlink targets. Pure string work, no file-system access.
import { posix } from 'node:path';
import { PathEscapeError } from '@sarra/common';

/** Percent-encodings a downstream decoder could turn into a separator, a dot-dot or a NUL. */
const ENCODED_TRICKS = /%2f|%5c|%00|%2e%2e|\.%2e|%2e\./i;

function check(path: string, what: string): void {
  if (path.includes('\0')) throw new PathEscapeError(`${what} contains a NUL byte`);
  if (ENCODED_TRICKS.test(path)) throw new PathEscapeError(`${what} contains a percent-encoded separator or dot-dot: ${path}`);
  // a backslash is an ordinary character on POSIX, but a Windows-minded peer or tool treats it
  // as a separator: refuse `..` on either side of one.
  for (const seg of path.split(/[/\\]/)) {
    if (seg === '..') throw new PathEscapeError(`${what} has a '..' segment: ${path}`);
  }
}

function normRoot(root: string): string {
  if (!posix.isAbsolute(root)) throw new PathEscapeError(`root is not absolute: ${root}`);
  if (root.includes('\0')) throw new PathEscapeError('root contains a NUL byte');
  return posix.resolve(root);
}

function isUnder(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(root === '/' ? '/' : `${root}/`);
}

/**
 * Resolves a message-derived path under `root` and returns the absolute path.
 * `relPath` relative: joined under root. `relPath` absolute: accepted only when already under root
 * (callers that want sr3's "leading slash is still relative" must strip it first).
 * Rejects '..' segments (also split on backslash), percent-encoded '..', '/', '\' and NUL,
 * and a literal NUL. An empty relPath returns root itself.
 * @throws PathEscapeError (reportCode 422) with the reason.
 */
export function confine(root: string, relPath: string): string {
  const r = normRoot(root);
  check(relPath, 'path');
  const abs = posix.isAbsolute(relPath) ? posix.resolve(relPath) : posix.resolve(r, relPath);
  if (!isUnder(r, abs)) throw new PathEscapeError(`path ${relPath} resolves outside ${r}`);
  return abs;
}

/**
 * Checks a symlink before it is made: `linkPath` (message-derived) must be under `root`, and its
 * `target`, resolved from the link's directory when relative, must stay under `root` too.
 * Returns `{ link, target }`: the absolute link path, and the target exactly as given (so a relative
 * link stays relative on disk).
 * @throws PathEscapeError (reportCode 422) naming the link and target.
 */
export function confineLink(root: string, linkPath: string, target: string): { link: string; target: string } {
  const link = confine(root, linkPath);
  if (target === '') throw new PathEscapeError(`symlink ${linkPath} has an empty target`);
  if (target.includes('\0')) throw new PathEscapeError(`symlink ${linkPath} target contains a NUL byte`);
  if (ENCODED_TRICKS.test(target)) throw new PathEscapeError(`symlink ${linkPath} target contains a percent-encoded trick: ${target}`);
  if (/(^|[/\\])\.\.\\|\\\.\.($|[/\\])/.test(target)) {
    throw new PathEscapeError(`symlink ${linkPath} target uses a backslash dot-dot: ${target}`);
  }
  const r = normRoot(root);
  // '..' is legitimate in a relative target (../sibling) as long as the result stays inside root
  const resolved = posix.isAbsolute(target) ? posix.resolve(target) : posix.resolve(posix.dirname(link), target);
  if (!isUnder(r, resolved)) throw new PathEscapeError(`symlink ${linkPath} -> ${target} points outside ${r}`);
  return { link, target };
}
