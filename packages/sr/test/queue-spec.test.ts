// sr declare declares a consumer's queue exactly as its instances do: durable, auto_delete, x-expires, x-message-ttl.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optionsFromText } from '@sarra/config';
import { queueSpec } from '../src/declare.js';

test('queueSpec follows durable, auto_delete, expire and messageAgeMax', () => {
  const o = (text: string): ReturnType<typeof optionsFromText> => optionsFromText('subscribe', `broker amqp://u@h/\n${text}`);
  assert.deepEqual(queueSpec(o(''), 'q'), { name: 'q', durable: true, autoDelete: false, expires: 300_000, messageTtl: 0 });
  assert.deepEqual(queueSpec(o('auto_delete on\ndurable off\nexpire 1h\nmessageAgeMax 10m'), 'q'),
    { name: 'q', durable: false, autoDelete: true, expires: 3_600_000, messageTtl: 600_000 });
});
