// Unit: sr3's MQTT topic mapping, both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTopic, publishTopic, subscriptionFilter } from '../src/mqtt-topic.js';

test('a binding becomes a filter under the exchange, * -> +, # kept; shared under $share/<queue>', () => {
  assert.equal(subscriptionFilter('xpublic', 'v03.#'), 'xpublic/v03/#');
  assert.equal(subscriptionFilter('xpublic', 'v03.*.WXO-DD.#'), 'xpublic/v03/+/WXO-DD/#');
  assert.equal(subscriptionFilter('xs_a', 'v02.post.x', 'q_a.sr_subscribe.c'), '$share/q_a.sr_subscribe.c/xs_a/v02/post/x');
  assert.equal(subscriptionFilter('x', '#', 'q/a+b#'), '$share/q_a_b_/x/#');
});

test('a routing key becomes topic levels under the exchange, MQTT wildcards escaped as sr3 does', () => {
  assert.equal(publishTopic('xpublic', 'v03.20240129.WXO-DD.bulletins'), 'xpublic/v03/20240129/WXO-DD/bulletins');
  assert.equal(publishTopic('xs_a', 'v03.a+b.c#d'), 'xs_a/v03/a%2Bb/c%23d');
  assert.equal(publishTopic('xs_a', 'v03'), 'xs_a/v03');
});

test('a WIS2 notification message goes on its WIS2 topic from the root, the exchange not a level', () => {
  assert.equal(publishTopic('xs_a', 'origin.a.wis2.ca-x.data.core', 'application/geo+json'), 'origin/a/wis2/ca-x/data/core');
  assert.equal(publishTopic('xs_a', 'v03.a', 'application/json'), 'xs_a/v03/a');
});

test('a received topic gives back the exchange and the routing key', () => {
  assert.deepEqual(fromTopic('xpublic/v03/a/b'), { exchange: 'xpublic', routingKey: 'v03.a.b' });
  assert.deepEqual(fromTopic('x'), { exchange: 'x', routingKey: '' });
});
