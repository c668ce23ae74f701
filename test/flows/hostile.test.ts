// ACCEPTANCE check 14: hostile paths ('..', encoded '..', absolute, renames/links pointing outside, removes
// outside, link chains that build a way out, a symlink already in the tree, file: baseUrls naming local files)
// sent to sarra/download and to sender/s: nothing outside the configured directory is read, written or removed,
// judged on disk; each is rejected with a reason and counted; the flow goes on.
import assert from 'node:assert/strict';
import { cp, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nowTimestamp, type Notice } from '@sarra/message';
import { pump, type Pump } from './lib/pump.js';
import { drain, until } from './lib/drain.js';
import { inRejectDir, listTree } from './lib/manifest.js';
import { startPump } from './lib/start.js';
import { noticeOf, publishAll } from './lib/inject.js';

const VICTIM = 'must survive\n';

describe('check 14: hostile paths', { timeout: 180_000 }, () => {
  let p: Pump;
  let goodSarra: Notice[], goodSender: Notice[];
  let hostileSarra: Notice[], hostileSender: Notice[];
  let outsideBefore: string[];
  const outside = (): Promise<string[]> => listTree(p.work).then((l) => l.filter((f) =>
    !/^(src|docroot|downloaded_by_sub|sftp\/sent)\//.test(f)));

  before(async () => {
    p = await pump({ name: 'hostile', configs: ['sarra/download', 'sender/s'] });
    await writeFile(join(p.work, 'victim.txt'), VICTIM);
    await writeFile(join(p.work, 'secret.txt'), 'local secret\n');
    // a symlink already inside the sarra's tree, leading out of it
    await mkdir(join(p.work, 'elsewhere'), { recursive: true });
    await writeFile(join(p.work, 'elsewhere', 'victim'), VICTIM);
    await mkdir(p.docroot, { recursive: true });
    await symlink(join(p.work, 'elsewhere'), join(p.docroot, 'esc'));
    // the sender's side: a source symlink out of baseDir, and a symlink in the remote directory leading out of it
    await mkdir(join(p.work, 'elsewhere-remote'), { recursive: true });
    await writeFile(join(p.work, 'elsewhere-remote', 'victim'), VICTIM);
    await mkdir(p.sent, { recursive: true });
    await symlink(join(p.work, 'elsewhere-remote'), join(p.sent, 'esc'));
    await mkdir(join(p.bySub, 'esc'), { recursive: true });
    await writeFile(join(p.bySub, 'esc', 'planted.txt'), 'must not land behind the remote link\n');
    await symlink(join(p.work, 'secret.txt'), join(p.bySub, 'leak.txt'));
    await writeFile(join(p.sftpRoot, 'victim-remote.txt'), VICTIM);
    const rels = (await listTree(p.src)).filter((r) => !inRejectDir(r)).slice(0, 16);
    for (const r of rels.slice(8)) { await mkdir(dirname(join(p.bySub, r)), { recursive: true }); await cp(join(p.src, r), join(p.bySub, r)); }
    goodSarra = await Promise.all(rels.slice(0, 8).map((r) => noticeOf(p.src, r, p.p1.url)));
    goodSender = await Promise.all(rels.slice(8).map((r) => noticeOf(p.bySub, r, `file:${p.bySub}/`)));
    const t = nowTimestamp();
    const g = goodSarra[0]!;
    hostileSarra = [
      { ...g, relPath: '../victim.txt' },
      { ...g, relPath: '20200105/%2e%2e/%2e%2e/victim.txt' },
      { ...g, relPath: 'a/../../victim.txt' },
      { ...g, relPath: `${p.work}/../${p.work.split('/').pop()}/victim.txt`.replace(/^\//, '/') },
      { pubTime: t, baseUrl: p.p1.url, relPath: '../victim.txt', fileOp: { remove: '' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'x/evil-link', fileOp: { link: '../../../../../etc/passwd' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'x/evil-rename', fileOp: { rename: '../victim.txt' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: '../evil-renamed.txt', fileOp: { rename: goodSarra[1]!.relPath } },
      // a chain of links that would build a way up (dot -> ., up -> dot/..), and a loop over the tree
      { pubTime: t, baseUrl: p.p1.url, relPath: 'dot', fileOp: { link: '.' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'up', fileOp: { link: 'dot/..' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'x/loop', fileOp: { link: '..' } },
      // through the symlink already in the tree: write, remove, rename out from behind it, rename into it
      { ...g, relPath: `esc/${g.relPath.split('/').pop()}` },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'esc/victim', fileOp: { remove: '' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'x/stolen', fileOp: { rename: 'esc/victim' } },
      { pubTime: t, baseUrl: p.p1.url, relPath: 'esc/planted', fileOp: { rename: goodSarra[2]!.relPath } },
      // file: baseUrls naming the pump's own files (the sarra has no baseDir: refused outright)
      { ...g, baseUrl: 'file:/', relPath: `${p.work.slice(1)}/secret.txt`, identity: undefined, size: undefined },
      { ...g, baseUrl: `file://localhost${p.work}/`, relPath: 'secret.txt', identity: undefined, size: undefined },
    ];
    const s = goodSender[0]!;
    hostileSender = [
      { ...s, relPath: '../secret.txt' },
      { ...s, relPath: '%2e%2e/secret.txt' },
      { pubTime: t, baseUrl: `file:${p.bySub}/`, relPath: '../../victim-remote.txt', fileOp: { remove: '' } },
      { pubTime: t, baseUrl: `file:${p.bySub}/`, relPath: 'evil-link', fileOp: { link: '../../../../../etc/passwd' } },
      { pubTime: t, baseUrl: `file:${p.bySub}/`, relPath: 'evil-rename', fileOp: { rename: '../../victim-remote.txt' } },
      { ...s, relPath: 'leak.txt' },
      await noticeOf(p.bySub, 'esc/planted.txt', `file:${p.bySub}/`),
      { pubTime: t, baseUrl: `file:${p.bySub}/`, relPath: 'esc/victim', fileOp: { remove: '' } },
    ];
    await startPump(p);
    outsideBefore = await outside();
    const mix = (good: Notice[], bad: Notice[]): Notice[] => good.flatMap((n, i) => (bad[i] ? [bad[i]!, n] : [n])).concat(bad.slice(good.length));
    await publishAll(p.vh.url, 'xsarra', mix(goodSarra, hostileSarra));
    await publishAll(p.vh.url, 'xs_tsource', mix(goodSender, hostileSender));
    await until(p, 'the good files delivered', async () => (await listTree(p.docroot)).length >= goodSarra.length
      && (await listTree(p.sent)).length >= goodSender.length, 60_000);
    await drain(p, { timeoutMs: 90_000 });
  });
  after(async () => { await p?.cleanup(); });

  test('nothing outside the configured directories was read, written or removed', async () => {
    assert.equal(await readFile(join(p.work, 'victim.txt'), 'utf8'), VICTIM);
    assert.equal(await readFile(join(p.sftpRoot, 'victim-remote.txt'), 'utf8'), VICTIM);
    assert.equal(await readFile(join(p.work, 'elsewhere', 'victim'), 'utf8'), VICTIM, 'nothing removed behind the link');
    assert.equal(await readFile(join(p.work, 'elsewhere-remote', 'victim'), 'utf8'), VICTIM, 'nothing removed behind the remote link');
    for (const f of await listTree(p.docroot)) {
      assert.notEqual(await readFile(join(p.docroot, f), 'utf8').catch(() => ''), 'local secret\n', `secret copied in as ${f}`);
    }
    assert.deepEqual(await outside(), outsideBefore, 'no file appeared or vanished outside');
    for (const f of await listTree(p.sent)) {
      if (f === 'esc') continue; // the test's own link
      assert.notEqual(await readFile(join(p.sent, f), 'utf8').catch(() => ''), 'local secret\n', `secret sent as ${f}`);
      assert.ok(!(await lstat(join(p.sent, f))).isSymbolicLink(), `no link created remotely: ${f}`);
    }
    for (const f of await listTree(p.docroot)) {
      if (f === 'esc') continue; // the test's own link
      assert.ok(!(await lstat(join(p.docroot, f))).isSymbolicLink(), `no link in DOCROOT: ${f}`);
    }
  });

  test('each hostile notice is rejected with a reason and counted; the flow goes on', async () => {
    const rows = await p.status();
    const sarra = rows.find((r) => r.component === 'sarra')!, sender = rows.find((r) => r.component === 'sender')!;
    const ts = await p.totals('sarra', 'download'), tt = await p.totals('sender', 's');
    assert.equal(sarra.transferredFiles, goodSarra.length, 'sarra delivered the good files');
    assert.equal(sender.transferredFiles, goodSender.length, 'sender sent the good files');
    assert.equal(sarra.running + sender.running, 2, 'both still running');
    const byReason = (t: typeof ts): number => Object.values(t.rejectedByReason).reduce((a, b) => a + b, 0);
    assert.equal(byReason(ts) + ts.failed, hostileSarra.length, `sarra refused each hostile notice: ${JSON.stringify(ts)}`);
    assert.equal(byReason(tt) + tt.failed, hostileSender.length, `sender refused each hostile notice: ${JSON.stringify(tt)}`);
    const logs = `${await p.logText('sarra', 'download')}\n${await p.logText('sender', 's')}`;
    const refusals = logs.split('\n').filter((l) => /422|escape|outside|hostile|not allowed|unsafe/i.test(l));
    assert.ok(refusals.length >= hostileSarra.length + hostileSender.length, `a reason logged for each:\n${refusals.join('\n')}`);
    assert.equal(sarra.retry + sender.retry, 0, 'nothing left to retry');
  });

  test('sr status counts each rejection once', async () => {
    const rows = await p.status();
    for (const [comp, cfg] of [['sarra', 'download'], ['sender', 's']] as const) {
      const t = await p.totals(comp, cfg);
      const r = rows.find((x) => x.component === comp)!;
      assert.equal(r.rejected, Object.values(t.rejectedByReason).reduce((a, b) => a + b, 0), `${comp}/${cfg} rejected vs rejectedByReason`);
    }
  });
});
