// Unit tests: confine() and confineLink() keep message-derived paths under the configured root.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PathEscapeError } from '@sarra/common';
import { confine, confineLink } from '@sarra/transfer';

const ROOT = '/data/pump';

function rejects(fn: () => unknown, re?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PathEscapeError, `expected PathEscapeError, got ${String(e)}`);
    assert.equal(e.reportCode, 422);
    if (re) assert.match(e.message, re);
    return true;
  });
}

describe('confine', () => {
  it('joins relative paths under root', () => {
    assert.equal(confine(ROOT, '20200105/WXO-DD/a.txt'), '/data/pump/20200105/WXO-DD/a.txt');
    assert.equal(confine(ROOT, './a/./b'), '/data/pump/a/b');
    assert.equal(confine(ROOT, 'a//b/'), '/data/pump/a/b');
    assert.equal(confine(ROOT, ''), ROOT);
    assert.equal(confine(`${ROOT}/`, 'x'), '/data/pump/x');
  });
  it('accepts names that merely contain dots', () => {
    assert.equal(confine(ROOT, 'a..b/..c/d..'), '/data/pump/a..b/..c/d..');
    assert.equal(confine(ROOT, '.hidden/...'), '/data/pump/.hidden/...');
  });
  it('rejects .. segments anywhere', () => {
    for (const p of ['..', '../etc/passwd', 'a/../../etc', 'a/..', 'a/b/../c']) rejects(() => confine(ROOT, p), /'\.\.'/);
  });
  it('rejects percent-encoded dot-dot, slash, backslash and NUL', () => {
    for (const p of ['%2e%2e/etc', '%2E%2E/x', '.%2e/x', '%2e./x', 'a%2f..%2f..%2fetc', 'a%5c..', 'a%00b']) {
      rejects(() => confine(ROOT, p), /percent-encoded/);
    }
  });
  it('rejects NUL bytes', () => {
    rejects(() => confine(ROOT, 'a\0b'), /NUL/);
  });
  it('rejects backslash dot-dot tricks', () => {
    for (const p of ['..\\..\\etc', 'a\\..\\..\\x', 'a/..\\b']) rejects(() => confine(ROOT, p));
    assert.equal(confine(ROOT, 'a\\b'), '/data/pump/a\\b'); // an ordinary POSIX name character
  });
  it('accepts absolute paths under root and rejects ones outside', () => {
    assert.equal(confine(ROOT, '/data/pump/x/y'), '/data/pump/x/y');
    rejects(() => confine(ROOT, '/etc/passwd'), /outside/);
    rejects(() => confine(ROOT, '/data/pumpkin/x'), /outside/); // prefix but not under
    rejects(() => confine(ROOT, '/data'), /outside/);
  });
  it('works with root /', () => {
    assert.equal(confine('/', 'etc/x'), '/etc/x');
    rejects(() => confine('/', '../x'));
  });
  it('refuses a relative root', () => {
    rejects(() => confine('data', 'x'), /root is not absolute/);
  });
  it('never returns a path outside root (property)', () => {
    const seg = fc.constantFrom('a', 'b', '.', '..', '', '%2e%2e', '...', 'c d', '\\', '..\\', '%2f', '\0');
    fc.assert(fc.property(fc.array(seg, { maxLength: 8 }), fc.boolean(), (segs, abs) => {
      const p = (abs ? '/' : '') + segs.join('/');
      try {
        const r = confine(ROOT, p);
        assert.ok(r === ROOT || r.startsWith(`${ROOT}/`), `${p} -> ${r}`);
      } catch (e: unknown) {
        assert.ok(e instanceof PathEscapeError);
      }
    }), { numRuns: 2000 });
  });
});

describe('confineLink', () => {
  it('accepts relative targets that stay inside, keeping them as given', () => {
    assert.deepEqual(confineLink(ROOT, 'a/b/link', '../c/file'), { link: '/data/pump/a/b/link', target: '../c/file' });
    assert.deepEqual(confineLink(ROOT, 'link', 'file'), { link: '/data/pump/link', target: 'file' });
  });
  it('accepts absolute targets under root', () => {
    assert.equal(confineLink(ROOT, 'l', '/data/pump/x').target, '/data/pump/x');
  });
  it('rejects targets resolving outside root', () => {
    rejects(() => confineLink(ROOT, 'a/link', '../../etc/passwd'), /points outside/);
    rejects(() => confineLink(ROOT, 'link', '/etc/shadow'), /points outside/);
    rejects(() => confineLink(ROOT, 'link', '..'), /points outside/);
  });
  it('rejects tricks in target and link path', () => {
    rejects(() => confineLink(ROOT, 'link', 'a\0b'), /NUL/);
    rejects(() => confineLink(ROOT, 'link', '%2e%2e/x'), /percent-encoded/);
    rejects(() => confineLink(ROOT, 'link', 'a\\..\\..\\..\\x'), /backslash/);
    rejects(() => confineLink(ROOT, '../link', 'x'), /'\.\.'/);
    rejects(() => confineLink(ROOT, 'link', ''), /empty/);
  });
});
