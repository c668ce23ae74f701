// A broker naming several nodes of one cluster (issue 17 item 2): read as written, each host checked at its line,
// refused where one node is needed (admin, feeder).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Credentials, optionsFromText } from '@sarra/config';

describe('broker host list', () => {
  it('is kept as written for broker and post_broker; the queue and exchange follow from its user', () => {
    const o = optionsFromText('shovel', 'broker amqp://bob@h1:5673,h2:5674,h3/v\npost_broker amqps://ann@p1,p2:5999/\n');
    assert.equal(o.broker, 'amqp://bob@h1:5673,h2:5674,h3/v');
    assert.equal(o.post_broker, 'amqps://ann@p1,p2:5999/');
    assert.equal(o.exchange, 'xs_bob');
  });
  it('a host list without a user means anonymous, as one host does', () => {
    assert.equal(optionsFromText('subscribe', 'broker amqp://h1:5673,h2/\n').broker, 'amqp://anonymous@h1:5673,h2/');
  });
  it('an empty or malformed host in the list is refused at its line', () => {
    assert.throws(() => optionsFromText('subscribe', 'broker amqp://u@h1,,h2/\n'), /subscribe\/test\.conf:1.*broker.*a host of its list is empty or malformed/s);
    assert.throws(() => optionsFromText('subscribe', 'broker amqp://u@h1:5672,h2:x/\n'), /:1.*not a URL/s);
  });
  it('an MQTT broker takes one host: a list is refused at its line', () => {
    assert.throws(() => optionsFromText('subscribe', 'topicPrefix v03\nbroker mqtt://u@h1,h2\n'), /:2.*broker: a list of hosts is for amqp\(s\) clusters/s);
    // with ports the URL does not even parse
    assert.throws(() => optionsFromText('subscribe', 'broker mqtt://u@h1:1883,h2:1884\n'), /:1.*broker: not a URL/s);
    assert.throws(() => optionsFromText('subscribe', 'broker amqp://u@h/\npost_broker mqtts://u@h1,h2/\n'), /post_broker: a list of hosts is for amqp/s);
  });

  it('admin and feeder take one node: a list is refused naming the option', () => {
    assert.throws(() => optionsFromText('subscribe', 'broker amqp://u@h/\nadmin amqp://root@h1,h2/\n'), /:2.*admin: a list of hosts is for broker/s);
    assert.throws(() => optionsFromText('subscribe', 'broker amqp://u@h/\nfeeder amqp://f@h1,h2/\n'), /feeder: a list of hosts/s);
  });
  it('the password comes from the credentials line of the first node, for every node', () => {
    const c = Credentials.parse('amqp://bob:s3cret@h1:5673/\n');
    assert.equal(c.lookup('amqp://bob@h1:5673,h2:5674/v')?.url, 'amqp://bob:s3cret@h1:5673,h2:5674/v');
  });
});
