// Unit tests: parsing nginx autoindex and Apache index pages (real captured markup) into RemoteEntry rows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseIndexPage } from '@sarra/transfer';

const fixture = (n: string): string => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const at = (y: number, mo: number, d: number, h: number, mi: number, s = 0): number => Date.UTC(y, mo - 1, d, h, mi, s);

describe('parseIndexPage', () => {
  it('reads nginx autoindex (exact sizes, UTC) including truncated, encoded and non-ASCII names', () => {
    const rows = parseIndexPage(fixture('nginx.html'));
    const t = at(2020, 1, 5, 14, 2);
    assert.deepEqual(rows, [
      { name: 'sub dir', size: 0, mtime: t, isDir: true },
      { name: 'SACN43_CWAO_050000__CYBG_42047_averyveryveryverylongname_to_truncate.txt', size: 1234567, mtime: t, isDir: false },
      { name: 'a file.txt', size: 11, mtime: t, isDir: false },
      { name: 'x&y<z>.bin', size: 0, mtime: t, isDir: false },
      { name: 'été.txt', size: 5, mtime: t, isDir: false },
    ]);
  });
  it('reads Apache table layout, skipping sort and parent links', () => {
    assert.deepEqual(parseIndexPage(fixture('apache-table.html')), [
      { name: '20200105', size: 0, mtime: at(2020, 1, 5, 14, 2), isDir: true },
      { name: 'data file.xml', size: 123, mtime: at(2020, 1, 5, 14, 1), isDir: false },
      { name: 'readme.txt', size: Math.round(4.2 * 1024), mtime: at(2020, 1, 5, 13, 58), isDir: false },
      { name: 'a&b.tar.gz', size: Math.round(1.5 * 1024 * 1024), mtime: at(2019, 12, 31, 23, 59), isDir: false },
    ]);
  });
  it('reads Apache pre layout with dd-mon-yyyy dates and seconds', () => {
    assert.deepEqual(parseIndexPage(fixture('apache-pre.html')), [
      { name: '00', size: 0, mtime: at(2020, 1, 5, 0, 59), isDir: true },
      { name: 'SACN43_CWAO_050000__CYBG_42047', size: 105, mtime: at(2020, 1, 5, 0, 1, 12), isDir: false },
      { name: 'big.grib2', size: 12 * 1024 * 1024, mtime: at(2020, 1, 5, 1, 15), isDir: false },
    ]);
  });
  it('ignores off-site, absolute, fragment and malformed links', () => {
    const html = '<a href="http://evil/x">x</a>\n<a href="/abs">a</a>\n<a href="#top">t</a>\n<a href="%E0%A4%A">bad</a>\n<a href="ok.txt">ok</a> 01-Feb-2021 10:00 7\n';
    assert.deepEqual(parseIndexPage(html), [{ name: 'ok.txt', size: 7, mtime: at(2021, 2, 1, 10, 0), isDir: false }]);
  });
  it('returns nothing for a page without links', () => {
    assert.deepEqual(parseIndexPage('<html><body>Forbidden</body></html>'), []);
  });
});
