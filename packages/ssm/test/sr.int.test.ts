// An SSM receiver as an sr configuration: `<config dir>/ssmreceive/<name>.conf` (+ `<name>.dns`) started,
// observed and stopped by `sr start/status/stop` like any other; a broken one refused with file:line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { loadConfig } from '../src/options.js';
import { createLog } from '../src/log.js';
import { runSender } from '../src/sender.js';
import { makeSite, pythonAdd, pythonRead, waitFor, type Site } from './setup.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let site: Site;
let home: TempHome;
before(async () => { site = await makeSite(); home = await tempHome(); });
after(async () => {
  spawnSync(process.execPath, [`${ROOT}bin/sr.js`, 'stop'], { env: home.env, timeout: 60_000 });
  await home?.cleanup();
  await site?.cleanup();
});

const sr = (...args: string[]) => spawnSync(process.execPath, [`${ROOT}bin/sr.js`, ...args], { env: home.env, encoding: 'utf8', timeout: 60_000 });

test('sr start / status / stop run an SSM receiver configuration', async () => {
  await home.writeConfig('ssmreceive/site.conf', await readFile(site.receiverCfg, 'utf8'));
  await home.writeConfig('ssmreceive/site.dns', await readFile(site.dns, 'utf8'));
  const start = sr('start', 'ssmreceive/site');
  assert.equal(start.status, 0, start.stderr);
  assert.match(start.stdout, /ssmreceive\/site: started 1 instance/);
  await waitFor(async () => /Subscribing to/.test(await readFile(`${site.dir}/ssmreceive.log`, 'utf8').catch(() => '')), 30_000, 'the subscription');
  const names = pythonAdd(site.outgoing, ['under sr start\n']);
  const cfg = await loadConfig(site.senderCfg, 'sender');
  const log = createLog('ssmsend', cfg.logging);
  await runSender(cfg, log);
  await log.close();
  await waitFor(() => pythonRead(site.spool, 'incoming').some((e) => e.empaid === names[0]), 10_000, 'the message');
  const status = sr('status', 'ssmreceive/site');
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /ssmreceive\/site\s+run/i);
  const stop = sr('stop', 'ssmreceive/site');
  assert.equal(stop.status, 0, stop.stderr);
  assert.match(await readFile(`${site.dir}/ssmreceive.log`, 'utf8'), /Receiving SSM has shut down\./);
  assert.match(sr('status', 'ssmreceive/site').stdout, /ssmreceive\/site\s+stop/i);
});

test('sr start refuses an SSM receiver configuration with an unknown key, naming file:line', async () => {
  const file = await home.writeConfig('ssmreceive/bad.conf', (await readFile(site.receiverCfg, 'utf8')).replace('check_crls: true', 'check_crl: true'));
  await home.writeConfig('ssmreceive/bad.dns', await readFile(site.dns, 'utf8'));
  const where = new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+: unknown key 'check_crl' in \\[certificates\\]`);
  const r = sr('start', 'ssmreceive/bad');
  assert.equal(r.status, 1);
  assert.match(r.stderr, where);
  const lint = sr('lint', 'ssmreceive/bad');
  assert.equal(lint.status, 1);
  assert.match(lint.stdout, where);
  const show = sr('show', '--json', 'ssmreceive/site');
  assert.equal(show.status, 0, show.stderr);
  assert.equal((JSON.parse(show.stdout) as { broker: { password: string } }).broker.password, '***');
});
