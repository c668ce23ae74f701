// test: alone (restarts the shared RabbitMQ)
// Nothing lost, nothing twice: ssmsend killed with SIGKILL mid-send and run again, and a RabbitMQ restart
// (stop_app/start_app) mid-send, with the receiver running throughout. Disturbs the whole broker: run alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { restartBroker } from '@sarra/testkit/rabbit';
import { QueueSimple } from '../src/dirq/simple.js';
import { loadConfig } from '../src/options.js';
import { createLog } from '../src/log.js';
import { runSender } from '../src/sender.js';
import { makeSite, pythonAdd, pythonRead, startReceiver, waitFor, type Site } from './setup.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let site: Site;
let receiver: { stop(): Promise<void> };
before(async () => { site = await makeSite(); receiver = await startReceiver(site); });
after(async () => { await receiver?.stop(); await site?.cleanup(); });

const bodies = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} record ${i}\nSite: X\n%%\n`);

async function sendInProcess(attempts = 8) {
  const cfg = await loadConfig(site.senderCfg, 'sender');
  const log = createLog('ssmsend', cfg.logging);
  try { return await runSender(cfg, log, { attempts }); } finally { await log.close(); }
}

/** Every name arrived in incoming exactly once, with its body. */
async function assertExactlyOnce(names: string[], all: string[]): Promise<void> {
  await waitFor(() => pythonRead(site.spool, 'incoming').filter((e) => names.includes(e.empaid!)).length >= names.length, 60_000, `${names.length} messages in incoming`);
  await new Promise((r) => setTimeout(r, 1500)); // a late duplicate would land now
  const got = pythonRead(site.spool, 'incoming').filter((e) => names.includes(e.empaid!));
  assert.equal(got.length, names.length, 'no duplicates in incoming');
  assert.equal(new Set(got.map((e) => e.empaid)).size, names.length);
  const byName = new Map(got.map((e) => [e.empaid, e.body]));
  names.forEach((n, i) => assert.equal(byName.get(n), all[i]));
}

test('ssmsend killed with SIGKILL mid-send, then run again: every message arrives once', async () => {
  const all = bodies('kill', 1500);
  const names = pythonAdd(site.outgoing, all);
  const q = new QueueSimple(site.outgoing);
  const child = spawn(process.execPath, [`${ROOT}bin/ssmsend.js`, '-c', site.senderCfg], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(sig ? null : code)));
  await waitFor(async () => (await q.count()) < 1200, 60_000, 'the child to send some');
  child.kill('SIGKILL');
  assert.equal(await exited, null);
  const left = await q.count();
  assert.ok(left > 0 && left < 1500, `killed mid-send (${left} left)`);
  const r = await sendInProcess();
  assert.ok(r.sent >= left, `the second run sent what was left (${r.sent} >= ${left}, locked ones included)`);
  assert.equal(await q.count(), 0);
  const dirs = await readdir(site.outgoing);
  for (const d of dirs) assert.deepEqual((await readdir(`${site.outgoing}/${d}`)).filter((n) => n.endsWith('.lck')), [], 'no lock left');
  await assertExactlyOnce(names, all);
});

test('RabbitMQ restarted mid-send: the sender and the receiver reconnect; every message arrives once', async () => {
  const all = bodies('restart', 1500);
  const names = pythonAdd(site.outgoing, all);
  const q = new QueueSimple(site.outgoing);
  const run = sendInProcess(12);
  await waitFor(async () => (await q.count()) < 1300, 60_000, 'some to be sent');
  await restartBroker(1000);
  const r = await run;
  assert.equal(await q.count(), 0);
  assert.ok(r.sent >= 1500 - 1300);
  await assertExactlyOnce(names, all);
  assert.match(await readFile(`${site.dir}/ssmsend.log`, 'utf8'), /Connection lost while sending/);
  assert.match(await readFile(`${site.dir}/ssmreceive.log`, 'utf8'), /Connection lost/);
});
