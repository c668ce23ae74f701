// The built-in plugins of @sarra/plugin, each loaded by its sr3 name from a configuration as a flow loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@sarra/common';
import { newWorklist, type Worklist } from '@sarra/flow';
import { timestampFromMs } from '@sarra/message';
import { item, load, withLoaded, type Loaded } from './helpers.js';


const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

test('accept.httptohttps: http baseUrls become https, others are left alone', () =>
  withLoaded('callback sarracenia.flowcb.accept.httptohttps.HttpToHttps', async (_l, h) => {
    assert.equal(h.name, 'accept.httptohttps');
    const wl = newWorklist([item('a/b.txt', 'http://dd.weather.gc.ca/'), item('c', 'sftp://host/')]);
    await h.afterAccept!(wl);
    assert.deepEqual(wl.incoming.map((i) => i.notice.baseUrl), ['https://dd.weather.gc.ca/', 'sftp://host/']);
  }));

test('accept.tolocal then accept.tohttp: web URL to a file URL under the document root and back', async () => {
  const l = await load('baseDir /var/www/html\ncallback accept.tolocal\ncallback accept.tohttp');
  try {
    const [toLocal, toHttp] = l.hooks;
    const wl = newWorklist([item('20261203/x.grib', 'http://localhost/'), item('y', 'ftp://elsewhere/')]);
    await toLocal!.afterAccept!(wl);
    assert.deepEqual(wl.incoming.map((i) => i.notice.baseUrl), ['file:///var/www/html/', 'ftp://elsewhere/']);
    await toHttp!.afterAccept!(wl);
    assert.deepEqual(wl.incoming.map((i) => i.notice.baseUrl), ['http://localhost/', 'ftp://elsewhere/']);
  } finally {
    await l.home.cleanup();
  }
});

test('accept.tolocal: toLocalRoot and toLocalUrl; without a document root the start is refused', async () => {
  await withLoaded('toLocalRoot /srv/www\ntoLocalUrl ^(https://host/~user/)\ncallback accept.tolocal', async (_l, h) => {
    const wl = newWorklist([item('a', 'https://host/~user/data/')]);
    await h.afterAccept!(wl);
    assert.equal(wl.incoming[0]!.notice.baseUrl, 'file:///srv/www/data/');
  });
  await assert.rejects(load('callback accept.tolocal'), (e: unknown) => e instanceof ConfigError && /toLocalRoot or baseDir/.test(e.message));
});

test('accept.rename: the destination name rewritten by a regex; a result leaving the directory is rejected 422', () =>
  withLoaded('rename_from :[^:]*$\nrename_to .grib\ncallback accept.rename', async (_l, h) => {
    const ok = item('d/file.bin:AMIS:CWAO', undefined, '/tmp/dest');
    ok.newRelPath = 'd/file.bin:AMIS:CWAO';
    const same = item('d/plain.txt', undefined, '/tmp/dest');
    const wl = newWorklist([ok, same]);
    await h.afterAccept!(wl);
    assert.equal(ok.newFile, 'file.bin:AMIS.grib');
    assert.equal(ok.newRelPath, 'd/file.bin:AMIS.grib');
    assert.equal(same.newFile, 'plain.txt');
    assert.equal(wl.incoming.length, 2);
  }));

test('accept.rename: a rename to a path is rejected with its reason; rename_from is required', async () => {
  await withLoaded('rename_from ^(.*)$\nrename_to ../$1\ncallback accept.rename', async (_l, h) => {
    const wl = newWorklist([item('x.txt', undefined, '/tmp/dest')]);
    await h.afterAccept!(wl);
    assert.equal(wl.incoming.length, 0);
    assert.equal(wl.rejected[0]!.reportCode, 422);
    assert.match(wl.rejected[0]!.reportMessage!, /gives '\.\.\/x\.txt', not a file name/);
  });
  await assert.rejects(load('callback accept.rename'), /needs rename_from/);
});

test('accept.trim_header: the listed fields leave the notice; a core field is refused at start', async () => {
  await withLoaded('trim_header mtime,atime\ncallback accept.trim_header', async (_l, h) => {
    const it = item('a');
    Object.assign(it.notice, { mtime: '20261203T150000', atime: '20261203T150000', mode: '644' });
    await h.afterAccept!(newWorklist([it]));
    assert.deepEqual(Object.keys(it.notice).sort(), ['baseUrl', 'mode', 'pubTime', 'relPath']);
  });
  await assert.rejects(load('trim_header relPath\ncallback accept.trim_header'), /relPath is what a notice is made of/);
});

test('accept.sleep: waits accept_sleep per notice (0 here: the option is typed and read)', () =>
  withLoaded('accept_sleep 0\ncallback accept.sleep', async (l, h) => {
    assert.equal(l.o.pluginOptions.accept_sleep, 0);
    const wl = newWorklist([item('a')]);
    await h.afterAccept!(wl);
    assert.equal(wl.incoming.length, 1);
  }));

test('accept.sleep: a bad duration is an error at its line', async () => {
  await assert.rejects(load('accept_sleep soon\ncallback accept.sleep'), (e: unknown) => e instanceof ConfigError && e.line === 2);
});

async function tree(l: Loaded): Promise<string> {
  const dir = join(l.home.home, 'dest');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.txt'), 'a');
  return dir;
}

test('accept.delete: the local copy is removed before the transfer; the item goes on', () =>
  withLoaded('callback accept.delete', async (l, h) => {
    const dir = await tree(l);
    const gone = item('a.txt', undefined, dir), missing = item('b.txt', undefined, dir);
    const wl = newWorklist([gone, missing]);
    await h.afterAccept!(wl);
    assert.equal(await exists(join(dir, 'a.txt')), false);
    assert.deepEqual(wl.incoming, [gone, missing]);
    assert.ok((await l.lines()).some((s) => s.includes(`deleted ${join(dir, 'a.txt')}`)));
  }));

test('accept.delete: a destination outside its root is not removed: the item is rejected with the reason', () =>
  withLoaded('callback accept.delete', async (l, h) => {
    const dir = await tree(l);
    const evil = item('a.txt', undefined, join(dir, 'sub'));
    evil.newDir = dir;
    const wl = newWorklist([evil]);
    await h.afterAccept!(wl);
    assert.equal(await exists(join(dir, 'a.txt')), true);
    assert.equal(wl.rejected[0]!.reportCode, 500);
    assert.match(wl.rejected[0]!.reportMessage!, /^accept\.delete: /);
  }));

test('filter.deleteflowfiles: files removed and the notices done (ok) with no transfer; failures rejected', () =>
  withLoaded('callback filter.deleteflowfiles', async (l, h) => {
    const dir = await tree(l);
    const a = item('a.txt', undefined, dir);
    const evil = item('a.txt', undefined, join(dir, 'sub'));
    evil.newDir = dir;
    const wl: Worklist = newWorklist([a, evil]);
    await h.afterAccept!(wl);
    assert.equal(await exists(join(dir, 'a.txt')), false);
    assert.deepEqual(wl.ok, [a]);
    assert.deepEqual(wl.rejected, [evil]);
    assert.deepEqual(wl.incoming, []);
  }));

test('work.delete: the source under baseDir and, with delete_destination, the copy are removed after work', async () => {
  const l = await load('callback work.delete\ndelete_destination on\nbaseDir /nonexistent');
  try {
    const src = join(l.home.home, 'src');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'in.txt'), 'x');
    const dest = await tree(l);
    l.o.baseDir = src;
    // the hook as the flow loaded it: it reads baseDir from the options when it removes
    const hook = l.hooks.find((x) => x.name === 'work.delete')!;
    const it = item('in.txt', `file://${src}/`, dest);
    it.newFile = 'a.txt';
    const outside = item('etc/passwd', 'file:///');
    const wl = newWorklist();
    wl.ok.push(it, outside);
    await hook.afterWork!(wl);
    assert.equal(await exists(join(src, 'in.txt')), false);
    assert.equal(await exists(join(dest, 'a.txt')), false);
    assert.equal(await exists('/etc/passwd'), true);
  } finally {
    await l.home.cleanup();
  }
});

test('work.delete: delete_source without baseDir is refused at start', async () => {
  await assert.rejects(load('callback work.delete'), /delete_source needs baseDir/);
});

test('work.age: logs each file\'s age and reports count, maximum and average in metricsReport', () =>
  withLoaded('callback work.age', async (l, h) => {
    const old = item('old.txt');
    old.notice.mtime = timestampFromMs(Date.now() - 120_000);
    const bad = item('bad.txt');
    bad.notice.mtime = 'yesterday';
    const wl = newWorklist();
    wl.ok.push(old, bad, item('none.txt'));
    await h.afterWork!(wl);
    const m = h.metricsReport!() as { count: number; ageMax: number; ageAverage: number };
    assert.equal(m.count, 1);
    assert.ok(m.ageMax >= 119 && m.ageMax < 600, String(m.ageMax));
    await h.onHousekeeping!();
    assert.equal((h.metricsReport!() as { count: number }).count, 0);
    assert.ok((await l.lines()).some((s) => /file old\.txt is 1[2-9]\d seconds old/.test(s)));
  }));

test('sample: one log line per entry point with the worklist sizes', () =>
  withLoaded('callback sample\nsample_prefix probe', async (l, h) => {
    await h.onStart!();
    const wl = newWorklist([item('a')]);
    await h.afterAccept!(wl);
    await h.afterWork!(wl);
    await h.afterPost!(wl);
    await h.onHousekeeping!();
    await h.onStop!();
    assert.deepEqual(h.metricsReport!(), { seen: 1 });
    const lines = (await l.lines()).map((s) => s.replace(/^.*probe /, ''));
    assert.deepEqual(lines, ['onStart', 'afterAccept incoming=1 ok=0 rejected=0 failed=0', 'afterWork incoming=1 ok=0 rejected=0 failed=0',
      'afterPost incoming=1 ok=0 rejected=0 failed=0', 'onHousekeeping', 'onStop']);
  }));

test('an sr3 name with no plugin behind it is an error naming the line (gather.am is not skipped)', async () => {
  await assert.rejects(load('callback gather.am'), (e: unknown) => e instanceof ConfigError && e.line === 2 && /gather\.am: no such plugin module/.test(e.message));
});
