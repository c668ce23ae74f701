// The commands as a site runs them, in child processes: bin/ssmreceive.js as a daemon (pid file, SIGTERM ends
// it cleanly), `sr ssmsend` and bin/ssmsend.js with SSM's flags, exit codes and file:line on a bad configuration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { makeSite, pythonAdd, pythonRead, waitFor, type Site } from './setup.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let site: Site;
before(async () => { site = await makeSite(); });
after(async () => { await site?.cleanup(); });

test('ssmreceive daemon: writes its pid file, stores what `sr ssmsend` sends, ends on SIGTERM with exit 0 and no pid file', async () => {
  const rx = spawn(process.execPath, [`${ROOT}bin/ssmreceive.js`, '--config', site.receiverCfg, '-d', site.dns, '-l', '/etc/apel/logging.cfg'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => rx.once('exit', (code) => r(code)));
  const pidfile = `${site.dir}/ssmreceive.pid`;
  await waitFor(() => stat(pidfile).then(() => true, () => false), 30_000, 'the pid file');
  assert.equal((await readFile(pidfile, 'utf8')).trim(), String(rx.pid));
  await waitFor(async () => /Subscribing to/.test(await readFile(`${site.dir}/ssmreceive.log`, 'utf8').catch(() => '')), 30_000, 'the subscription');
  const names = pythonAdd(site.outgoing, ['via sr ssmsend\n', 'second\n']);
  const send = spawnSync(process.execPath, [`${ROOT}bin/sr.js`, 'ssmsend', '-c', site.senderCfg], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(send.status, 0, send.stderr);
  await waitFor(() => pythonRead(site.spool, 'incoming').length === 2, 10_000, 'two messages in incoming');
  assert.deepEqual(pythonRead(site.spool, 'incoming').map((e) => e.empaid), names);
  rx.kill('SIGTERM');
  assert.equal(await exited, 0);
  await assert.rejects(stat(pidfile), /ENOENT/);
  const log = await readFile(`${site.dir}/ssmreceive.log`, 'utf8');
  assert.match(log, /--log_config \/etc\/apel\/logging\.cfg accepted/);
  assert.match(log, /Receiving SSM has shut down\./);
});

test('ssmsend with nothing to send exits 0; a bad key exits 1 naming file:line; a bad flag exits 2 with the usage', async () => {
  const empty = spawnSync(process.execPath, [`${ROOT}bin/ssmsend.js`, '-c', site.senderCfg], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(empty.status, 0, empty.stderr);
  assert.match(await readFile(`${site.dir}/ssmsend.log`, 'utf8'), /No messages found to send\./);
  const bad = `${site.dir}/bad.cfg`;
  await writeFile(bad, (await readFile(site.senderCfg, 'utf8')).replace('use_ssl: false', 'use_sll: false'));
  const r = spawnSync(process.execPath, [`${ROOT}bin/ssmsend.js`, '-c', bad], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')}:6: unknown key 'use_sll' in \\[broker\\]`));
  const u = spawnSync(process.execPath, [`${ROOT}bin/ssmsend.js`, '-d', 'dns'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(u.status, 2);
  assert.match(u.stderr, /usage: ssmsend/);
});
