// The signed-notice options: post_sign's two file names, and what notice_verify needs (lint = start).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { optionsFromText } from '@sarra/config';
import { checkNoticeTrust } from '../src/check-trust.js';

const SUB = 'broker amqp://bob@h/\n';

describe('signed-notice options', () => {
  it('post_sign takes the certificate and the key; one file name, or three, is an error at its line', () => {
    const o = optionsFromText('post', 'post_broker amqp://bob@h/\npost_sign /etc/sarra/me.pem  /etc/sarra/me.key\n');
    assert.deepEqual(o.post_sign, { cert: '/etc/sarra/me.pem', key: '/etc/sarra/me.key' });
    assert.throws(() => optionsFromText('post', 'post_broker amqp://bob@h/\npost_sign /etc/sarra/me.pem\n'), /post\/test\.conf:2: post_sign: expected two file names/);
    assert.equal(optionsFromText('post', 'post_broker amqp://bob@h/\npost_sign None\n').post_sign, undefined);
  });

  it('notice_verify on without notice_capath or notice_signers is refused at its line', () => {
    assert.throws(() => optionsFromText('subscribe', `${SUB}notice_verify on\nnotice_signers /x\n`), /subscribe\/test\.conf:2: notice_verify: on needs notice_capath/);
    assert.throws(() => optionsFromText('subscribe', `${SUB}notice_verify on\nnotice_capath /ca\n`), /:2: notice_verify: on needs notice_signers/);
    const o = optionsFromText('subscribe', `${SUB}notice_verify on\nnotice_capath /ca\nnotice_signers /dns\n`);
    assert.equal(o.notice_verify, true);
    assert.deepEqual(checkNoticeTrust(o, 'f'), []);
  });

  it('set in vain: warnings, not errors', () => {
    const post = optionsFromText('post', 'post_broker amqp://bob@h/\nnotice_verify on\nnotice_capath /ca\nnotice_signers /dns\n');
    assert.deepEqual(checkNoticeTrust(post, 'f').map((d) => [d.severity, d.message]), [['warning', 'notice_verify: post receives no notices to verify']]);
    const off = optionsFromText('subscribe', `${SUB}notice_capath /ca\n`);
    assert.deepEqual(checkNoticeTrust(off, 'f').map((d) => [d.severity, d.line, d.message]), [['warning', 2, 'notice_capath: has no effect without notice_verify on']]);
  });
});
