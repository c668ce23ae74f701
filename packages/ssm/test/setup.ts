// Test helper for the SSM integration tests: a PKI, a fresh RabbitMQ vhost, spools and SSM configuration
// files pointing at them, the receiver running in this process, python-dirq to fill and read the spools.
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { makePki, type Pki } from '@sarra/testkit/pki';
import { python, pythonWithInput } from './python.js';
import { loadConfig } from '../src/options.js';
import { createLog } from '../src/log.js';
import { runReceiver } from '../src/receiver.js';

export interface Site {
  dir: string;
  pki: Pki;
  vh: TestVhost;
  destination: string;
  outgoing: string;
  spool: string;
  senderCfg: string;
  receiverCfg: string;
  dns: string;
  /** A sender.cfg variant with extra `[certificates]` lines. */
  senderWith(certLines: string, name: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** A PKI, a vhost and SSM files; dns allows the sender only (and utf8, another allowed host). */
export async function makeSite(): Promise<Site> {
  const dir = await mkdtemp(`${tmpdir()}/ssm-site-`);
  const pki = await makePki();
  const vh = await withVhost('ssm');
  const destination = `/queue/ssm-${randomBytes(3).toString('hex')}`;
  const outgoing = `${dir}/outgoing`;
  const spool = `${dir}/spool`;
  await mkdir(spool);
  const broker = `[broker]\nhost: 127.0.0.1\nport: 61613\nuse_ssl: false\nusername: guest\npassword: guest\nvhost: ${vh.vhost}\n`;
  const sender = (h: Pki['hosts']['sender'], extra = '', log = 'ssmsend') => `[sender]\nprotocol: STOMP\n${broker}[certificates]\n` +
    `certificate: ${h.cert}\nkey: ${h.key}\ncapath: ${pki.capath}\n${extra}[messaging]\ndestination: ${destination}\npath: ${outgoing}\n` +
    `[logging]\nlogfile: ${dir}/${log}.log\nlevel: INFO\nconsole: false\n`;
  const senderCfg = `${dir}/sender.cfg`;
  await writeFile(senderCfg, sender(pki.hosts.sender));
  const receiverCfg = `${dir}/receiver.cfg`;
  await writeFile(receiverCfg, `[receiver]\nprotocol: STOMP\n${broker}[certificates]\ncertificate: ${pki.hosts.receiver.cert}\nkey: ${pki.hosts.receiver.key}\n` +
    `capath: ${pki.capath}\ncheck_crls: true\n[messaging]\ndestination: ${destination}\npath: ${spool}\n` +
    `[logging]\nlogfile: ${dir}/ssmreceive.log\nlevel: INFO\nconsole: false\n[daemon]\npidfile: ${dir}/ssmreceive.pid\n`);
  const dns = `${dir}/dns`;
  await writeFile(dns, `# allowed senders\n${pki.hosts.sender.dn}\n${pki.hosts.utf8.dn.replace('\u00e9', '\\xC3\\xA9').replace('\u00f4', '\\xC3\\xB4')}\n${pki.hosts.revoked.dn}\n`);
  return {
    dir, pki, vh, destination, outgoing, spool, senderCfg, receiverCfg, dns,
    senderWith: async (lines, name) => {
      const f = `${dir}/${name}.cfg`;
      await writeFile(f, sender(name === 'utf8' ? pki.hosts.utf8 : name === 'revoked' ? pki.hosts.revoked : pki.hosts.sender, lines, name));
      return f;
    },
    cleanup: async () => { await vh.cleanup(); await pki.cleanup(); await rm(dir, { recursive: true, force: true }); },
  };
}

/** Starts the receiver in this process; `stop()` aborts it and waits for its clean end. */
export async function startReceiver(site: Site): Promise<{ stop(): Promise<void> }> {
  const cfg = await loadConfig(site.receiverCfg, 'receiver');
  const log = createLog('ssmreceive', cfg.logging);
  const ac = new AbortController();
  const done = runReceiver(cfg, site.dns, log, ac.signal);
  done.catch(() => {});
  return { stop: async () => { ac.abort(); await done; await log.close(); } };
}

/** Adds `bodies` to the QueueSimple at `path` with python-dirq; returns their element names. */
export function pythonAdd(path: string, bodies: string[]): string[] {
  return JSON.parse(pythonWithInput(`import sys,json
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
print(json.dumps([q.add(b.encode('utf-8')) for b in json.load(sys.stdin)]))`, JSON.stringify(bodies), path)) as string[];
}

/** One element of an SSM Queue as python-dirq reads it. */
export interface PyElement { name: string; body: string; signer: string | null; empaid: string | null; error?: string | null }

/** Reads (without removing) every element of the SSM incoming or reject queue under `spool` with python-dirq. */
export function pythonRead(spool: string, which: 'incoming' | 'reject'): PyElement[] {
  return JSON.parse(python(`import sys,json
from dirq.queue import Queue
schema = {'body': 'string', 'signer': 'string', 'empaid': 'string?'} if sys.argv[2] == 'incoming' else {'body': 'string', 'signer': 'string?', 'empaid': 'string?', 'error': 'string'}
q = Queue(sys.argv[1] + '/' + sys.argv[2], schema=schema); out = []
for n in q:
    if not q.lock(n): continue
    d = q.get(n); q.unlock(n)
    out.append({'name': n, 'body': d['body'], 'signer': d.get('signer'), 'empaid': d.get('empaid'), 'error': d.get('error')})
print(json.dumps(out))`, spool, which)) as PyElement[];
}

/** Polls `fn` every 100 ms until it returns true or `ms` pass (then throws `what`). */
export async function waitFor(fn: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
