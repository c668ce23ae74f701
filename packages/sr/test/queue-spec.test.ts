// sr declare declares a consumer's queue exactly as its instances do (flow's queueSpecOf, used by both): durable,
// auto_delete, x-expires, x-message-ttl, queueType.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionsFromText } from '@sarra/config';
import { queueSpecOf } from '@sarra/flow';

const o = (text: string): ReturnType<typeof optionsFromText> => optionsFromText('subscribe', `broker amqp://u@h/\n${text}`);

test('queueSpecOf follows durable, auto_delete, expire and messageAgeMax', () => {
  assert.deepEqual(queueSpecOf(o(''), 'q'), { name: 'q', durable: true, autoDelete: false, expires: 300_000, messageTtl: 0, type: 'classic' });
  assert.deepEqual(queueSpecOf(o('auto_delete on\ndurable off\nexpire 1h\nmessageAgeMax 10m'), 'q'),
    { name: 'q', durable: false, autoDelete: true, expires: 3_600_000, messageTtl: 600_000, type: 'classic' });
});

test('queueSpecOf carries queueType quorum and stream', () => {
  assert.equal(queueSpecOf(o('queueType quorum'), 'q').type, 'quorum');
  assert.equal(queueSpecOf(o('queueType stream'), 'q').type, 'stream');
});
