// Integration (real RabbitMQ + sshd): a sender fed hostile notices. Its source tree holds symlinks leading out of
// baseDir (to a secret file, to a secret directory); its remote tree holds `esc -> /outside`. Over SFTP and over a
// file: sendTo: the secret never reaches the remote, nothing outside the remote root is written, removed or moved,
// each refusal is acked and counted, a symlink at a final name is replaced by the upload, and the valid notices
// before and after are delivered and posted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { startSshd, type SshdHandle } from '@sarra/testkit/sshd';
import { nowTimestamp, type Notice } from '@sarra/message';
import { runInstance } from '../src/instance.js';
import { collector, declareExchanges, logTails, publish, readMetrics, total, waitFor, snapshot } from './flowkit.js';

let v: TestVhost;
let home: TempHome;
let sshd: SshdHandle;
let work: string;
const SECRET = 'the pump host\'s secret\n';
const VICTIM = 'outside the remote root: must survive\n';
const sha = (b: Buffer | string): string => createHash('sha512').update(b).digest('base64');


function fileNotice(rel: string, data: string): Notice {
  return { pubTime: nowTimestamp(), baseUrl: 'file:/', relPath: `/${rel}`, identity: { method: 'sha512', value: sha(data) }, size: Buffer.byteLength(data) };
}
function opNotice(rel: string, fileOp: Record<string, string>): Notice {
  return { pubTime: nowTimestamp(), baseUrl: 'file:/', relPath: `/${rel}`, fileOp } as Notice;
}

before(async () => {
  v = await withVhost('sarra-sender-confine');
  home = await tempHome();
  work = await realpath(await mkdtemp(join(tmpdir(), 'sender-confine-')));
  const src = join(work, 'src');
  await mkdir(join(src, 'esc'), { recursive: true });
  await mkdir(join(work, 'secretdir'));
  await writeFile(join(work, 'secret.txt'), SECRET);
  await writeFile(join(work, 'secretdir', 'f'), SECRET);
  for (const f of ['good1.txt', 'good2.txt', 'trap', 'esc/x']) await writeFile(join(src, f), `${f} content\n`);
  await symlink('../secret.txt', join(src, 'leak'));
  await symlink('../secretdir', join(src, 'dirleak'));
  await mkdir(join(work, 'sftproot'));
  sshd = await startSshd({ root: join(work, 'sftproot') });
  await home.writeConfig('credentials.conf', `${v.url}\n${sshd.url}/ ssh_keyfile=${sshd.keyFile},known_hosts=${sshd.knownHosts}\n`);
  await declareExchanges(v.url, ['xsftp', 'xsftp_out', 'xfile', 'xfile_out']);
});

after(async () => {
  await sshd?.cleanup();
  await v?.cleanup();
  await home?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Runs one sender (`sendTo`, remote tree at `remoteRoot/dst`, whose `esc` leads to `outside`) through the hostile
 * notices between two valid ones, and checks what a user would see.
 */
async function scenario(name: string, sendTo: string, remoteRoot: string, outside: string): Promise<void> {
  const dst = join(remoteRoot, 'dst');
  await mkdir(dst, { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), VICTIM);
  await symlink(outside, join(dst, 'esc'));
  await writeFile(join(dst, 'keep.txt'), 'keep\n');
  await symlink(join(outside, 'victim'), join(dst, 'trap'));
  const broker = `amqp://guest@127.0.0.1:5672/${v.vhost}`;
  await home.writeConfig(`sender/${name}.conf`, [
    `broker ${broker}`, `exchange x${name}`, `sendTo ${sendTo}`, `baseDir ${join(work, 'src')}`, 'mirror on',
    'directory dst', 'attempts 1', `post_broker ${broker}`, `post_exchange x${name}_out`, `post_baseUrl ${sendTo}`,
    'accept .*', ''].join('\n'));
  const outsideBefore = await snapshot(work, (rel) => rel === 'sftproot' || rel.startsWith('sftproot/') || rel === 'fileroot' || rel.startsWith('fileroot/'));
  const posted = await collector(v.url, `x${name}_out`);
  const ctl = new AbortController();
  const run = runInstance({ component: 'sender', config: name, instance: 1, foreground: false, env: home.env, signal: ctl.signal });
  const hostile = [
    fileNotice('leak', SECRET), // source: a symlink to a file outside baseDir
    fileNotice('dirleak/f', SECRET), // source: through a symlinked directory outside baseDir
    fileNotice('esc/x', 'esc/x content\n'), // remote: write behind esc
    opNotice('esc/victim', { remove: '' }), // remote: remove behind esc
    opNotice('esc/moved', { rename: '/keep.txt' }), // remote: rename into esc
    opNotice('stolen', { rename: '/esc/victim' }), // remote: rename out of esc
    opNotice('evil', { link: 'esc/victim' }), // remote: a link resolving (through esc) outside
  ];
  try {
    await waitFor('sender queue declared', async () => (await v.mgmt.queues(v.vhost)).some((q) => q.name.includes(`sender.${name}`)), 30_000);
    await publish(v.url, `x${name}`, [fileNotice('good1.txt', 'good1.txt content\n'), ...hostile, fileNotice('trap', 'trap content\n'), fileNotice('good2.txt', 'good2.txt content\n')]);
    await waitFor('good2 delivered', async () => (await readFile(join(dst, 'good2.txt'), 'utf8').catch(() => '')) === 'good2.txt content\n', 60_000,
      () => logTails(home.cacheDir));
    await waitFor('queue drained (everything acked)', async () => (await v.mgmt.queues(v.vhost)).every((q) => q.messages === 0), 30_000);
    await posted.settle(500, 10_000);
  } finally {
    ctl.abort();
    assert.equal(await run, 0);
    await posted.close();
  }
  // valid notices around the hostile ones: delivered and posted
  assert.equal(await readFile(join(dst, 'good1.txt'), 'utf8'), 'good1.txt content\n');
  assert.equal(await readFile(join(dst, 'good2.txt'), 'utf8'), 'good2.txt content\n');
  // a symlink at the final name is replaced by the upload (inflight name renamed over it), not followed
  assert.ok((await lstat(join(dst, 'trap'))).isFile(), 'trap is a regular file now');
  assert.equal(await readFile(join(dst, 'trap'), 'utf8'), 'trap content\n');
  const postedPaths = posted.got.map((n) => n.relPath.replace(/^.*\/dst\//, '').replace(/^dst\//, '')).sort();
  assert.deepEqual(postedPaths, ['good1.txt', 'good2.txt', 'trap'], `only the valid ones are posted (${posted.got.map((n) => n.relPath).join(', ')})`);
  // the secret never reached the remote, nothing behind esc was written, removed or moved
  for (const [rel, what] of await snapshot(remoteRoot)) assert.notEqual(what, sha(SECRET), `secret found on the remote at ${rel}`);
  for (const p of ['leak', 'dirleak', 'stolen', 'evil', 'esc/moved']) await assert.rejects(lstat(join(dst, p)), `${p} is not on the remote`);
  assert.ok((await lstat(join(dst, 'esc'))).isSymbolicLink());
  assert.equal(await readFile(join(dst, 'keep.txt'), 'utf8'), 'keep\n', 'the rename into esc moved nothing');
  assert.deepEqual(await readdir(outside), ['victim']);
  assert.equal(await readFile(join(outside, 'victim'), 'utf8'), VICTIM);
  const outsideAfter = await snapshot(work, (rel) => rel === 'sftproot' || rel.startsWith('sftproot/') || rel === 'fileroot' || rel.startsWith('fileroot/'));
  assert.deepEqual(outsideAfter, outsideBefore, 'nothing outside the remote roots changed');
  // each refusal counted
  const m = await readMetrics(home.cacheDir, 'sender', name);
  const refused = total(m, 'rejected') + total(m, 'failed');
  assert.ok(refused >= hostile.length, `refusals counted (rejected + failed = ${refused}, ${hostile.length} hostile)`);
  assert.equal(total(m, 'transferredFiles'), 3, 'good1, trap, good2 sent');
  const log = await readFile(join(home.cacheDir, 'log', `sender_${name}_01.log`), 'utf8');
  if (process.env.DEBUG_SENDER) process.stderr.write(`${log}\n${JSON.stringify(m?.totals)}\n`);
  assert.match(log, /source \/leak refused/);
  assert.match(log, /esc is a symlink/);
}

test('sender over SFTP: source symlinks out of baseDir and a remote `esc -> /outside` lead nowhere; valid notices delivered', { timeout: 120_000 }, async () => {
  await scenario('sftp', `${sshd.url}/`, sshd.root, join(work, 'outside-sftp'));
});

test('sender to a file: sendTo: the same, through confined-fs', { timeout: 120_000 }, async () => {
  await mkdir(join(work, 'fileroot'));
  await scenario('file', `file:${join(work, 'fileroot')}/`, join(work, 'fileroot'), join(work, 'outside-file'));
});
