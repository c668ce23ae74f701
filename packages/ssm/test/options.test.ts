// SSM's INI configuration: the sample files of SSM resolve; unknown, missing and bad keys name file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@sarra/common';
import { resolveConfig } from '../src/options.js';
import { parseDns } from '@sarra/common/pki';

const RECEIVER = `[receiver]
protocol: STOMP

[broker]
host: broker.example.org
port = 61613
use_ssl: true

[certificates]
certificate: /etc/grid-security/hostcert.pem
key: /etc/grid-security/hostkey.pem
capath: /etc/grid-security/certificates
check_crls: false

[messaging]
destination: /queue/ssm2test
path: /var/spool/apel

[logging]
logfile: /var/log/apel/ssmreceive.log
level: INFO
console: false

[daemon]
pidfile: /var/run/apel/ssmreceive.pid
`;

test('receiver.cfg as SSM ships it resolves to typed options', () => {
  const c = resolveConfig(RECEIVER, 'receiver.cfg', 'receiver');
  assert.equal(c.broker.host, 'broker.example.org');
  assert.equal(c.broker.port, 61613);
  assert.equal(c.broker.useSsl, true);
  assert.equal(c.certificates.checkCrls, false);
  assert.equal(c.messaging.pathType, 'dirq');
  assert.equal(c.logging.level, 'info');
  assert.equal(c.logging.console, false);
  assert.equal(c.pidfile, '/var/run/apel/ssmreceive.pid');
});

test('sender.cfg with BDII keys: accepted with a warning naming file:line; empty server_cert means no encryption', () => {
  const text = `[sender]\nprotocol: STOMP\n[broker]\nbdii: ldap://lcg-bdii.cern.ch:2170\nnetwork: PROD\nhost: h\nport: 61613\nuse_ssl: false\n` +
    `[certificates]\ncertificate: c\nkey: k\ncapath: /ca\nserver_cert:\n[messaging]\ndestination: /queue/x\npath: /spool\npath_type: directory\n` +
    `[logging]\nlevel: WARN\n`;
  const c = resolveConfig(text, 'sender.cfg', 'sender');
  assert.equal(c.certificates.serverCert, undefined);
  assert.equal(c.messaging.pathType, 'directory');
  assert.equal(c.logging.level, 'warning');
  assert.match(c.warnings[0]!, /^sender\.cfg:4: \[broker\] bdii ignored/);
});

function configError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && re.test(e.message));
}

test('unknown key, unknown section, bad boolean and bad port name file:line', () => {
  configError(() => resolveConfig(RECEIVER.replace('check_crls: false', 'check_crl: false'), 'r.cfg', 'receiver'), /^r\.cfg:13: unknown key 'check_crl' in \[certificates\]/);
  configError(() => resolveConfig(RECEIVER + '[extra]\n', 'r.cfg', 'receiver'), /^r\.cfg:26: unknown section \[extra\]/);
  configError(() => resolveConfig(RECEIVER.replace('use_ssl: true', 'use_ssl: maybe'), 'r.cfg', 'receiver'), /^r\.cfg:7: \[broker\] use_ssl: not a boolean/);
  configError(() => resolveConfig(RECEIVER.replace('port = 61613', 'port = 0x10'), 'r.cfg', 'receiver'), /^r\.cfg:6: \[broker\] port: not a port/);
  configError(() => resolveConfig('host: x\n', 'r.cfg', 'receiver'), /^r\.cfg:1: key 'host' before any \[section\]/);
  configError(() => resolveConfig(RECEIVER.replace('[daemon]', '[daemon]\nthis is not ini'), 'r.cfg', 'receiver'), /^r\.cfg:25: not an INI line/);
});

test('a missing or empty required key is an error naming the file and the key', () => {
  configError(() => resolveConfig(RECEIVER.replace('host: broker.example.org\n', ''), 'r.cfg', 'receiver'), /^r\.cfg: missing required key 'host' in \[broker\]/);
  configError(() => resolveConfig(RECEIVER.replace('destination: /queue/ssm2test', 'destination:'), 'r.cfg', 'receiver'), /^r\.cfg:16: \[messaging\] destination is empty/);
});

test('continuation lines and ; comments follow ConfigParser', () => {
  const c = resolveConfig(RECEIVER.replace('[daemon]', '; a comment\n[daemon]'), 'r.cfg', 'receiver');
  assert.equal(c.messaging.destination, '/queue/ssm2test');
});

test('dns file: slash DNs kept, comments skipped, other lines reported, none at all refused', () => {
  const l = parseDns('# allowed\n/C=UK/O=eScience/CN=a.example.org\n\nC=UK, CN=bad\n  /C=UK/O=eScience/CN=b.example.org  \n', 'dns');
  assert.deepEqual([...l.dns], ['/C=UK/O=eScience/CN=a.example.org', '/C=UK/O=eScience/CN=b.example.org']);
  assert.deepEqual(l.skipped, [{ line: 4, text: 'C=UK, CN=bad' }]);
  configError(() => parseDns('# nothing\n', 'dns'), /^dns: no valid DN/);
});
