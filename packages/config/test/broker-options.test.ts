// The broker-side options of issue 12 part 5 as the table reads them: tlsRigour (sr3's names, any case), queueType
// (classic, quorum, stream) and what a quorum or stream queue cannot be.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionsFromText } from '@sarra/config';

const sub = (text: string) => optionsFromText('subscribe', `broker amqp://u@h/\n${text}`);

describe('tlsRigour', () => {
  it('is normal by default; lax, strict and sr3 documentation\'s medium (= normal), any case', () => {
    assert.equal(sub('').tlsRigour, 'normal');
    assert.equal(sub('tlsRigour LAX').tlsRigour, 'lax');
    assert.equal(sub('tlsRigour strict').tlsRigour, 'strict');
    assert.equal(sub('tlsRigour medium').tlsRigour, 'normal');
    assert.equal(sub('tls_rigour Medium').tlsRigour, 'normal');
  });
  it('refuses anything else at its line', () => {
    assert.throws(() => sub('tlsRigour paranoid'), /subscribe\/test\.conf:2.*tlsRigour: 'paranoid' is not one of lax, medium \(normal\), strict/s);
  });
});

describe('queueType', () => {
  it('classic by default; quorum and stream', () => {
    assert.equal(sub('').queueType, 'classic');
    assert.equal(sub('queueType quorum').queueType, 'quorum');
    assert.equal(sub('queueType stream').queueType, 'stream');
  });
  it('a quorum or stream queue cannot be non-durable or auto-delete: refused at the contradicting line', () => {
    assert.throws(() => sub('queueType quorum\ndurable off'), /:3.*durable: off contradicts queueType quorum/s);
    assert.throws(() => sub('auto_delete on\nqueueType stream'), /:2.*auto_delete: on contradicts queueType stream/s);
    assert.equal(sub('queueType quorum\ndurable on').durable, true);
  });
  it('a stream takes one instance: every instance would receive every notice', () => {
    assert.throws(() => sub('queueType stream\ninstances 3'), /:3.*instances: 3 with queueType stream: every instance would receive every notice/s);
    assert.equal(sub('queueType quorum\ninstances 3').instances, 3);
  });
});
