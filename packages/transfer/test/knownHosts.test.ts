// Unit tests: known_hosts parsing and host key verdicts (plain, [host]:port, hashed, wildcards, negation, @revoked).
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkHostKey, knownHostName, knownKeyTypes, parseKnownHosts } from '../src/knownHosts.js';

const K1 = randomBytes(51);
const K2 = randomBytes(51);
const b64 = (b: Buffer): string => b.toString('base64');
function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${b64(salt)}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it('names non-22 ports in brackets', () => {
    assert.equal(knownHostName('h', 22), 'h');
    assert.equal(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });
  it('matches plain and bracketed entries, and tells mismatch from unknown', () => {
    const e = parseKnownHosts(`# comment\n\nhost.example,10.0.0.1 ssh-ed25519 ${b64(K1)} c\n[127.0.0.1]:2222 ssh-ed25519 ${b64(K1)}\n`);
    assert.equal(checkHostKey(e, 'host.example', 22, K1), 'ok');
    assert.equal(checkHostKey(e, '10.0.0.1', 22, K1), 'ok');
    assert.equal(checkHostKey(e, 'host.example', 22, K2), 'mismatch');
    assert.equal(checkHostKey(e, '127.0.0.1', 2222, K1), 'ok');
    assert.equal(checkHostKey(e, '127.0.0.1', 22, K1), 'unknown');
    assert.equal(checkHostKey(e, 'host.example', 2222, K1), 'unknown');
    assert.equal(checkHostKey(e, 'other', 22, K1), 'unknown');
  });
  it('accepts any of several keys for one host', () => {
    const e = parseKnownHosts(`h ssh-rsa ${b64(K2)}\nh ssh-ed25519 ${b64(K1)}\n`);
    assert.equal(checkHostKey(e, 'h', 22, K1), 'ok');
    assert.deepEqual(knownKeyTypes(e, 'h', 22), ['ssh-rsa', 'ssh-ed25519']);
  });
  it('checks hashed entries', () => {
    const e = parseKnownHosts(`${hashed('[localhost]:2022')} ssh-ed25519 ${b64(K1)}\n`);
    assert.equal(checkHostKey(e, 'localhost', 2022, K1), 'ok');
    assert.equal(checkHostKey(e, 'localhost', 2022, K2), 'mismatch');
    assert.equal(checkHostKey(e, 'localhost', 22, K1), 'unknown');
  });
  it('honours wildcards and negations', () => {
    const e = parseKnownHosts(`*.example.com,!bad.example.com ssh-ed25519 ${b64(K1)}\n`);
    assert.equal(checkHostKey(e, 'a.example.com', 22, K1), 'ok');
    assert.equal(checkHostKey(e, 'bad.example.com', 22, K1), 'unknown');
    assert.equal(checkHostKey(e, 'example.com', 22, K1), 'unknown');
  });
  it('refuses @revoked keys and ignores @cert-authority lines and garbage', () => {
    const e = parseKnownHosts(`@revoked * ssh-ed25519 ${b64(K2)}\n@cert-authority * ssh-ed25519 ${b64(K1)}\nh ssh-ed25519 ${b64(K1)}\njunk\n`);
    assert.equal(checkHostKey(e, 'h', 22, K2), 'revoked');
    assert.equal(checkHostKey(e, 'h', 22, K1), 'ok');
    assert.equal(checkHostKey(e, 'other', 22, K1), 'unknown');
  });
});
