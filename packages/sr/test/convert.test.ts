// Conversion of v2 option names to sr3 names (from the option table's synonyms), keeping everything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertText } from '../src/convert.js';
import { rolePermissions } from '../src/users.js';

test('v2 names become sr3 names; comments, values, accept/reject untouched', () => {
  const v2 = ['# a v2 subscriber', 'broker amqp://anonymous@localhost/', 'exchange_suffix x', 'queue_name q_anonymous.mine',
    'accept_unmatch off', 'document_root /data', 'chmod 644', 'heartbeat 60', 'accept .*foo.*', 'reject .*', 'directory /tmp/x', ''].join('\n');
  const { text, renamed } = convertText(v2, { v2: false });
  const lines = text.split('\n');
  assert.ok(lines.includes('# a v2 subscriber'));
  assert.ok(lines.includes('exchangeSuffix x'));
  assert.ok(lines.includes('queueName q_anonymous.mine'));
  assert.ok(lines.includes('acceptUnmatched off'));
  assert.ok(lines.includes('baseDir /data'));
  assert.ok(lines.includes('permDefault 644'));
  assert.ok(lines.includes('housekeeping 60'));
  assert.ok(lines.includes('accept .*foo.*'));
  assert.ok(lines.includes('directory /tmp/x'));
  assert.ok(renamed.includes('exchange_suffix -> exchangeSuffix'));
});

test('a v2 configuration keeps v2 topics: topicPrefix and post_topicPrefix v02.post added when absent', () => {
  const { text } = convertText('broker amqp://a@h/\npost_broker amqp://a@h/\n', { v2: true });
  assert.match(text, /^topicPrefix v02\.post$/m);
  assert.match(text, /^post_topicPrefix v02\.post$/m);
  const kept = convertText('topic_prefix v03\nbroker amqp://a@h/\n', { v2: true }).text;
  assert.doesNotMatch(kept, /v02\.post/);
  assert.match(kept, /^topicPrefix v03$/m);
});

test('role permissions are those of sr3 (COMPAT §1)', () => {
  assert.deepEqual(rolePermissions('subscriber', 'bob'), { configure: '^q_bob.*', write: '^q_bob.*|^xs_bob$', read: '^q_bob.*|^x[lrs]_bob.*|^x.*public$' });
  assert.deepEqual(rolePermissions('source', 'al'), { configure: '^q_al.*|^xs_al.*', write: '^q_al.*|^xs_al.*', read: '^q_al.*|^x[lrs]_al.*|^x.*public$' });
  assert.deepEqual(rolePermissions('feeder', 'f'), { configure: '.*', write: '.*', read: '.*' });
});
