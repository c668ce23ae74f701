// protocol: AMQP, for sites on a Sarracenia pump: an AMQP ssmsend meets a STOMP ssmreceive on RabbitMQ and a
// STOMP ssmsend an AMQP ssmreceive (the plugin maps /queue/x to queue x), bodies and signers intact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { loadConfig } from '../src/options.js';
import { createLog } from '../src/log.js';
import { runSender } from '../src/sender.js';
import { runReceiver } from '../src/receiver.js';
import { makeSite, pythonAdd, pythonRead, startReceiver, waitFor, type Site } from './setup.js';

let site: Site;
before(async () => { site = await makeSite(); });
after(async () => { await site?.cleanup(); });

async function amqpVariant(file: string, name: string): Promise<string> {
  const f = `${site.dir}/${name}.cfg`;
  await writeFile(f, (await readFile(file, 'utf8')).replace('protocol: STOMP', 'protocol: AMQP').replace('port: 61613', 'port: 5672'));
  return f;
}

async function send(file: string) {
  const cfg = await loadConfig(file, 'sender');
  assert.equal(cfg.protocol, file === site.senderCfg ? 'STOMP' : 'AMQP');
  const log = createLog('ssmsend', cfg.logging);
  try { return await runSender(cfg, log); } finally { await log.close(); }
}

test('an AMQP sender (publisher confirms) to a STOMP receiver', async () => {
  const rx = await startReceiver(site);
  try {
    const names = pythonAdd(site.outgoing, ['over AMQP é\n', 'two\r\n']);
    assert.equal((await send(await amqpVariant(site.senderCfg, 'sender-amqp'))).sent, 2);
    await waitFor(() => pythonRead(site.spool, 'incoming').length === 2, 10_000, 'two in incoming');
    const got = pythonRead(site.spool, 'incoming');
    assert.deepEqual(got.map((e) => [e.empaid, e.body, e.signer]), [[names[0], 'over AMQP é\n', site.pki.hosts.sender.dn], [names[1], 'two\r\n', site.pki.hosts.sender.dn]]);
  } finally { await rx.stop(); }
});

test('a STOMP sender to an AMQP receiver (acks after store)', async () => {
  const cfg = await loadConfig(await amqpVariant(site.receiverCfg, 'receiver-amqp'), 'receiver');
  const log = createLog('ssmreceive', cfg.logging);
  const ac = new AbortController();
  const done = runReceiver(cfg, site.dns, log, ac.signal);
  try {
    await waitFor(async () => /Subscribing to/.test(await readFile(`${site.dir}/ssmreceive.log`, 'utf8').catch(() => '')) &&
      (await readFile(`${site.dir}/ssmreceive.log`, 'utf8')).split('Subscribing to').length > 2, 10_000, 'the AMQP subscription');
    const names = pythonAdd(site.outgoing, ['to AMQP\n']);
    assert.equal((await send(site.senderCfg)).sent, 1);
    await waitFor(() => pythonRead(site.spool, 'incoming').some((e) => e.empaid === names[0]), 10_000, 'the message');
    assert.equal(pythonRead(site.spool, 'incoming').find((e) => e.empaid === names[0])!.body, 'to AMQP\n');
  } finally {
    ac.abort();
    await done;
    await log.close();
  }
});
