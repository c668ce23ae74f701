// Test helper: a throw-away PKI made with the openssl CLI (SSM and signed-notice tests): a root CA, host certificates, a hashed capath
// (with a CRL revoking one host), as grid sites keep /etc/grid-security/certificates.
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

/** Runs openssl with `args` (stdin `input`); returns stdout as a Buffer. */
export function openssl(args: string[], input?: Buffer | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** One host: its certificate and key files and its DN in slash form. */
export interface Host { cert: string; key: string; dn: string }

export interface Pki {
  dir: string;
  capath: string;
  ca: Host;
  /** Hosts by name; `revoked` is listed in the CRL. */
  hosts: Record<'sender' | 'receiver' | 'other' | 'revoked' | 'utf8', Host>;
  /** A broker certificate for 127.0.0.1 (subjectAltName), for TLS tests. */
  broker: Host;
  /** A host signed by a CA that is not in capath. */
  stranger: Host;
  cleanup(): Promise<void>;
}

const CNF = `[ca]\ndefault_ca = d\n[d]\ndatabase = DIR/index.txt\ncrlnumber = DIR/crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n` +
  `[v3_ca]\nbasicConstraints = critical,CA:true\nkeyUsage = keyCertSign,cRLSign\n[host]\nbasicConstraints = CA:false\n` +
  `[broker]\nbasicConstraints = CA:false\nsubjectAltName = IP:127.0.0.1,DNS:localhost\n`;

/** Makes the PKI under a temporary directory (a few hundred ms of openssl). */
export async function makePki(): Promise<Pki> {
  const dir = await mkdtemp(`${tmpdir()}/ssm-pki-`);
  await writeFile(`${dir}/ca.cnf`, CNF.replaceAll('DIR', dir));
  await writeFile(`${dir}/index.txt`, '');
  await writeFile(`${dir}/crlnumber`, '01\n');
  const newCa = (name: string, subj: string): Host => {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/${name}.key`, '-out', `${dir}/${name}.pem`, '-subj', subj,
      '-days', '3', '-config', `${dir}/ca.cnf`, '-extensions', 'v3_ca']);
    return { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key`, dn: subj };
  };
  const ca = newCa('ca', '/C=UK/O=eScience/OU=Authority/CN=Test Root CA');
  const rogue = newCa('rogue', '/C=UK/O=Rogue/CN=Rogue CA');
  const host = (name: string, subj: string, issuer: Host = ca, ext = 'host'): Host => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/${name}.key`, '-out', `${dir}/${name}.csr`, '-subj', subj, '-utf8']);
    openssl(['x509', '-req', '-in', `${dir}/${name}.csr`, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial', '-out', `${dir}/${name}.pem`,
      '-days', '2', '-extfile', `${dir}/ca.cnf`, '-extensions', ext]);
    return { cert: `${dir}/${name}.pem`, key: `${dir}/${name}.key`, dn: subj };
  };
  const hosts = {
    sender: host('sender', '/C=UK/O=eScience/OU=CLRC/L=RAL/CN=sender.example.org'),
    receiver: host('receiver', '/C=UK/O=eScience/OU=CLRC/L=RAL/CN=receiver.example.org'),
    other: host('other', '/C=UK/O=eScience/CN=other.example.org'),
    revoked: host('revoked', '/C=UK/O=eScience/CN=revoked.example.org'),
    utf8: host('utf8', '/C=FR/O=Universit\u00e9/CN=h\u00f4te.example.org'),
  };
  const broker = host('broker', '/C=UK/O=eScience/CN=localhost', ca, 'broker');
  const stranger = host('stranger', '/C=UK/O=Rogue/CN=stranger.example.org', rogue);
  const cnf = ['-config', `${dir}/ca.cnf`, '-keyfile', ca.key, '-cert', ca.cert];
  openssl(['ca', ...cnf, '-revoke', hosts.revoked.cert]);
  openssl(['ca', ...cnf, '-gencrl', '-out', `${dir}/ca.crl`]);
  const capath = `${dir}/capath`;
  await mkdir(capath);
  const hash = openssl(['x509', '-hash', '-noout', '-in', ca.cert]).toString().trim();
  await copyFile(ca.cert, `${capath}/${hash}.0`);
  await copyFile(`${dir}/ca.crl`, `${capath}/${hash}.r0`);
  return { dir, capath, ca, hosts, stranger, broker, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
