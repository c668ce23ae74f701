// Destination computation as sr3 does it (mirror, strip, flatten, directory variables), and path confinement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newParseState, parseText, resolveOptions, Credentials, type Options } from '@sarra/config';
import { PathEscapeError } from '@sarra/common';
import type { Notice } from '@sarra/message';
import { applyMasks } from '../src/filter.js';
import { setDestination, stripTokens, postRelPath, checkMessagePath, sundewVars } from '../src/destination.js';
import { confine } from '@sarra/transfer';
import type { WorkItem } from '../src/types.js';

const NOW = Date.UTC(2024, 0, 29, 17, 45, 0);

function conf(text: string, component = 'subscribe'): Options {
  const st = newParseState(component, 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\n${text}\n`, '/tmp/test.conf');
  return resolveOptions(st, Credentials.empty());
}

function item(relPath: string, extra: Partial<Notice> = {}, baseUrl = 'https://hpfx.collab.science.gc.ca'): WorkItem {
  return { notice: { pubTime: '20240129T174356.779', baseUrl, relPath, ...extra } };
}

/** Filters then places, as the engine does; returns the final local path. */
function place(o: Options, it: WorkItem): string {
  const r = applyMasks(o, it, NOW);
  assert.equal(r.accepted, true, 'accepted');
  setDestination(o, it, r.mask, r.groups, NOW);
  return `${it.newDir}/${it.newFile}`;
}

const SWOB = '/20240129/WXO-DD/observations/swob-ml/20240129/CXCK/2024-01-29-1743-CXCK-AUTO-minute-swob.xml';

test('mirror on keeps the relPath tree under directory', () => {
  const o = conf('directory /data/out\nmirror on\naccept .*');
  assert.equal(place(o, item(SWOB)), `/data/out${SWOB}`);
});

test('mirror off (subscribe default) keeps the file name only', () => {
  const o = conf('directory /data/out\naccept .*');
  assert.equal(o.mirror, false);
  assert.equal(place(o, item(SWOB)), '/data/out/2024-01-29-1743-CXCK-AUTO-minute-swob.xml');
});

test('sr3 documentation examples: mirror, strip 3, strip .*?GIF/', () => {
  const url = 'http://dd.weather.gc.ca/';
  const rel = 'radar/PRECIP/GIF/WGJ/201312141900_WGJ_PRECIP_SNOW.gif';
  const mirror = conf('mirror True\ndirectory /mylocaldirectory\naccept .*RADAR.*\naccept .*radar.*');
  assert.equal(place(mirror, item(rel, {}, url)), '/mylocaldirectory/radar/PRECIP/GIF/WGJ/201312141900_WGJ_PRECIP_SNOW.gif');
  const strip = conf('mirror True\nstrip 3\ndirectory /mylocaldirectory\naccept .*radar.*');
  assert.equal(place(strip, item(rel, {}, url)), '/mylocaldirectory/WGJ/201312141900_WGJ_PRECIP_SNOW.gif');
  const pstrip = conf('mirror True\nstrip .*?GIF/\ndirectory /mylocaldirectory\naccept .*radar.*');
  assert.equal(place(pstrip, item(rel, {}, url)), '/mylocaldirectory/WGJ/201312141900_WGJ_PRECIP_SNOW.gif');
});

test('strip 2 on a v02-style relPath with a leading slash', () => {
  const o = conf('mirror on\nstrip 2\ndirectory /data/out\naccept .*');
  assert.equal(place(o, item(SWOB)), '/data/out/observations/swob-ml/20240129/CXCK/2024-01-29-1743-CXCK-AUTO-minute-swob.xml');
});

test('stripping more elements than there are keeps the file name', () => {
  assert.deepEqual(stripTokens('a/b/c.txt', 5), ['c.txt']);
  assert.deepEqual(stripTokens('a/b/c.txt', 0), ['a', 'b', 'c.txt']);
  assert.deepEqual(stripTokens('a/b/c.txt', '.*'), ['c.txt']);
  assert.deepEqual(stripTokens('/a/b/c.txt', '^/a/'), ['b', 'c.txt']);
});

test('flatten joins the (stripped) relPath into one name', () => {
  const o = conf('mirror on\nflatten -\ndirectory /data/out\naccept .*');
  assert.equal(place(o, item('/20200105/WXO-DD/bulletins/a.txt')), '/data/out/20200105-WXO-DD-bulletins-a.txt');
  const s = conf('mirror off\nstrip 1\nflatten -\ndirectory /data/out\naccept .*');
  assert.equal(place(s, item('/20200105/WXO-DD/bulletins/a.txt')), '/data/out/WXO-DD-bulletins-a.txt');
});

test('directory with ${YYYYMMDD} (UTC now) and ${SOURCE}; destRoot is the expanded directory', () => {
  const o = conf('directory /data/${YYYYMMDD}/${SOURCE}\nmirror on\naccept .*');
  const it = item('/x/y.txt', { source: 'WXO-DD' });
  assert.equal(place(o, it), '/data/20240129/WXO-DD/x/y.txt');
  assert.equal(it.destRoot, '/data/20240129/WXO-DD');
});

test('varTimeOffset shifts the date variables', () => {
  const o = conf('varTimeOffset -1d\ndirectory /data/${YYYYMMDD}\naccept .*');
  assert.equal(place(o, item('/x/y.txt')), '/data/20240128/y.txt');
});

test('each accept carries the directory in force where it was written', () => {
  const o = conf('directory /data/radar\naccept .*radar.*\ndirectory /data/other\nmirror on\naccept .*');
  assert.equal(place(o, item('/radar/a.gif')), '/data/radar/a.gif');
  assert.equal(place(o, item('/obs/b.xml')), '/data/other/obs/b.xml');
});

test('regex groups feed ${1} in directory', () => {
  const o = conf('directory /data/${1}\naccept .*/observations/([^/]*)/.*');
  assert.equal(place(o, item(SWOB)), '/data/swob-ml/2024-01-29-1743-CXCK-AUTO-minute-swob.xml');
});

test('newRelPath: relative to post_baseDir when set, else the new path without its leading slash', () => {
  const o = conf('directory /var/www/html\nmirror on\npost_baseDir /var/www/html\npost_baseUrl http://localhost:8080/\naccept .*', 'sarra');
  const it = item(SWOB);
  place(o, it);
  assert.equal(it.newRelPath, SWOB.slice(1));
  assert.equal(it.newBaseUrl, 'http://localhost:8080/');
  const o2 = conf('directory /data/out\naccept .*');
  const it2 = item(SWOB);
  place(o2, it2);
  assert.equal(it2.newRelPath, 'data/out/2024-01-29-1743-CXCK-AUTO-minute-swob.xml');
  assert.equal(it2.newBaseUrl, 'https://hpfx.collab.science.gc.ca');
});

test('postRelPath removes the post_baseUrl path too', () => {
  const o = conf('post_baseDir /var/www', 'sarra');
  assert.equal(postRelPath(o, '/var/www/data/a', 'f.txt', 'http://h/data/'), 'a/f.txt');
});

test('a relative directory (sender remote dir) stays relative and confined', () => {
  const o = conf('directory sent\nmirror on\naccept .*', 'sender');
  assert.equal(place(o, item('/20200105/WXO-DD/a.txt')), 'sent/20200105/WXO-DD/a.txt');
  assert.throws(() => place(o, item('/20200105/../../a.txt')), PathEscapeError);
});

test('baseDir is removed from the front of relPath', () => {
  const o = conf('baseDir /home/pump/data\ndirectory /remote\nmirror on\naccept .*', 'sender');
  assert.equal(place(o, item('home/pump/data/x/y.txt')), '/remote/x/y.txt');
});

test('the notice rename field and the rename option', () => {
  const o = conf('directory /data/out\nmirror on\naccept .*', 'sarra');
  assert.equal(place(o, item('/a/tmp.part', { rename: '/a/final.txt' })), '/data/out/a/final.txt');
  const dir = conf('directory /data/out\nrename /data/flat/\naccept .*', 'sarra');
  assert.equal(place(dir, item('/a/b/c.txt')), '/data/flat/c.txt');
  const name = conf('directory /data/out\nrename fixed.txt\naccept .*', 'sarra');
  assert.equal(place(name, item('/a/b/c.txt')), '/data/out/fixed.txt');
});

test('accept <re> DESTFN=name renames the file', () => {
  const o = conf('directory /data/out\naccept .*/b/.* DESTFN=renamed.txt');
  assert.equal(place(o, item('/a/b/c.txt')), '/data/out/renamed.txt');
});

test('hostile relPaths are rejected with PathEscapeError (422), mirror on or off', () => {
  for (const mirror of ['on', 'off']) {
    const o = conf(`directory /data/out\nmirror ${mirror}\naccept .*`);
    for (const rel of ['../../etc/passwd', 'a/%2e%2e/%2e%2e/x', 'a/../../../etc/passwd', 'a/.%2e/x', 'a/b\0/c', 'a/%2f..%2fx']) {
      const it = item(rel);
      assert.throws(() => place(o, it), (e: unknown) => e instanceof PathEscapeError && e.reportCode === 422, `${mirror} ${rel}`);
      assert.equal(it.newDir, undefined);
    }
  }
});

test('an absolute relPath with mirror lands under the directory, never at /etc/passwd', () => {
  const o = conf('directory /data/out\nmirror on\naccept .*');
  assert.equal(place(o, item('/etc/passwd')), '/data/out/etc/passwd');
  assert.equal(place(o, item('//etc/passwd')), '/data/out/etc/passwd');
});

test('a hostile rename field or regex group cannot steer the directory out', () => {
  const o = conf('directory /data/out\nmirror on\naccept .*', 'sarra');
  assert.throws(() => place(o, item('/a/x', { rename: '../../../etc/cron.d/x' })), PathEscapeError);
  const g = conf('directory /data/${1}\naccept .*/in/([^/]*)/.*');
  assert.throws(() => place(g, item('/in/%2e%2e/x.txt')), PathEscapeError);
  const s = conf('directory /data/${SOURCE}\naccept .*');
  assert.throws(() => place(s, item('/a/x.txt', { source: '../..' })), PathEscapeError);
});

test('property: any relPath either lands under the directory or is refused', () => {
  const seg = fc.constantFrom('a', 'b', '..', '.', '', '%2e%2e', '%2E.', 'etc', 'passwd', '\0', '..\\..', 'x y');
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), (segs, lead, mirror) => {
      const rel = (lead ? '/' : '') + segs.join('/');
      const o = conf(`directory /data/out\nmirror ${mirror ? 'on' : 'off'}\naccept .*`);
      const it = item(rel);
      try {
        place(o, it);
      } catch (e: unknown) {
        if (e instanceof PathEscapeError) return;
        throw e;
      }
      const full = `${it.newDir}/${it.newFile}`;
      assert.ok(full.startsWith('/data/out/'), full);
      assert.ok(!full.split('/').includes('..'), full);
    }),
    { numRuns: 300 },
  );
});

test('property: the cheap path check refuses exactly what confine refuses', () => {
  const ch = fc.constantFrom('a', '.', '/', '\\', '%', '2', 'e', 'E', 'f', '5', 'c', '0', '\0');
  const throws = (f: () => void): boolean => {
    try {
      f();
      return false;
    } catch (e: unknown) {
      if (e instanceof PathEscapeError) return true;
      throw e;
    }
  };
  fc.assert(
    fc.property(fc.array(ch, { maxLength: 12 }), (cs) => {
      const p = cs.join('');
      assert.equal(throws(() => checkMessagePath(p)), throws(() => confine('/', p)), JSON.stringify(p));
    }),
    { numRuns: 3000 },
  );
});

test('sundew filename fields feed the directory (WMO bulletins)', () => {
  const rel = '/20160902/WXO-DD/bulletins/alphanumeric/20160902/SA/CWAO/12/SACN43_CWAO_021200__CYMJ_40328';
  const n = item(rel, { sundew_extension: 'DMS:WXO_RENAMED:MSC:XML::20160902120301' }).notice;
  assert.deepEqual(sundewVars(n), {
    T1: 'S', T2: 'A', A1: 'C', A2: 'N', ii: '43', CCCC: 'CWAO', YY: '02', GG: '12', Gg: '00', BBB: '',
    RYYYY: '2016', RYY: '16', RMM: '09', RDD: '02', RHH: '12', RMN: '03', RSS: '01', RJJJ: '246',
  });
  const o = conf('directory /data/${T1}${T2}/${CCCC}/${RYYYY}${RMM}${RDD}\naccept .*');
  assert.equal(place(o, item(rel, { sundew_extension: 'DMS:WXO_RENAMED:MSC:XML::20160902120301' })), '/data/SA/CWAO/20160902/SACN43_CWAO_021200__CYMJ_40328');
  assert.deepEqual(sundewVars(item('/a/readme_file.txt').notice), {});
});

test('file operations that would reach outside the directory are refused at filter time', () => {
  const o = conf('directory /data/out\nmirror on\naccept .*', 'sarra');
  assert.throws(() => place(o, item('/a/new.txt', { fileOp: { rename: '../../../etc/shadow' } })), PathEscapeError);
  assert.throws(() => place(o, item('/a/new.txt', { fileOp: { hlink: 'a/%2e%2e/%2e%2e/x' } })), PathEscapeError);
  assert.throws(() => place(o, item('/a/lnk', { fileOp: { link: '../../../etc/passwd' } })), PathEscapeError);
  assert.throws(() => place(o, item('/a/lnk', { fileOp: { link: '..\\..\\..\\etc' } })), PathEscapeError);
  assert.throws(() => place(o, item('/a/lnk', { fileOp: { link: '' } })), PathEscapeError);
  // legitimate ones pass
  assert.equal(place(o, item('/a/lnk', { fileOp: { link: '../b/target' } })), '/data/out/a/lnk');
  assert.equal(place(o, item('/a/lnk', { fileOp: { link: '/a/b/target' } })), '/data/out/a/lnk');
  assert.equal(place(o, item('/a/new.txt', { fileOp: { rename: '/a/old.txt' } })), '/data/out/a/new.txt');
  // without mirror the link sits at the top of the directory: '../x' already leaves it
  const flat = conf('directory /data/out\naccept .*');
  assert.throws(() => place(flat, item('/a/lnk', { fileOp: { link: '../b/target' } })), PathEscapeError);
});

test('a sender into an absolute sftp directory announces an absolute relPath under sftp://host/', () => {
  const o = { varTimeOffset: 0 } as unknown as Parameters<typeof postRelPath>[0];
  assert.equal(postRelPath(o, '/srv/sent/a', 'f.txt', 'sftp://u@h:2222/'), '/srv/sent/a/f.txt');
  assert.equal(postRelPath(o, 'sent/a', 'f.txt', 'sftp://u@h:2222/'), 'sent/a/f.txt');
  assert.equal(postRelPath(o, '/srv/sent/a', 'f.txt', 'http://h/'), 'srv/sent/a/f.txt');
  const withBase = { varTimeOffset: 0, post_baseDir: '/srv' } as unknown as Parameters<typeof postRelPath>[0];
  assert.equal(postRelPath(withBase, '/srv/sent/a', 'f.txt', 'sftp://u@h:2222/'), 'sent/a/f.txt');
});
