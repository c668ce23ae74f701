// tlsRigour as TLS client options (sr3 transfer/https.py): lax checks nothing, normal is node's defaults, strict
// forces the checks and TLS >= 1.2 whatever process-wide settings say.
import assert from 'node:assert/strict';
import { checkServerIdentity } from 'node:tls';
import { test } from 'node:test';
import { tlsOptions } from '@sarra/common';

test('lax: no chain check, no host name check', () => {
  const o = tlsOptions('lax');
  assert.equal(o.rejectUnauthorized, false);
  assert.equal(o.checkServerIdentity?.('other.example.org', { subject: { CN: '127.0.0.1' } } as never), undefined);
});

test('normal (and unset): node defaults, nothing overridden', () => {
  assert.deepEqual(tlsOptions('normal'), {});
  assert.deepEqual(tlsOptions(undefined), {});
});

test('strict: chain and host name always checked, TLS 1.2 or later', () => {
  assert.deepEqual(tlsOptions('strict'), { rejectUnauthorized: true, checkServerIdentity, minVersion: 'TLSv1.2' });
});
